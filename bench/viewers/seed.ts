/**
 * What bench/viewers needs in the database before a server starts on it: viewers with live
 * sessions (tokens made here, stored as the server stores them: the SHA-256 of the token), each
 * funded through the ledger, and approved memes whose media files exist in DATA_DIR/media: the
 * next round takes them from the queue (the orchestrator mines a devnet block for it), and from
 * then on they are watchable.
 * It runs the project's own migrations first, so it works on an empty PGlite folder or an empty
 * PostgreSQL database, and it writes everything in multi-row statements (19,000 viewers take a
 * few seconds).
 */
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type Db, migrateToLatest } from '../../src/adapters/db/database.ts'
import { userAccountId } from '../../src/ledger/accounts.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import type { TransferInput } from '../../src/ledger/types.ts'
import { hashSessionToken, newSessionToken } from '../../src/services/auth/tokens.ts'

export const FUNDING_ACCOUNT = 'clearing:bench-viewers'
export const VIEWER_ID_PREFIX = 'bench-v'
const CREATOR_ID = 'bench-creator'
const ADMIN_ID = 'bench-admin'
/** Rows per statement: PostgreSQL takes at most 65,535 parameters in one. */
const CHUNK = 2_000
const TRANSFERS_PER_BATCH = 1_000

export interface SeedOptions {
  db: Db
  viewers: number
  /** Sats each viewer is given. */
  fundSats: number
  memes: number
  /** Where media files go (DATA_DIR/media). */
  mediaDir: string
}

export interface Seeded {
  tokens: string[]
  /** An admin's session, to mine a devnet block (which opens a round and assigns the memes). */
  adminToken: string
  userIds: string[]
  memeIds: string[]
}

function hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** A compressed public key's shape (the users table checks it); not a real key, never used to sign. */
function identityKey(label: string): string {
  return `02${hex(label)}`
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Writes a content-addressed file as the media store lays it out: <root>/<2 hex>/<sha256>.<ext>. */
async function storeMedia(
  root: string,
  bytes: Buffer,
  ext: string,
): Promise<{ sha256: string; ext: string }> {
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const folder = path.join(root, sha256.slice(0, 2))
  await mkdir(folder, { recursive: true })
  await writeFile(path.join(folder, `${sha256}.${ext}`), bytes)
  return { sha256, ext }
}

export async function seed(options: SeedOptions): Promise<Seeded> {
  const { db } = options
  const kysely = db.kysely
  await migrateToLatest(db)
  const ledger = new Ledger(kysely)
  await ledger.init()
  await ledger.ensureAccounts([{ id: FUNDING_ACCOUNT, kind: 'clearing', allowNegative: true }])
  const now = new Date()
  const expires = new Date(now.getTime() + 24 * 3_600_000)

  await kysely
    .insertInto('users')
    .values({ id: CREATOR_ID, identity_key: identityKey('bench creator'), role: 'viewer', created_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
  await ledger.ensureAccounts([{ id: userAccountId(CREATOR_ID), kind: 'user' }])
  const adminToken = newSessionToken()
  await kysely
    .insertInto('users')
    .values({ id: ADMIN_ID, identity_key: identityKey('bench admin'), role: 'admin', created_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
  await kysely
    .insertInto('sessions')
    .values({
      token_hash: hashSessionToken(adminToken),
      user_id: ADMIN_ID,
      created_at: now,
      expires_at: expires,
      last_seen_at: now,
    })
    .execute()

  const userIds = Array.from({ length: options.viewers }, (_, i) => `${VIEWER_ID_PREFIX}${i}`)
  const tokens = userIds.map(() => newSessionToken())
  for (const part of chunks(
    userIds.map((id, i) => ({ id, token: tokens[i]! })),
    CHUNK,
  )) {
    await kysely
      .insertInto('users')
      .values(
        part.map(({ id }) => ({
          id,
          identity_key: identityKey(`bench viewer ${id}`),
          role: 'viewer' as const,
          created_at: now,
        })),
      )
      .execute()
    await kysely
      .insertInto('sessions')
      .values(
        part.map(({ id, token }) => ({
          token_hash: hashSessionToken(token),
          user_id: id,
          created_at: now,
          expires_at: expires,
          last_seen_at: now,
        })),
      )
      .execute()
    await ledger.ensureAccounts(part.map(({ id }) => ({ id: userAccountId(id), kind: 'user' })))
  }
  for (const [batch, part] of chunks(userIds, TRANSFERS_PER_BATCH).entries()) {
    const transfers: TransferInput[] = part.map((id) => ({
      id: `bench-fund-${id}`,
      debitAccountId: FUNDING_ACCOUNT,
      creditAccountId: userAccountId(id),
      amountSats: options.fundSats,
      code: 'deposit',
    }))
    const result = await ledger.transfer(transfers)
    if (result.status !== 'ok') throw new Error(`funding batch ${batch} failed: ${result.status}`)
  }

  const memeIds: string[] = []
  for (let m = 0; m < options.memes; m++) {
    const id = `bench-meme-${m}`
    // Distinct bytes per meme and file kind; the server serves them only if asked.
    const file = (kind: string, ext: string) =>
      storeMedia(options.mediaDir, Buffer.from(`bench-viewers ${id} ${kind}`), ext)
    const stored = await file('original', 'png')
    const animation = {
      animation: await file('animation', 'webp'),
      mp4: null,
      poster: await file('poster', 'png'),
      thumbnailSmall: await file('thumbnail-small', 'webp'),
      thumbnailMedium: await file('thumbnail-medium', 'webp'),
      width: 1080,
      height: 1080,
      fps: 24,
      frameCount: 72,
      durationMs: 3000,
      engine: 'local',
      processingMs: 1000,
    }
    const media = [
      stored,
      animation.animation,
      animation.poster,
      animation.thumbnailSmall,
      animation.thumbnailMedium,
    ]
    await kysely
      .insertInto('media_files')
      .values(
        media.map((f, i) => ({
          sha256: f.sha256,
          ext: f.ext,
          visibility: i === 0 || i === 1 ? ('protected' as const) : ('public' as const),
          bytes: 64,
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['sha256', 'ext']).doNothing())
      .execute()
    await kysely
      .insertInto('memes')
      .values({
        id,
        creator_user_id: CREATOR_ID,
        owner_user_id: CREATOR_ID,
        title: `Bench meme ${m}`,
        tags: JSON.stringify(['bench']),
        state: 'approved',
        original_sha256: hex(`${id} original`),
        original_format: 'png',
        original_width: 1080,
        original_height: 1080,
        original_bytes: 64,
        stored_sha256: stored.sha256,
        stored_ext: stored.ext,
        phash: '0'.repeat(16),
        near_duplicate_of: null,
        animation: JSON.stringify(animation),
        quality: JSON.stringify({
          ok: true,
          smoothness: 1,
          fps: 24,
          frameCount: 72,
          durationMs: 3000,
          width: 1080,
          height: 1080,
          failures: [],
        }),
        problems: JSON.stringify([]),
        attempts: 1,
        created_at: now,
        updated_at: now,
        approved_at: now,
      })
      .execute()
    memeIds.push(id)
  }
  return { tokens, adminToken, userIds, memeIds }
}
