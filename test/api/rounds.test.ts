/**
 * The read side of rounds over HTTP, on a world built with the real engine and ledger: two rounds
 * in which viewers pay for seconds through ledger holds (the split legs exactly as billing writes
 * them), one meme changing hands mid-round and one meme from the earlier round still watched, both
 * settled by the round engine. Proves that /me requires authentication; that the current round,
 * the timeline and a round's detail show the leaderboard in settlement order (ties to whoever got
 * there first), the pool and, once settled, rewards equal to the ledger's transfers; that a meme's
 * split log has one entry per flush whose parts add up to it, adds up to the meme's revenue and to
 * the ledger's running totals per stream; that earnings equal the ledger's credits, by day within
 * 90 days; that notifications are written once however often a round is recorded, and are marked
 * read only for their owner; and that bad parameters answer 400 and unknown rounds or memes 404.
 */
import { createHash, randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../contracts/auth.ts'
import type {
  NotificationView,
  RewardView,
  RoundMemeView,
  RoundView,
  SplitLogResponse,
} from '../../contracts/rounds.ts'
import type { BlockHeader } from '../../src/adapters/chain/source.ts'
import { settleRound } from '../../src/domain/settlement.ts'
import { roundsRoutes } from '../../src/http/routes/rounds.ts'
import { PLATFORM_FEES_ACCOUNT, roundPoolAccountId, userAccountId } from '../../src/ledger/accounts.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import { NotificationsRepository, NotificationsService } from '../../src/services/rounds/notifications.ts'
import { RoundEngine, roundParamsFrom, SETTLE_DELAY_MS } from '../../src/services/rounds/round-engine.ts'
import { RoundQueries, viewStreamId } from '../../src/services/rounds/round-queries.ts'
import { RoundsRepository } from '../../src/services/rounds/rounds.repository.ts'
import { SimClock } from '../sim/harness.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { me, newKey, sessionToken, signIn } from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, SPEC_SPLIT } from '../support/ledger.ts'

const MS_PER_DAY = 86_400_000
const RATE_SATS_PER_S = 50
const params = roundParamsFrom({
  platformFeeBps: 200,
  directSharePct: 40,
  creatorSharePct: 10,
  memesPerRound: 3,
})
const clock = new SimClock(Date.parse('2026-11-24T12:00:00Z'))
const H0 = 900_000
const H1 = H0 + 1
const H2 = H0 + 2

let db: TestDb
let t: TestApp
let ledger: Ledger
let engine: RoundEngine
let notifications: NotificationsService

interface Person {
  id: string
  token: string
}
/** a: creator; b: owner of m1, then c buys it mid-round; v1, v2: viewers. */
const people = {} as Record<'a' | 'b' | 'c' | 'v1' | 'v2', Person>
const memes = {} as Record<'m0' | 'm1' | 'm2' | 'm3', string>
/** Snapshots taken while the world was being built. */
let beforeFirstBlock: { round: RoundView | null; serverTime: string }
let whileOpen: { round: RoundView | null; serverTime: string }
let poolOfH1AtSettlement: number

function block(height: number): BlockHeader {
  const hash = createHash('sha256').update(`rounds-api:${height}`).digest('hex')
  return { height, hash, prevHash: '0'.repeat(64), merkleRoot: hash, time: 0, txCount: 1 }
}

function get(url: string, who?: Person) {
  return t.app.inject({ url, headers: who ? { cookie: `${SESSION_COOKIE}=${who.token}` } : {} })
}

function post(url: string, body: unknown, who?: Person) {
  return t.app.inject({
    method: 'POST',
    url,
    payload: body as object,
    headers: who ? { cookie: `${SESSION_COOKIE}=${who.token}` } : {},
  })
}

async function person(): Promise<Person> {
  const token = sessionToken(await signIn(t.app, newKey()))
  const id = (await me(t.app, { cookie: token })).json().user.id as string
  await ledger.ensureAccounts([{ id: userAccountId(id), kind: 'user' }])
  return { id, token }
}

/** An approved meme straight in the table, as the content pipeline leaves it. */
async function approvedMeme(title: string, creator: Person, owner = creator): Promise<string> {
  const id = `m_${randomUUID().replaceAll('-', '').slice(0, 20)}`
  const sha = createHash('sha256').update(id).digest('hex')
  clock.advance(1)
  await sql`insert into memes (id, creator_user_id, owner_user_id, title, tags, state, original_sha256, original_format,
              original_width, original_height, original_bytes, stored_sha256, stored_ext, phash, created_at, updated_at, approved_at)
            values (${id}, ${creator.id}, ${owner.id}, ${title}, '[]', 'approved', ${sha}, 'png', 1920, 1080, 1, ${sha}, 'png',
              '0000000000000000', ${clock.now()}, ${clock.now()}, ${clock.now()})`.execute(db.kysely)
  return id
}

/** A viewer watching a meme, paid from a hold of their own; `pay` charges it flush by flush. */
class Session {
  private seq = 0
  readonly id = `hold_${randomUUID().slice(0, 8)}`

  private constructor(
    readonly viewer: Person,
    readonly memeId: string,
    readonly creator: Person,
  ) {}

  static async start(viewer: Person, memeId: string, creator: Person): Promise<Session> {
    const session = new Session(viewer, memeId, creator)
    const hold = await ledger.createHold({
      id: session.id,
      accountId: userAccountId(viewer.id),
      amountSats: 100_000,
      expiresAt: new Date(clock.now().getTime() + MS_PER_DAY),
    })
    expect(hold).toBe('ok')
    return session
  }

  /** One flush, as billing writes it: `seconds` paid into the stream of (poolRound, meme, owner). */
  async pay(poolRound: number, owner: Person, seconds: number): Promise<void> {
    clock.advance(2_000)
    const [result] = await ledger.postViewSeconds([
      {
        holdId: this.id,
        seq: ++this.seq,
        amountSats: seconds * RATE_SATS_PER_S,
        streamId: viewStreamId(poolRound, this.memeId, owner.id),
        split: {
          params: SPEC_SPLIT,
          feeAccountId: PLATFORM_FEES_ACCOUNT,
          creatorAccountId: userAccountId(this.creator.id),
          ownerAccountId: userAccountId(owner.id),
          poolAccountId: roundPoolAccountId(poolRound),
        },
      },
    ])
    expect(result).toBe('ok')
  }

  async end(): Promise<void> {
    expect(await ledger.releaseHold(this.id)).toBe('ok')
  }
}

async function stats(height: number, memeId: string, seconds: number, reachedSeq: number): Promise<void> {
  await db.kysely
    .insertInto('round_meme_stats')
    .values({
      round_height: height,
      meme_id: memeId,
      paid_seconds: seconds,
      revenue_sats: seconds * RATE_SATS_PER_S,
      reached_seq: reachedSeq,
    })
    .execute()
}

/** Who paid for which meme in the round it competes in, as billing records it. */
async function memeViewer(height: number, memeId: string, who: Person): Promise<void> {
  await db.kysely
    .insertInto('round_meme_viewers')
    .values({ round_height: height, meme_id: memeId, user_id: who.id })
    .execute()
}

async function viewer(height: number, who: Person, seconds: number, qualifiedSeq: number): Promise<void> {
  await db.kysely
    .insertInto('round_viewers')
    .values({ round_height: height, user_id: who.id, paid_seconds: seconds, qualified_seq: qualifiedSeq })
    .execute()
}

/** Closes the open round with the next block and settles it after its grace period. */
async function nextBlockAndSettle(height: number): Promise<void> {
  await engine.onBlock(block(height))
  clock.advance(SETTLE_DELAY_MS)
  expect(await engine.settleDue()).toBe(1)
}

async function fund(who: Person, sats: number): Promise<void> {
  const result = await ledger.transfer([
    {
      id: `fund:${who.id}`,
      debitAccountId: FUNDING_ACCOUNT,
      creditAccountId: userAccountId(who.id),
      amountSats: sats,
      code: 'deposit',
    },
  ])
  expect(result.status).toBe('ok')
}

async function balance(accountId: string): Promise<number> {
  return (await ledger.getAccount(accountId))?.balanceSats ?? 0
}

interface TransferRow {
  id: string
  credit_account_id: string
  amount_sats: number
  code: string
  ref: string | null
  created_at: Date
}

async function transfers(where: { debit?: string; credit?: string; ref?: string }): Promise<TransferRow[]> {
  let query = db.kysely
    .selectFrom('transfers')
    .select(['id', 'credit_account_id', 'amount_sats', 'code', 'ref', 'created_at'])
  if (where.debit) query = query.where('debit_account_id', '=', where.debit)
  if (where.credit) query = query.where('credit_account_id', '=', where.credit)
  if (where.ref) query = query.where('ref', '=', where.ref)
  return query.orderBy('seq').execute()
}

beforeAll(async () => {
  db = await openTestDb()
  ledger = new Ledger(db.kysely, { now: clock.now })
  await ledger.init()
  await ledger.ensureAccounts([{ id: FUNDING_ACCOUNT, kind: 'clearing', allowNegative: true }])
  const queries = new RoundQueries(db.kysely, { now: clock.now })
  notifications = new NotificationsService({
    notifications: new NotificationsRepository(db.kysely),
    rounds: queries,
    now: clock.now,
  })
  engine = new RoundEngine({
    db: db.kysely,
    ledger,
    rounds: new RoundsRepository(db.kysely),
    params,
    now: clock.now,
  })
  t = await buildTestApp({ db, deps: { apiRoutes: [roundsRoutes({ queries, notifications })] } })
  for (const name of ['a', 'b', 'c', 'v1', 'v2'] as const) people[name] = await person()
  const { a, b, c, v1, v2 } = people
  await fund(v1, 1_000_000)
  await fund(v2, 1_000_000)
  beforeFirstBlock = (await get('/api/v1/rounds/current')).json()

  // Round H0, day 1: m0 alone, watched by v1 (its one fast viewer) for 40 s in two flushes; the
  // places no meme took roll into H1's pool.
  memes.m0 = await approvedMeme('First meme', a)
  await engine.onBlock(block(H0))
  const s0 = await Session.start(v1, memes.m0, a)
  await s0.pay(H0, a, 20)
  await s0.pay(H0, a, 20)
  await stats(H0, memes.m0, 40, 1)
  await memeViewer(H0, memes.m0, v1)
  await viewer(H0, v1, 40, 1)

  // Round H1, day 2: m1 (owned by b, sold to c mid-round), m2 and m3 (a tie on seconds that m3
  // reached first), and m0 from H0 still watched, paying into H1's pool.
  clock.advance(MS_PER_DAY)
  memes.m1 = await approvedMeme('Top meme', a, b)
  memes.m2 = await approvedMeme('Tied second, reached later', b)
  memes.m3 = await approvedMeme('Tied second, reached first', a)
  await nextBlockAndSettle(H1)
  await s0.end()
  const s1 = await Session.start(v1, memes.m1, a)
  await s1.pay(H1, b, 20)
  await s1.pay(H1, b, 20)
  await db.kysely.updateTable('memes').set({ owner_user_id: c.id }).where('id', '=', memes.m1).execute()
  await s1.pay(H1, c, 20)
  const s3 = await Session.start(v2, memes.m3, a)
  await s3.pay(H1, a, 30)
  const s2 = await Session.start(v2, memes.m2, b)
  await s2.pay(H1, b, 15)
  await s2.pay(H1, b, 15)
  const s0again = await Session.start(v1, memes.m0, a)
  await s0again.pay(H1, a, 5)
  await stats(H1, memes.m1, 60, 30)
  await stats(H1, memes.m3, 30, 20)
  await stats(H1, memes.m2, 30, 40)
  await stats(H1, memes.m0, 5, 50)
  await memeViewer(H1, memes.m1, v1)
  await memeViewer(H1, memes.m3, v2)
  await memeViewer(H1, memes.m2, v2)
  await viewer(H1, v1, 65, 5)
  await viewer(H1, v2, 60, 7)
  clock.advance(1_000)
  whileOpen = (await get('/api/v1/rounds/current')).json()

  for (const s of [s1, s2, s3, s0again]) await s.end()
  poolOfH1AtSettlement = await balance(roundPoolAccountId(H1))
  clock.advance(10 * 60_000)
  await nextBlockAndSettle(H2)
})

afterAll(async () => {
  await t?.close()
})

describe('authentication', () => {
  it.each([
    ['GET', '/api/v1/me/earnings'],
    ['GET', '/api/v1/me/notifications'],
    ['POST', '/api/v1/me/notifications/read'],
  ] as const)('%s %s requires authentication', async (method, url) => {
    const res = method === 'GET' ? await get(url) : await post(url, { upToId: 1 })
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('UNAUTHORIZED')
  })
})

describe('the current round', () => {
  it('is null before the first block', () => {
    expect(beforeFirstBlock.round).toBeNull()
    expect(Date.parse(beforeFirstBlock.serverTime)).toBeGreaterThan(0)
  })

  it('shows the open round with its pool and a leaderboard ranked like settlement', () => {
    const round = whileOpen.round!
    expect(round).toMatchObject({
      height: H1,
      blockHash: block(H1).hash,
      state: 'open',
      closedAt: null,
      paidSeconds: 125,
      viewers: 2,
      settlement: null,
      params,
    })
    // Pool legs of every H1 stream so far, plus what H0 rolled over; checked against the ledger
    // after settlement (nothing was paid into it after this snapshot).
    expect(round.poolSats).toBe(poolOfH1AtSettlement)
    expect(round.memes.map((m) => [m.memeId, m.rank, m.paidSeconds, m.revenueSats, m.viewers])).toEqual([
      [memes.m1, 1, 60, 3_000, 1],
      [memes.m3, 2, 30, 1_500, 1],
      [memes.m2, 3, 30, 1_500, 1],
    ])
    const top = round.memes[0]!
    expect(top.slot).toBe(0)
    expect(top.creator.id).toBe(people.a.id)
    expect(top.owner.id).toBe(people.c.id)
    expect(top.title).toBe('Top meme')
    expect(top.posterUrl).toMatch(/^\/api\/v1\/media\/[0-9a-f]{64}\.png$/)
    expect(top.thumbnailUrl).toBe(top.posterUrl)
  })

  it('labels people by a shortened address or identity key', async () => {
    const user = await db.kysely
      .selectFrom('users')
      .select(['address', 'identity_key'])
      .where('id', '=', people.a.id)
      .executeTakeFirstOrThrow()
    const key = (user.address ?? user.identity_key)!
    expect(whileOpen.round!.memes[0]!.creator.label).toBe(`${key.slice(0, 6)}…${key.slice(-4)}`)
  })
})

describe('a settled round', () => {
  let round: RoundView

  beforeAll(async () => {
    const res = await get(`/api/v1/rounds/${H1}`)
    expect(res.statusCode).toBe(200)
    round = res.json()
  })

  it('keeps its leaderboard and reports the pool it settled', () => {
    expect(round.state).toBe('settled')
    expect(round.closedAt).not.toBeNull()
    expect(round.memes.map((m: RoundMemeView) => m.memeId)).toEqual([memes.m1, memes.m3, memes.m2])
    expect(round.settlement).toMatchObject({
      poolSats: poolOfH1AtSettlement,
      rolledInto: roundPoolAccountId(H2),
    })
    expect(round.poolSats).toBe(poolOfH1AtSettlement)
  })

  it('lists the rewards the settlement rules give, equal to the ledger transfers', async () => {
    const expected = settleRound({
      poolSats: poolOfH1AtSettlement,
      params,
      memes: [
        [memes.m1, people.a, people.c, 60, 30],
        [memes.m3, people.a, people.a, 30, 20],
        [memes.m2, people.b, people.b, 30, 40],
      ].map(([memeId, creator, owner, paidSeconds, reachedAtSeq]) => ({
        memeId: memeId as string,
        creatorAccountId: userAccountId((creator as Person).id),
        ownerAccountId: userAccountId((owner as Person).id),
        paidSeconds: paidSeconds as number,
        reachedAtSeq: reachedAtSeq as number,
      })),
      qualifyingViewerIds: [userAccountId(people.v1.id), userAccountId(people.v2.id)],
    })
    const settlement = round.settlement!
    expect(settlement.rolloverSats).toBe(expected.rolloverSats)
    let line = 0
    const want = expected.credits.map((credit) => ({
      reason: credit.reason === 'fast_viewer' ? 'fast_viewer' : 'top',
      memeId: credit.memeId ?? null,
      role: credit.role ?? null,
      person: { id: credit.accountId.slice('user:'.length) },
      amountSats: credit.amountSats,
      place: credit.reason === 'fast_viewer' ? ++line : Number(credit.reason.slice(3)),
    }))
    expect(settlement.rewards).toMatchObject(want)
    expect(settlement.rewards).toHaveLength(8)

    const ledgerRewards = (await transfers({ debit: roundPoolAccountId(H1) })).filter((r) =>
      r.code.startsWith('reward_'),
    )
    expect(ledgerRewards.map((r) => [r.credit_account_id, r.amount_sats])).toEqual(
      settlement.rewards.map((r: RewardView) => [userAccountId(r.person.id), r.amountSats]),
    )
    const paid = settlement.rewards.reduce((sum: number, r: RewardView) => sum + r.amountSats, 0)
    expect(paid + settlement.rolloverSats).toBe(settlement.poolSats)
    expect(await balance(roundPoolAccountId(H1))).toBe(0)
  })

  it('answers 404 for a round that does not exist', async () => {
    const res = await get(`/api/v1/rounds/${H0 - 1}`)
    expect(res.statusCode).toBe(404)
    expect(res.json().error.code).toBe('NOT_FOUND')
  })
})

describe('the timeline', () => {
  it('lists rounds newest first with their winners, paged by height', async () => {
    const res = await get('/api/v1/rounds')
    expect(res.statusCode).toBe(200)
    const { rounds } = res.json()
    expect(rounds.map((r: { height: number; state: string }) => [r.height, r.state])).toEqual([
      [H2, 'open'],
      [H1, 'settled'],
      [H0, 'settled'],
    ])
    const [r2, r1, r0] = rounds
    expect(r2).toMatchObject({ memeCount: 0, winner: null, closedAt: null })
    expect(r2.poolSats).toBe(await balance(roundPoolAccountId(H2)))
    expect(r1).toMatchObject({
      memeCount: 3,
      poolSats: poolOfH1AtSettlement,
      winner: { memeId: memes.m1, title: 'Top meme', paidSeconds: 60 },
    })
    expect(r0).toMatchObject({ memeCount: 1, winner: { memeId: memes.m0, paidSeconds: 40 } })

    const older = (await get(`/api/v1/rounds?before=${H1}`)).json().rounds
    expect(older.map((r: { height: number }) => r.height)).toEqual([H0])
    const newest = (await get('/api/v1/rounds?limit=1')).json().rounds
    expect(newest.map((r: { height: number }) => r.height)).toEqual([H2])
  })
})

describe('the split log', () => {
  async function splitLog(height: number, memeId: string): Promise<SplitLogResponse> {
    const res = await get(`/api/v1/rounds/${height}/memes/${memeId}/splits`)
    expect(res.statusCode).toBe(200)
    return res.json()
  }

  /** Each entry's parts add up to it, and each stream's entries to the stream's running total. */
  async function expectConsistent(log: SplitLogResponse): Promise<void> {
    const byStream = new Map<string, number[]>()
    for (const entry of log.entries) {
      expect(entry.feeSats + entry.creatorSats + entry.ownerSats + entry.poolSats).toBe(entry.totalSats)
      expect(entry.poolRound).toBe(log.height)
      const stream = viewStreamId(log.height, log.memeId, entry.owner.id)
      for (const id of entry.transferIds) expect(id.startsWith(`${stream}@`)).toBe(true)
      const sums = byStream.get(stream) ?? [0, 0, 0, 0]
      byStream.set(stream, [
        sums[0]! + entry.feeSats,
        sums[1]! + entry.creatorSats,
        sums[2]! + entry.ownerSats,
        sums[3]! + entry.poolSats,
      ])
    }
    for (const [stream, sums] of byStream) {
      const row = await db.kysely
        .selectFrom('split_streams')
        .select(['fee_sats', 'creator_sats', 'owner_sats', 'pool_sats'])
        .where('id', '=', stream)
        .executeTakeFirstOrThrow()
      expect(sums).toEqual([row.fee_sats, row.creator_sats, row.owner_sats, row.pool_sats])
    }
    const totals = log.entries.reduce(
      (sum, e) => ({
        totalSats: sum.totalSats + e.totalSats,
        feeSats: sum.feeSats + e.feeSats,
        creatorSats: sum.creatorSats + e.creatorSats,
        ownerSats: sum.ownerSats + e.ownerSats,
        poolSats: sum.poolSats + e.poolSats,
      }),
      { totalSats: 0, feeSats: 0, creatorSats: 0, ownerSats: 0, poolSats: 0 },
    )
    expect(log.totals).toEqual(totals)
  }

  it('has one entry per flush, across a change of owner, adding up to the meme revenue', async () => {
    const log = await splitLog(H1, memes.m1)
    expect(log.entries.map((e) => [e.owner.id, e.totalSats])).toEqual([
      [people.b.id, 1_000],
      [people.b.id, 1_000],
      [people.c.id, 1_000],
    ])
    expect(log.totals.totalSats).toBe(3_000)
    for (const entry of log.entries) expect(entry.transferIds.length).toBeGreaterThanOrEqual(3)
    await expectConsistent(log)
    // Times are the flushes', oldest first.
    const times = log.entries.map((e) => Date.parse(e.at))
    expect(times).toEqual([...times].sort((x, y) => x - y))
    expect(new Set(times).size).toBe(3)
    // Its top-place rewards, as the ledger recorded them.
    const ledgerRewards = (await transfers({ ref: memes.m1 })).filter((r) => r.code === 'reward_top')
    expect(log.rewards.map((r) => [r.role, r.person.id, r.amountSats, r.place])).toEqual([
      ['creator', people.a.id, ledgerRewards[0]!.amount_sats, 1],
      ['owner', people.c.id, ledgerRewards[1]!.amount_sats, 1],
    ])
  })

  it('lists what a meme took in each round by the round whose pool it fed', async () => {
    const own = await splitLog(H0, memes.m0)
    expect(own.entries.map((e) => e.totalSats)).toEqual([1_000, 1_000])
    expect(own.rewards.map((r) => [r.reason, r.role, r.place])).toEqual([
      ['top', 'creator', 1],
      ['top', 'owner', 1],
    ])
    await expectConsistent(own)
    const later = await splitLog(H1, memes.m0)
    expect(later.entries.map((e) => e.totalSats)).toEqual([250])
    expect(later.rewards).toEqual([])
    await expectConsistent(later)
    const tied = await splitLog(H1, memes.m2)
    expect(tied.totals.totalSats).toBe(1_500)
    expect(tied.rewards.map((r) => r.place)).toEqual([3, 3])
    await expectConsistent(tied)
    expect((await splitLog(H2, memes.m1)).entries).toEqual([])
  })

  it('answers 404 for an unknown meme or round', async () => {
    for (const url of [
      `/api/v1/rounds/${H1}/memes/m_nothing/splits`,
      `/api/v1/rounds/${H0 - 5}/memes/${memes.m1}/splits`,
    ]) {
      const res = await get(url)
      expect(res.statusCode, url).toBe(404)
      expect(res.json().error.code).toBe('NOT_FOUND')
    }
  })
})

describe('earnings', () => {
  /** The user's credits by code, all time and by UTC day, straight from the transfers table. */
  async function ledgerCredits(who: Person) {
    const rows = await transfers({ credit: userAccountId(who.id) })
    const sum = (code: string) =>
      rows.filter((r) => r.code === code).reduce((total, r) => total + r.amount_sats, 0)
    const days = new Map<string, { creatorSats: number; ownerSats: number; rewardSats: number }>()
    for (const r of rows) {
      const field = { 'split.creator': 'creatorSats', 'split.owner': 'ownerSats', reward_top: 'rewardSats' }[
        r.code
      ] as 'creatorSats' | 'ownerSats' | 'rewardSats' | undefined
      if (!field) continue
      const day = new Date(r.created_at).toISOString().slice(0, 10)
      const entry = days.get(day) ?? { creatorSats: 0, ownerSats: 0, rewardSats: 0 }
      entry[field] += r.amount_sats
      days.set(day, entry)
    }
    return {
      totals: {
        creatorSats: sum('split.creator'),
        ownerSats: sum('split.owner'),
        rewardSats: sum('reward_top'),
        fastViewerSats: sum('reward_fast_viewer'),
      },
      days: [...days].sort(([x], [y]) => (x < y ? -1 : 1)).map(([day, e]) => ({ day, ...e })),
    }
  }

  it('equal the ledger credits, in total, by day and by meme', async () => {
    const res = await get('/api/v1/me/earnings', people.a)
    expect(res.statusCode).toBe(200)
    const earnings = res.json()
    const expected = await ledgerCredits(people.a)
    expect(earnings.totals).toEqual(expected.totals)
    expect(earnings.days).toEqual(expected.days)
    expect(earnings.days.map((d: { day: string }) => d.day)).toEqual(['2026-11-24', '2026-11-25'])
    // a spent nothing: everything credited is the balance.
    const t = earnings.totals
    expect(t.creatorSats + t.ownerSats + t.rewardSats).toBe(await balance(userAccountId(people.a.id)))

    const byMeme = new Map(earnings.memes.map((m: { memeId: string }) => [m.memeId, m]))
    expect(new Set(byMeme.keys())).toEqual(new Set([memes.m0, memes.m1, memes.m3]))
    expect(byMeme.get(memes.m1)).toMatchObject({ isCreator: true, isOwner: false, ownerSats: 0 })
    expect(byMeme.get(memes.m0)).toMatchObject({ isCreator: true, isOwner: true, title: 'First meme' })
    const perMeme = (field: 'creatorSats' | 'ownerSats' | 'rewardSats') =>
      earnings.memes.reduce((sum: number, m: Record<string, number>) => sum + m[field]!, 0)
    expect([perMeme('creatorSats'), perMeme('ownerSats'), perMeme('rewardSats')]).toEqual([
      t.creatorSats,
      t.ownerSats,
      t.rewardSats,
    ])
    const totalsOf = earnings.memes.map(
      (m: Record<string, number>) => m.creatorSats! + m.ownerSats! + m.rewardSats!,
    )
    expect(totalsOf).toEqual([...totalsOf].sort((x: number, y: number) => y - x))
  })

  it('count the owner who sold a meme and the fast viewers', async () => {
    const b = (await get('/api/v1/me/earnings', people.b)).json()
    expect(b.totals).toEqual((await ledgerCredits(people.b)).totals)
    const m1 = b.memes.find((m: { memeId: string }) => m.memeId === memes.m1)
    expect(m1).toMatchObject({ isCreator: false, isOwner: false, creatorSats: 0, rewardSats: 0 })
    expect(m1.ownerSats).toBeGreaterThan(0)

    const v1 = (await get('/api/v1/me/earnings', people.v1)).json()
    expect(v1.totals.fastViewerSats).toBeGreaterThan(0)
    expect(v1).toEqual({ ...(await ledgerCredits(people.v1)), memes: [] })
    expect(v1.days).toEqual([])
  })

  it('keep the series to 90 days', async () => {
    const all = (await get('/api/v1/me/earnings', people.a)).json()
    const start = clock.now().getTime()
    clock.advance(89 * MS_PER_DAY - (start % MS_PER_DAY)) // midnight, 89 days after day 2
    const later = (await get('/api/v1/me/earnings', people.a)).json()
    expect(later.totals).toEqual(all.totals)
    expect(later.days).toEqual(all.days.slice(1))
  })
})

describe('notifications', () => {
  let written: Awaited<ReturnType<NotificationsService['recordRoundSettled']>>

  beforeAll(async () => {
    written = await notifications.recordRoundSettled(H1)
  })

  it('are written once per reward and per person and meme, however often a round is recorded', async () => {
    // 6 top-place credits, 2 fast viewers, and creator/owner earnings of m1 (a, b, c), m2 (b),
    // m3 (a) and m0 (a) in H1's streams.
    expect(written.map((w) => w.notification.kind).sort()).toEqual(
      [
        ...Array(6).fill('reward_won'),
        ...Array(2).fill('fast_viewer_reward'),
        ...Array(6).fill('meme_earned'),
      ].sort(),
    )
    expect(await notifications.recordRoundSettled(H1)).toEqual([])
    expect(await notifications.recordRoundSettled(H2)).toEqual([]) // open: nothing final yet
    const count = await db.kysely
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(14)
  })

  it('carry the figures of the ledger', async () => {
    const rewards = await transfers({ debit: roundPoolAccountId(H1) })
    const fast = written.find((w) => w.userId === people.v2.id)!.notification
    expect(fast).toMatchObject({
      kind: 'fast_viewer_reward',
      data: {
        height: H1,
        place: 2,
        amountSats: rewards.find((r) => r.code === 'reward_fast_viewer')!.amount_sats,
      },
      read: false,
    })
    const won = written.find((w) => w.userId === people.c.id && w.notification.kind === 'reward_won')!
    const ownerReward = rewards.find((r) => r.id === `round:${H1}:top1:${memes.m1}:owner`)!
    expect(won.notification.data).toEqual({
      height: H1,
      memeId: memes.m1,
      title: 'Top meme',
      amountSats: ownerReward.amount_sats,
      place: 1,
      role: 'owner',
    })
    // b's owner share of m1 before the sale, from the stream with b as owner.
    const earned = written.find((w) => w.userId === people.b.id && w.notification.data.memeId === memes.m1)!
    const stream = await db.kysely
      .selectFrom('split_streams')
      .select('owner_sats')
      .where('id', '=', viewStreamId(H1, memes.m1, people.b.id))
      .executeTakeFirstOrThrow()
    expect(earned.notification).toMatchObject({
      kind: 'meme_earned',
      data: { height: H1, memeId: memes.m1, title: 'Top meme', amountSats: stream.owner_sats },
    })
  })

  it('are listed newest first and marked read up to an id, for their owner only', async () => {
    const list = (await get('/api/v1/me/notifications', people.a)).json()
    const ids = list.notifications.map((n: NotificationView) => n.id)
    expect(ids).toHaveLength(6)
    expect(ids).toEqual([...ids].sort((x: number, y: number) => y - x))
    expect(list.unread).toBe(6)
    const mine = new Set(written.filter((w) => w.userId === people.a.id).map((w) => w.notification.id))
    expect(new Set(ids)).toEqual(mine)

    const upToId = ids[3]!
    const marked = await post('/api/v1/me/notifications/read', { upToId }, people.a)
    expect(marked.statusCode).toBe(204)
    const after = (await get('/api/v1/me/notifications', people.a)).json()
    expect(after.unread).toBe(3)
    expect(after.notifications.map((n: NotificationView) => n.read)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
    ])

    // Another user's "read everything" leaves a's alone.
    const maxId = Math.max(...written.map((w) => w.notification.id))
    expect((await post('/api/v1/me/notifications/read', { upToId: maxId }, people.b)).statusCode).toBe(204)
    expect((await get('/api/v1/me/notifications', people.b)).json().unread).toBe(0)
    expect((await get('/api/v1/me/notifications', people.a)).json().unread).toBe(3)
  })
})

describe('bad parameters', () => {
  it.each([
    '/api/v1/rounds/abc',
    '/api/v1/rounds/-1',
    '/api/v1/rounds/2147483648',
    '/api/v1/rounds?limit=0',
    '/api/v1/rounds?limit=101',
    '/api/v1/rounds?before=x',
    `/api/v1/rounds/1/memes/${'m'.repeat(65)}/splits`,
  ])('GET %s answers 400', async (url) => {
    const res = await get(url)
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('VALIDATION_FAILED')
  })

  it.each([[{ upToId: 0 }], [{ upToId: '5' }], [{ upToId: 5, all: true }], [{}]])(
    'POST /me/notifications/read with %j answers 400',
    async (body) => {
      const res = await post('/api/v1/me/notifications/read', body, people.a)
      expect(res.statusCode).toBe(400)
      expect(res.json().error.code).toBe('VALIDATION_FAILED')
    },
  )
})

describe('the OpenAPI document', () => {
  it('lists every route with its tag and response schema', async () => {
    const document = (await get('/api/v1/openapi.json')).json()
    const routes: Array<[string, string, string]> = [
      ['/api/v1/rounds/current', 'get', '200'],
      ['/api/v1/rounds', 'get', '200'],
      ['/api/v1/rounds/{height}', 'get', '200'],
      ['/api/v1/rounds/{height}/memes/{memeId}/splits', 'get', '200'],
      ['/api/v1/me/earnings', 'get', '200'],
      ['/api/v1/me/notifications', 'get', '200'],
      ['/api/v1/me/notifications/read', 'post', '204'],
    ]
    for (const [path, method, status] of routes) {
      const operation = document.paths[path]?.[method]
      expect(operation, `${method} ${path}`).toBeDefined()
      expect(operation.tags).toEqual(['rounds'])
      expect(operation.responses).toHaveProperty(status)
      expect(operation.responses).toHaveProperty('4XX')
    }
  })
})
