/**
 * The content pipeline over HTTP (contracts/content.ts):
 *   POST /admin/memes              upload (multipart: file, creator, title, tags), admins only
 *   GET  /admin/memes[?state=]     memes, newest first; GET /admin/memes/:id one of them
 *   POST /admin/memes/:id/approve | /reject {reason} | /retry
 *   GET  /memes/queue              the round queue (public)
 *   GET  /media/:file              stored files by content address, with HTTP ranges
 *
 * The upload streams to a temporary file and stops at 10 MB + 1 byte, so an oversized upload is
 * refused without ever being held whole; the temporary file is removed whatever the outcome.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  AdminMemesQuery,
  AdminMemesResponse,
  AdminMemeView,
  MemeParams,
  RejectBody,
  RoundQueueResponse,
} from '../../../contracts/content.ts'
import type { ErrorCode } from '../../../contracts/errors.ts'
import type { Bus } from '../../adapters/bus/bus.ts'
import {
  MEDIA_CONTENT_TYPES,
  type MediaStore,
  type MediaTokens,
  mediaFileName,
  parseMediaFileName,
  type StoredMedia,
} from '../../adapters/media/media-store.ts'
import type { ContentService, ReviewResult } from '../../services/content/content.service.ts'
import type { Meme, MemesRepository } from '../../services/content/memes.repository.ts'
import { DEFAULT_VALIDATION_OPTIONS } from '../../services/content/validation/validate-image.ts'
import { AppError } from '../errors.ts'
import { ERROR_RESPONSES } from '../openapi.ts'

const DEFAULT_LIST_LIMIT = 50
const MAX_FORM_FIELD_BYTES = 2_000
const ONE_YEAR_SECONDS = 31_536_000

export interface ContentRoutesOptions {
  content: ContentService
  memes: MemesRepository
  media: MediaStore
  tokens: MediaTokens
  views: AdminMemeViews
  uploadDir: string
  memesPerRound: number
}

/**
 * Memes as admins see them, with the progress of their transformation: progress steps are not
 * stored, so each process keeps the latest one it heard on the bus. One instance per process
 * serves both the admin routes and the WebSocket's admin:content channel.
 */
export class AdminMemeViews {
  private readonly progress = new Map<string, number>()

  constructor(
    private readonly memes: MemesRepository,
    bus: Bus,
  ) {
    bus.subscribe('content.meme', ({ memeId, progress }) => {
      if (progress === null) this.progress.delete(memeId)
      else this.progress.set(memeId, progress)
    })
  }

  /** `progress`: the step to show (a bus message's own), else the latest one heard. */
  async view(meme: Meme, progress = this.progress.get(meme.id) ?? null): Promise<AdminMemeView> {
    return toAdminView(meme, progress, await this.memes.queuePosition(meme))
  }

  /** The meme's view now, or undefined when there is no such meme. */
  async load(memeId: string, progress?: number | null): Promise<AdminMemeView | undefined> {
    const meme = await this.memes.byId(memeId)
    return meme && this.view(meme, progress)
  }
}

export function contentRoutes(options: ContentRoutesOptions): FastifyPluginAsyncTypebox {
  const { content, memes, views } = options
  const view = (meme: Meme) => views.view(meme)

  return async (app) => {
    await app.register(multipart, {
      limits: {
        // One byte over the limit is how an oversized file is recognised (file.truncated).
        fileSize: DEFAULT_VALIDATION_OPTIONS.maxBytes + 1,
        files: 1,
        fields: 5,
        fieldSize: MAX_FORM_FIELD_BYTES,
      },
    })

    app.post(
      '/admin/memes',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['content'],
          summary:
            'Upload an image (multipart: file, creator, title, tags); it is validated at once and queued for transformation.',
          consumes: ['multipart/form-data'],
          response: { 201: AdminMemeView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const upload = await receiveUpload(request, options.uploadDir)
        try {
          if (upload.tooLarge) throw new AppError('FILE_TOO_LARGE')
          if (!upload.tempPath) throw new AppError('FILE_MISSING')
          const result = await content.upload({
            tempPath: upload.tempPath,
            creator: upload.fields.creator ?? '',
            title: upload.fields.title ?? '',
            tags: upload.fields.tags ?? '',
          })
          if (result.status !== 'created') {
            throw new AppError(result.status, {
              details: result.detail ? { rule: result.detail } : undefined,
            })
          }
          request.log.info({ memeId: result.meme.id, sha256: result.meme.originalSha256 }, 'meme uploaded')
          reply.code(201)
          return view(result.meme)
        } finally {
          if (upload.tempPath) await rm(upload.tempPath, { force: true })
        }
      },
    )

    app.get(
      '/admin/memes',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['content'],
          summary: 'Memes in the pipeline, newest first.',
          querystring: AdminMemesQuery,
          response: { 200: AdminMemesResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const list = await memes.list(request.query.state, request.query.limit ?? DEFAULT_LIST_LIMIT)
        return { memes: await Promise.all(list.map(view)) }
      },
    )

    app.get(
      '/admin/memes/:id',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['content'],
          params: MemeParams,
          response: { 200: AdminMemeView, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const meme = await memes.byId(request.params.id)
        if (!meme) throw new AppError('NOT_FOUND', { details: { memeId: request.params.id } })
        return view(meme)
      },
    )

    const review =
      (summary: string, act: (id: string, body: unknown) => Promise<ReviewResult>) =>
      async (request: FastifyRequest<{ Params: { id: string } }>) => {
        const result = await act(request.params.id, request.body)
        if (result.status !== 'ok')
          throw new AppError(result.status as ErrorCode, { details: { memeId: request.params.id } })
        request.log.info({ memeId: result.meme.id, state: result.meme.state, by: request.user?.id }, summary)
        return view(result.meme)
      }
    const reviewSchema = (summary: string, body?: typeof RejectBody) => ({
      config: { auth: 'admin' as const },
      schema: {
        tags: ['content'],
        summary,
        params: MemeParams,
        ...(body && { body }),
        response: { ...ERROR_RESPONSES },
      },
    })
    app.post(
      '/admin/memes/:id/approve',
      reviewSchema('Approve a meme in review into the round queue.'),
      review('meme approved', (id) => content.approve(id)),
    )
    app.post(
      '/admin/memes/:id/reject',
      reviewSchema('Reject a meme in review (or approved and not yet shown), with a reason.', RejectBody),
      review('meme rejected', (id, body) => content.reject(id, (body as RejectBody).reason)),
    )
    app.post(
      '/admin/memes/:id/retry',
      reviewSchema('Transform a meme in review again.'),
      review('meme retried', (id) => content.retry(id)),
    )

    app.get(
      '/memes/queue',
      {
        schema: {
          tags: ['content'],
          summary: 'Approved memes in the order rounds take them.',
          response: { 200: RoundQueueResponse },
        },
      },
      async () => ({
        memesPerRound: options.memesPerRound,
        memes: (await memes.roundQueue(options.memesPerRound * 5)).map((m, index) => ({
          id: m.id,
          title: m.title,
          posterUrl: m.animation ? mediaUrl(m.animation.poster) : mediaUrl(m.stored),
          thumbnailUrl: m.animation ? mediaUrl(m.animation.thumbnailSmall) : mediaUrl(m.stored),
          position: index + 1,
        })),
      }),
    )

    app.get('/media/:file', { schema: { hide: true } }, async (request, reply) => {
      const { file } = request.params as { file: string }
      const token = (request.query as { token?: string }).token
      const media = parseMediaFileName(file)
      const visibility = media && (await memes.mediaVisibility(media))
      if (!media || !visibility) throw new AppError('NOT_FOUND')
      if (visibility === 'protected' && request.user?.role !== 'admin') {
        if (!token || !options.tokens.verify(media.sha256, token)) throw new AppError('MEDIA_TOKEN_INVALID')
      }
      return sendMedia(request, reply, options.media, media, visibility === 'public')
    })
  }
}

interface ReceivedUpload {
  tempPath: string | undefined
  tooLarge: boolean
  fields: Record<string, string>
}

/** Reads the form: text fields into memory (small), the one file into a temporary file. */
async function receiveUpload(request: FastifyRequest, uploadDir: string): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE')
  await mkdir(uploadDir, { recursive: true })
  const received: ReceivedUpload = { tempPath: undefined, tooLarge: false, fields: {} }
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        received.fields[part.fieldname] = String(part.value)
      } else if (part.fieldname === 'file' && received.tempPath === undefined) {
        received.tempPath = path.join(uploadDir, `${randomUUID()}.upload`)
        await pipeline(part.file, createWriteStream(received.tempPath, { mode: 0o600 }))
        if (part.file.truncated) received.tooLarge = true
      } else {
        part.file.resume()
      }
    }
  } catch (error) {
    if (received.tempPath) await rm(received.tempPath, { force: true })
    const code = (error as { code?: string }).code
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw new AppError('VALIDATION_FAILED', { details: { rule: 'one file and at most 5 fields' } })
    }
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('FILE_TOO_LARGE')
    throw new AppError('MALFORMED_REQUEST', { cause: error })
  }
  return received
}

/** Sends a stored file, whole or the one byte range asked for; content addresses never change. */
async function sendMedia(
  request: FastifyRequest,
  reply: FastifyReply,
  store: MediaStore,
  media: StoredMedia,
  isPublic: boolean,
) {
  const filePath = store.pathOf(media)
  const size = (await stat(filePath).catch(() => undefined))?.size
  if (size === undefined) throw new AppError('NOT_FOUND')
  reply
    .header('content-type', MEDIA_CONTENT_TYPES[media.ext])
    .header('accept-ranges', 'bytes')
    .header('etag', `"${media.sha256}"`)
    .header(
      'cache-control',
      isPublic ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'private, no-store',
    )
  const range = parseRange(request.headers.range, size)
  if (range === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${size}`).send()
  }
  if (range) {
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    reply.header('content-length', range.end - range.start + 1)
    return reply.send(createReadStream(filePath, range))
  }
  reply.header('content-length', size)
  return reply.send(createReadStream(filePath))
}

/** One `bytes=` range (RFC 9110 14.2); undefined means the whole file. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size || end < start) return 'unsatisfiable'
  return { start, end }
}

export function mediaUrl(media: StoredMedia, token?: string): string {
  return `/api/v1/media/${mediaFileName(media)}${token ? `?token=${token}` : ''}`
}

function toAdminView(meme: Meme, progress: number | null, queuePosition: number | null): AdminMemeView {
  const a = meme.animation
  return {
    id: meme.id,
    title: meme.title,
    tags: meme.tags,
    creator: { id: meme.creatorUserId, address: meme.creatorAddress, identityKey: meme.creatorIdentityKey },
    state: meme.state,
    progress,
    attempts: meme.attempts,
    problems: meme.problems,
    nearDuplicateOf: meme.nearDuplicateOf,
    original: {
      url: mediaUrl(meme.stored),
      width: meme.originalWidth,
      height: meme.originalHeight,
      format: meme.originalFormat,
      bytes: meme.originalBytes,
      sha256: meme.originalSha256,
    },
    animation: a && {
      url: mediaUrl(a.animation),
      mp4Url: a.mp4 && mediaUrl(a.mp4),
      posterUrl: mediaUrl(a.poster),
      thumbnailUrls: { small: mediaUrl(a.thumbnailSmall), medium: mediaUrl(a.thumbnailMedium) },
      width: a.width,
      height: a.height,
      fps: a.fps,
      frameCount: a.frameCount,
      durationMs: a.durationMs,
      engine: a.engine,
      processingMs: a.processingMs,
      quality: meme.quality,
    },
    reviewReason: meme.reviewReason,
    queuePosition,
    createdAt: meme.createdAt.toISOString(),
    updatedAt: meme.updatedAt.toISOString(),
  }
}
