/** Queries on memes and media files (migration 0007): one query per method, no rules. */
import type { Kysely, Selectable } from 'kysely'
import type { Database, MemeState, MemesTable } from '../../adapters/db/schema.ts'
import type { MediaExtension, StoredMedia } from '../../adapters/media/media-store.ts'
import { satsFromDb } from '../../domain/money.ts'

/** The files a transformation made, by content address. */
export interface AnimationRecord {
  animation: StoredMedia
  mp4: StoredMedia | null
  poster: StoredMedia
  thumbnailSmall: StoredMedia
  thumbnailMedium: StoredMedia
  width: number
  height: number
  fps: number
  frameCount: number
  durationMs: number
  engine: 'local' | 'aitubo'
  processingMs: number
}

export interface QualityRecord {
  ok: boolean
  smoothness: number
  fps: number
  frameCount: number
  durationMs: number
  width: number
  height: number
  failures: Array<{ code: string; detail: string }>
}

export interface Meme {
  id: string
  creatorUserId: string
  ownerUserId: string
  creatorAddress: string | null
  creatorIdentityKey: string | null
  title: string
  tags: string[]
  state: MemeState
  originalSha256: string
  originalFormat: string
  originalWidth: number
  originalHeight: number
  originalBytes: number
  stored: StoredMedia
  phash: string
  nearDuplicateOf: string | null
  animation: AnimationRecord | null
  quality: QualityRecord | null
  problems: string[]
  attempts: number
  reviewReason: string | null
  createdAt: Date
  updatedAt: Date
  approvedAt: Date | null
  assignedRound: number | null
}

export interface NewMeme {
  id: string
  creatorUserId: string
  title: string
  tags: string[]
  originalSha256: string
  originalFormat: string
  originalWidth: number
  originalHeight: number
  originalBytes: number
  stored: StoredMedia
  phash: string
  nearDuplicateOf: string | null
  problems: string[]
}

type MemeRow = Selectable<MemesTable> & {
  creator_address: string | null
  creator_identity_key: string | null
}

function parsed<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}

function toMeme(row: MemeRow): Meme {
  return {
    id: row.id,
    creatorUserId: row.creator_user_id,
    ownerUserId: row.owner_user_id,
    creatorAddress: row.creator_address,
    creatorIdentityKey: row.creator_identity_key,
    title: row.title,
    tags: parsed<string[]>(row.tags),
    state: row.state,
    originalSha256: row.original_sha256,
    originalFormat: row.original_format,
    originalWidth: row.original_width,
    originalHeight: row.original_height,
    originalBytes: satsFromDb(row.original_bytes, 'original bytes'),
    stored: { sha256: row.stored_sha256, ext: row.stored_ext as MediaExtension },
    phash: row.phash,
    nearDuplicateOf: row.near_duplicate_of,
    animation: row.animation === null ? null : parsed<AnimationRecord>(row.animation),
    quality: row.quality === null ? null : parsed<QualityRecord>(row.quality),
    problems: parsed<string[]>(row.problems),
    attempts: row.attempts,
    reviewReason: row.review_reason,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    approvedAt: row.approved_at && new Date(row.approved_at),
    assignedRound: row.assigned_round,
  }
}

export interface MemeChange {
  state?: MemeState
  animation?: AnimationRecord | null
  quality?: QualityRecord | null
  problems?: string[]
  attempts?: number
  reviewReason?: string | null
  approvedAt?: Date | null
}

export class MemesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private memes(db: Kysely<Database> = this.db) {
    return db
      .selectFrom('memes as m')
      .innerJoin('users as u', 'u.id', 'm.creator_user_id')
      .selectAll('m')
      .select(['u.address as creator_address', 'u.identity_key as creator_identity_key'])
  }

  async byId(id: string): Promise<Meme | undefined> {
    const row = await this.memes().where('m.id', '=', id).executeTakeFirst()
    return row && toMeme(row)
  }

  async bySha256(sha256: string): Promise<Meme | undefined> {
    const row = await this.memes().where('m.original_sha256', '=', sha256).executeTakeFirst()
    return row && toMeme(row)
  }

  async list(state: MemeState | undefined, limit: number): Promise<Meme[]> {
    let query = this.memes()
    if (state) query = query.where('m.state', '=', state)
    const rows = await query.orderBy('m.created_at', 'desc').orderBy('m.id', 'desc').limit(limit).execute()
    return rows.map(toMeme)
  }

  /** Approved memes in the order rounds take them: first approved, first shown. */
  async roundQueue(limit: number): Promise<Meme[]> {
    const rows = await this.memes()
      .where('m.state', '=', 'approved')
      .orderBy('m.approved_at')
      .orderBy('m.id')
      .limit(limit)
      .execute()
    return rows.map(toMeme)
  }

  /** Where an approved meme stands in the round queue (1 = next), counted in the database. */
  async queuePosition(meme: Meme): Promise<number | null> {
    if (meme.state !== 'approved' || meme.approvedAt === null) return null
    const approvedAt = meme.approvedAt
    const row = await this.db
      .selectFrom('memes')
      .select((eb) => eb.fn.countAll<number>().as('ahead'))
      .where('state', '=', 'approved')
      .where((eb) =>
        eb.or([
          eb('approved_at', '<', approvedAt),
          eb.and([eb('approved_at', '=', approvedAt), eb('id', '<', meme.id)]),
        ]),
      )
      .executeTakeFirstOrThrow()
    return Number(row.ahead) + 1
  }

  /** Perceptual hashes of every meme not rejected, for the near-duplicate check. */
  async perceptualHashes(): Promise<Array<{ id: string; phash: string }>> {
    return this.db.selectFrom('memes').select(['id', 'phash']).where('state', '!=', 'rejected').execute()
  }

  /** Inserts the meme (throws on a duplicate original), in `trx` when given. */
  async insert(meme: NewMeme, now: Date, trx: Kysely<Database> = this.db): Promise<void> {
    await trx
      .insertInto('memes')
      .values({
        id: meme.id,
        creator_user_id: meme.creatorUserId,
        // The creator owns a meme until it is sold.
        owner_user_id: meme.creatorUserId,
        title: meme.title,
        tags: JSON.stringify(meme.tags),
        state: 'validated',
        original_sha256: meme.originalSha256,
        original_format: meme.originalFormat,
        original_width: meme.originalWidth,
        original_height: meme.originalHeight,
        original_bytes: meme.originalBytes,
        stored_sha256: meme.stored.sha256,
        stored_ext: meme.stored.ext,
        phash: meme.phash,
        near_duplicate_of: meme.nearDuplicateOf,
        problems: JSON.stringify(meme.problems),
        created_at: now,
        updated_at: now,
      })
      .execute()
  }

  /** Applies `change` if the meme is in one of `from`; false when it was not (it moved on meanwhile). */
  async update(
    id: string,
    from: readonly MemeState[],
    change: MemeChange,
    now: Date,
    trx: Kysely<Database> = this.db,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('memes')
      .set({
        updated_at: now,
        ...(change.state !== undefined && { state: change.state }),
        ...(change.animation !== undefined && {
          animation: change.animation === null ? null : JSON.stringify(change.animation),
        }),
        ...(change.quality !== undefined && {
          quality: change.quality === null ? null : JSON.stringify(change.quality),
        }),
        ...(change.problems !== undefined && { problems: JSON.stringify(change.problems) }),
        ...(change.attempts !== undefined && { attempts: change.attempts }),
        ...(change.reviewReason !== undefined && { review_reason: change.reviewReason }),
        ...(change.approvedAt !== undefined && { approved_at: change.approvedAt }),
      })
      .where('id', '=', id)
      .where('state', 'in', [...from])
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async recordMedia(
    media: StoredMedia,
    visibility: 'public' | 'protected',
    bytes: number,
    now: Date,
  ): Promise<void> {
    await this.db
      .insertInto('media_files')
      .values({ sha256: media.sha256, ext: media.ext, visibility, bytes, created_at: now })
      // A file made public once stays public; a protected record never hides a public one.
      .onConflict((oc) =>
        oc
          .columns(['sha256', 'ext'])
          .doUpdateSet({ visibility })
          .where('media_files.visibility', '=', 'protected'),
      )
      .execute()
  }

  async mediaVisibility(media: StoredMedia): Promise<'public' | 'protected' | undefined> {
    const row = await this.db
      .selectFrom('media_files')
      .select('visibility')
      .where('sha256', '=', media.sha256)
      .where('ext', '=', media.ext)
      .executeTakeFirst()
    return row?.visibility
  }
}
