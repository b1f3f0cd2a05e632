/**
 * Memes from upload to the round queue (SPEC 4): takes an uploaded file, validates it, keeps a
 * metadata-free copy under its content address, refuses exact duplicates, flags near-duplicates,
 * records the meme and queues its transformation in one transaction; and carries out reviewers'
 * decisions. Every move goes through the pipeline's state machine (pipeline.ts).
 *
 * Nothing of a refused upload remains: validation reads the temporary file only, and the caller
 * deletes that file whatever happens. The stored copy is written before the row, so a crash in
 * between leaves at worst an unreferenced file in the store, never a row without its file.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Kysely } from 'kysely'
import { MAX_TAG_LENGTH, MAX_TAGS, MAX_TITLE_LENGTH } from '../../../contracts/content.ts'
import type { Bus } from '../../adapters/bus/bus.ts'
import type { Database } from '../../adapters/db/schema.ts'
import type { MediaExtension, MediaStore } from '../../adapters/media/media-store.ts'
import type { JobQueue } from '../../adapters/queue/job-queue.ts'
import { parseP2pkhAddress } from '../../domain/address.ts'
import type { UsersRepository } from '../auth/users.repository.ts'
import type { Meme, MemesRepository } from './memes.repository.ts'
import {
  nextState,
  type PipelineEvent,
  statesFor,
  TRANSFORM_QUEUE,
  type TransformJobPayload,
} from './pipeline.ts'
import { isNearDuplicate, perceptualHash } from './validation/perceptual-hash.ts'
import { stripMetadata } from './validation/strip-metadata.ts'
import { type ImageFormat, type ValidationCode, validateImage } from './validation/validate-image.ts'

const TAG_PATTERN = /^[\p{L}\p{N} _-]+$/u
const COMPRESSED_PUBLIC_KEY = /^0[23][0-9a-f]{64}$/

const EXTENSION_OF: Record<ImageFormat, MediaExtension> = { png: 'png', jpeg: 'jpg', gif: 'gif' }

export interface UploadInput {
  /** The uploaded bytes in a temporary file; the caller removes it afterwards. */
  tempPath: string
  creator: string
  title: string
  tags: string
}

export type UploadFailure =
  | ValidationCode
  | 'CREATOR_INVALID'
  | 'TITLE_INVALID'
  | 'TAGS_INVALID'
  | 'DUPLICATE_MEME'

export type UploadResult = { status: 'created'; meme: Meme } | { status: UploadFailure; detail?: string }

export type ReviewResult = { status: 'ok'; meme: Meme } | { status: 'NOT_FOUND' | 'MEME_NOT_REVIEWABLE' }

export interface ContentServiceOptions {
  db: Kysely<Database>
  memes: MemesRepository
  users: UsersRepository
  media: MediaStore
  jobs: JobQueue
  bus: Bus
  /** Where stripped copies are made before they enter the store. */
  workDir: string
  minShortSidePx: number
  transformAttempts: number
  now?: () => Date
}

export class ContentService {
  private readonly now: () => Date

  constructor(private readonly options: ContentServiceOptions) {
    this.now = options.now ?? (() => new Date())
  }

  async upload(input: UploadInput): Promise<UploadResult> {
    const fields = parseFields(input)
    if ('status' in fields) return fields
    const validation = await validateImage(input.tempPath, { minShortSidePx: this.options.minShortSidePx })
    if (!validation.ok) return { status: validation.code, detail: validation.detail }
    const image = validation.image
    if (await this.options.memes.bySha256(image.sha256)) return { status: 'DUPLICATE_MEME' }

    const ext = EXTENSION_OF[image.format]
    await mkdir(this.options.workDir, { recursive: true })
    const strippedPath = path.join(this.options.workDir, `${randomUUID()}.${ext}`)
    try {
      await stripMetadata(input.tempPath, strippedPath, { format: image.format })
      const stored = await this.options.media.put(strippedPath, ext)
      const phash = await perceptualHash(strippedPath)
      const similar = (await this.options.memes.perceptualHashes()).find((m) =>
        isNearDuplicate(m.phash, phash),
      )
      const creator = await this.creatorUser(fields.creator)
      const now = this.now()
      const meme = {
        id: `m_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
        creatorUserId: creator,
        title: fields.title,
        tags: fields.tags,
        originalSha256: image.sha256,
        originalFormat: image.format,
        originalWidth: image.width,
        originalHeight: image.height,
        originalBytes: image.byteSize,
        stored,
        phash,
        nearDuplicateOf: similar?.id ?? null,
        problems: similar ? ['near_duplicate'] : [],
      }
      try {
        await this.options.db.transaction().execute(async (trx) => {
          await this.options.memes.insert(meme, now, trx)
          await this.enqueueTransform(meme.id, 'default', trx)
        })
      } catch (error) {
        // Two uploads of one image at once: the unique index let one through.
        if (await this.options.memes.bySha256(image.sha256)) return { status: 'DUPLICATE_MEME' }
        throw error
      }
      await this.options.memes.recordMedia(stored, 'protected', image.byteSize, now)
      this.announce(meme.id)
      const created = await this.options.memes.byId(meme.id)
      if (!created) throw new Error(`meme ${meme.id} vanished after insert`)
      return { status: 'created', meme: created }
    } finally {
      await rm(strippedPath, { force: true })
    }
  }

  approve(id: string): Promise<ReviewResult> {
    return this.move(id, 'approved', { approvedAt: this.now(), reviewReason: null })
  }

  reject(id: string, reason: string): Promise<ReviewResult> {
    return this.move(id, 'rejected', { reviewReason: reason, approvedAt: null })
  }

  /** Sends a meme in review through the transformation again, with fresh attempts. */
  async retry(id: string): Promise<ReviewResult> {
    const meme = await this.options.memes.byId(id)
    if (!meme) return { status: 'NOT_FOUND' }
    const to = nextState(meme.state, 'retry')
    if (!to) return { status: 'MEME_NOT_REVIEWABLE' }
    let moved = false
    await this.options.db.transaction().execute(async (trx) => {
      const change = { state: to, attempts: 0, problems: meme.problems.filter((p) => p === 'near_duplicate') }
      moved = await this.options.memes.update(id, [meme.state], change, this.now(), trx)
      if (moved) await this.enqueueTransform(id, 'default', trx)
    })
    if (!moved) return { status: 'MEME_NOT_REVIEWABLE' }
    this.announce(id)
    return { status: 'ok', meme: (await this.options.memes.byId(id))! }
  }

  enqueueTransform(memeId: string, settings: TransformJobPayload['settings'], trx?: Kysely<Database>) {
    const payload: TransformJobPayload = { memeId, settings }
    return this.options.jobs.enqueue(
      TRANSFORM_QUEUE,
      payload,
      { maxAttempts: this.options.transformAttempts },
      trx,
    )
  }

  announce(memeId: string, progress: number | null = null): void {
    this.options.bus.publish('content.meme', { memeId, progress })
  }

  private async move(id: string, event: PipelineEvent, change: Parameters<MemesRepository['update']>[2]) {
    const meme = await this.options.memes.byId(id)
    if (!meme) return { status: 'NOT_FOUND' } as const
    const to = nextState(meme.state, event)
    if (
      !to ||
      !(await this.options.memes.update(id, statesFor(event), { ...change, state: to }, this.now()))
    ) {
      return { status: 'MEME_NOT_REVIEWABLE' } as const
    }
    if (to === 'approved' && meme.animation) {
      // From now on the poster and thumbnails are shown to everyone.
      for (const media of [
        meme.animation.poster,
        meme.animation.thumbnailSmall,
        meme.animation.thumbnailMedium,
      ]) {
        await this.options.memes.recordMedia(media, 'public', 0, this.now())
      }
    }
    this.announce(id)
    return { status: 'ok', meme: (await this.options.memes.byId(id))! } as const
  }

  /** The creator's user id: found by identity key or address, or made for an address. */
  private async creatorUser(creator: { identityKey?: string; address?: string }): Promise<string> {
    const { users } = this.options
    if (creator.identityKey) {
      const known = await users.findByIdentityKey(creator.identityKey)
      if (known) return known.id
      const made = await users.insertIfAbsent({
        id: randomUUID(),
        identityKey: creator.identityKey,
        address: null,
        createdAt: this.now(),
        role: 'viewer',
      })
      return (made ?? (await users.findByIdentityKey(creator.identityKey)))!.id
    }
    return (await users.insertAddressOnlyIfAbsent(randomUUID(), creator.address!, this.now())).id
  }
}

type ParsedFields = { creator: { identityKey?: string; address?: string }; title: string; tags: string[] }

function parseFields(input: UploadInput): ParsedFields | { status: UploadFailure } {
  const creatorText = input.creator.trim()
  let creator: ParsedFields['creator']
  if (COMPRESSED_PUBLIC_KEY.test(creatorText.toLowerCase()))
    creator = { identityKey: creatorText.toLowerCase() }
  else if (parseP2pkhAddress(creatorText)) creator = { address: creatorText }
  else return { status: 'CREATOR_INVALID' }
  const title = input.title.trim()
  if (title.length < 1 || title.length > MAX_TITLE_LENGTH) return { status: 'TITLE_INVALID' }
  const tags = [
    ...new Set(
      input.tags
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
    ),
  ]
  if (tags.length > MAX_TAGS || tags.some((t) => t.length > MAX_TAG_LENGTH || !TAG_PATTERN.test(t))) {
    return { status: 'TAGS_INVALID' }
  }
  return { creator, title, tags }
}
