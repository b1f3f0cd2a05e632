/**
 * The login rules against a real database (PGlite, or PostgreSQL with DATABASE_URL, where every
 * writer has its own pool as separate server processes would): concurrent logins with one
 * challenge start exactly one session; concurrent first logins of one key create one user; the
 * first user of an embedded install is the only automatic admin; last_seen_at is written at most
 * once a minute; session lookups arriving together share one query; issuing challenges purges long-expired ones; logout is idempotent.
 */
import type { PrivateKey } from '@bsv/sdk'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { LoginRequest } from '../../contracts/auth.ts'
import { type Db, openDatabase } from '../../src/adapters/db/database.ts'
import type { Database } from '../../src/adapters/db/schema.ts'
import {
  AuthService,
  type AuthServiceOptions,
  CHALLENGE_RETENTION_MS,
  CHALLENGE_TTL_MS,
  type IssuedChallenge,
  type LoginOutcome,
} from '../../src/services/auth/auth.service.ts'
import { SessionsRepository } from '../../src/services/auth/sessions.repository.ts'
import { hashSessionToken, newSessionToken } from '../../src/services/auth/tokens.ts'
import { brc100Login, bsmLogin, countRows, newKey } from '../support/auth.ts'
import { openTestDb, TEST_DATABASE_URL, type TestDb } from '../support/db.ts'

const WRITERS = 4
const WEEK_MS = 7 * 24 * 3_600_000
const START_MS = Date.parse('2026-03-01T12:00:00.000Z')

let clockMs = START_MS
const now = () => new Date(clockMs)

let db: TestDb
const extraPools: Db[] = []
let writers: Kysely<Database>[] = []

function service(kysely: Kysely<Database>, overrides: Partial<AuthServiceOptions> = {}): AuthService {
  return new AuthService({
    db: kysely,
    siteName: 'Memepool',
    publicUrl: 'http://localhost:3000',
    chain: 'devnet',
    admins: [],
    sessionTtlMs: WEEK_MS,
    firstUserIsAdmin: false,
    now,
    ...overrides,
  })
}

const asResponse = (challenge: IssuedChallenge) => ({
  ...challenge,
  expiresAt: challenge.expiresAt.toISOString(),
})

async function bsmRequest(auth: AuthService, key: PrivateKey): Promise<LoginRequest> {
  return bsmLogin(asResponse(await auth.issueChallenge()), key)
}

function ok(outcome: LoginOutcome): Extract<LoginOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`login refused: ${outcome.code}`)
  return outcome
}

beforeAll(async () => {
  db = await openTestDb()
  writers = [db.kysely]
  for (let i = 1; i < WRITERS; i++) {
    if (db.url) {
      const pool = await openDatabase({ url: db.url, schema: db.schema, poolSize: 3 })
      extraPools.push(pool)
      writers.push(pool.kysely)
    } else {
      writers.push(db.kysely)
    }
  }
})
afterAll(async () => {
  for (const pool of extraPools) await pool.close()
  await db?.close()
})

describe('concurrent logins', () => {
  it('with one challenge start exactly one session; the others get CHALLENGE_USED', async () => {
    const request = await bsmRequest(service(db.kysely), newKey())
    const sessionsBefore = await countRows(db, 'sessions')
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => service(writers[i % writers.length]!).login(request)),
    )
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1)
    expect(outcomes.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.code))).toEqual(
      Array(11).fill('CHALLENGE_USED'),
    )
    expect(await countRows(db, 'sessions')).toBe(sessionsBefore + 1)
  })

  it('of one key with different challenges create one user, and a session each', async () => {
    const key = newKey()
    const requests = await Promise.all(
      Array.from({ length: 8 }, async (_, i) =>
        i % 2 === 0
          ? bsmRequest(service(db.kysely), key)
          : brc100Login(asResponse(await service(db.kysely).issueChallenge()), key),
      ),
    )
    const outcomes = await Promise.all(requests.map((r, i) => service(writers[i % writers.length]!).login(r)))
    const ids = new Set(outcomes.map((o) => ok(o).session.user.id))
    expect(ids.size).toBe(1)
    const users = await db.kysely
      .selectFrom('users')
      .select(['id', 'address'])
      .where('identity_key', '=', key.toPublicKey().toString())
      .execute()
    expect(users).toEqual([{ id: [...ids][0], address: key.toPublicKey().toAddress() }])
  })
})

describe('first user', () => {
  it.skipIf(TEST_DATABASE_URL !== undefined)(
    'is the only automatic admin of an embedded install, even when first logins race',
    async () => {
      const embedded = await openTestDb()
      const auth = service(embedded.kysely, { firstUserIsAdmin: true })
      const requests = await Promise.all(Array.from({ length: 5 }, () => bsmRequest(auth, newKey())))
      const outcomes = await Promise.all(requests.map((r) => auth.login(r)))
      const roles = outcomes.map((o) => ok(o).session.user.role)
      expect(roles.filter((role) => role === 'admin')).toHaveLength(1)
      expect(await countRows(embedded, 'users')).toBe(5)
      await embedded.close()
    },
  )

  it.skipIf(TEST_DATABASE_URL !== undefined)(
    'is the first to sign in: creators known only by an address (the demo) do not take the seat',
    async () => {
      const embedded = await openTestDb()
      await embedded.kysely
        .insertInto('users')
        .values({ id: 'demo-creator', address: newKey().toPublicKey().toAddress(), created_at: new Date() })
        .execute()
      const auth = service(embedded.kysely, { firstUserIsAdmin: true })
      const first = ok(await auth.login(await bsmRequest(auth, newKey())))
      const second = ok(await auth.login(await bsmRequest(auth, newKey())))
      expect([first.session.user.role, second.session.user.role]).toEqual(['admin', 'viewer'])
      await embedded.close()
    },
  )

  it('is a viewer like everyone when not embedded', async () => {
    const fresh = await openTestDb()
    const auth = service(fresh.kysely)
    const outcome = ok(await auth.login(await bsmRequest(auth, newKey())))
    expect(outcome.session.user.role).toBe('viewer')
    await fresh.close()
  })
})

describe('sessions', () => {
  it('write last_seen_at at most once a minute', async () => {
    const auth = service(db.kysely)
    const { token } = ok(await auth.login(await bsmRequest(auth, newKey())))
    const lastSeen = async () =>
      (
        await db.kysely
          .selectFrom('sessions')
          .select('last_seen_at')
          .where('token_hash', '=', hashSessionToken(token))
          .executeTakeFirstOrThrow()
      ).last_seen_at.getTime()
    try {
      clockMs = START_MS + 59_000
      expect(await auth.resolveSession(token)).not.toBeNull()
      expect(await lastSeen()).toBe(START_MS)
      clockMs = START_MS + 60_000
      expect(await auth.resolveSession(token)).not.toBeNull()
      expect(await lastSeen()).toBe(START_MS + 60_000)
    } finally {
      clockMs = START_MS
    }
  })

  it('looked up by a crowd at once are read together, each token answered with its own session', async () => {
    const auth = service(db.kysely)
    const logins = []
    for (let i = 0; i < 5; i++) logins.push(ok(await auth.login(await bsmRequest(auth, newKey()))))
    await auth.logout(logins[4]!.token)
    const unknown = newSessionToken()
    const reads = vi.spyOn(SessionsRepository.prototype, 'findWithUsers')
    try {
      const tokens = [...logins.map((l) => l.token), unknown, ...logins.map((l) => l.token)]
      const answers = await Promise.all(tokens.map((t) => auth.resolveSession(t)))
      const expected = [...logins.slice(0, 4).map((l) => l.session.user.id), null, null]
      expect(answers.map((a) => a?.user.id ?? null)).toEqual([...expected, ...expected.slice(0, 5)])
      // Two lookups go at once, each alone; the nine arriving meanwhile share the next query.
      expect(reads.mock.calls.map((c) => c[0].length)).toEqual([1, 1, 9])
    } finally {
      reads.mockRestore()
    }
  })

  it('end at logout, which may be repeated and ignores tokens that are not ours', async () => {
    const auth = service(db.kysely)
    const { token } = ok(await auth.login(await bsmRequest(auth, newKey())))
    await auth.logout(token)
    const revokedAt = await db.kysely
      .selectFrom('sessions')
      .select('revoked_at')
      .where('token_hash', '=', hashSessionToken(token))
      .executeTakeFirstOrThrow()
    expect(revokedAt.revoked_at?.getTime()).toBe(START_MS)
    clockMs = START_MS + 1000
    await auth.logout(token)
    clockMs = START_MS
    // The first revocation time stands.
    const again = await db.kysely
      .selectFrom('sessions')
      .select('revoked_at')
      .where('token_hash', '=', hashSessionToken(token))
      .executeTakeFirstOrThrow()
    expect(again.revoked_at?.getTime()).toBe(START_MS)
    await auth.logout(undefined)
    await auth.logout('not a token')
    expect(await auth.resolveSession(token)).toBeNull()
  })
})

describe('challenges', () => {
  it('expired more than an hour ago are purged when a new one is issued', async () => {
    const auth = service(db.kysely)
    const old = await auth.issueChallenge()
    const exists = async (id: string) =>
      (await db.kysely.selectFrom('auth_challenges').select('id').where('id', '=', id).executeTakeFirst()) !==
      undefined
    try {
      clockMs = START_MS + CHALLENGE_TTL_MS + CHALLENGE_RETENTION_MS - 1
      await auth.issueChallenge()
      expect(await exists(old.challengeId)).toBe(true)
      clockMs = START_MS + CHALLENGE_TTL_MS + CHALLENGE_RETENTION_MS + 1
      await auth.issueChallenge()
      expect(await exists(old.challengeId)).toBe(false)
    } finally {
      clockMs = START_MS
    }
  })
})
