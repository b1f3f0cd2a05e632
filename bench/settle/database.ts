/**
 * The database half of bench/settle: RoundEngine.settle on a real database (SPEC 2 "Round end":
 * the whole settlement under 1 s). Each measured round has MEMES memes and VIEWERS viewers who
 * paid SECONDS_PER_VIEWER seconds each; the engine reads the pool, the competitors and the first
 * qualified viewers, computes the settlement and writes the reward transfers, the rollover and
 * the round's move to 'settled' in one ledger transaction.
 *
 * Set-up (not timed): a fresh database (PGlite in a temporary folder, or a scratch schema on
 * PostgreSQL, dropped afterwards), its migrations, the ledger's accounts, creator and viewer
 * users with their accounts. Then rounds follow each other as blocks arrive: round R is opened
 * by RoundEngine.onBlock, which takes MEMES approved memes into it; its engagement is seeded
 * (per-meme paid seconds with ties, reached_seq and qualified_seq drawn from engagement_seq, one
 * round_viewers row per viewer); its pool is topped up to POOL_SATS; block R+1 closes it and
 * opens the next round. Only the settlement of the closed round is timed, then checked against
 * an independent computation from the seeded data, and the ledger must still sum to zero.
 *
 * Rounds alternate between the engine and the baseline, so that both see tables of the same size.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { bigintArray, textArray } from '../../src/adapters/db/arrays.ts'
import { type Db, migrateToLatest, openDatabase } from '../../src/adapters/db/database.ts'
import { settleRound } from '../../src/domain/settlement.ts'
import { splitTotal } from '../../src/domain/split.ts'
import { roundPoolAccountId, userAccountId } from '../../src/ledger/accounts.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import {
  RoundEngine,
  roundParamsFrom,
  SETTLE_DELAY_MS,
  settlementTransfers,
} from '../../src/services/rounds/round-engine.ts'
import { type Round, RoundsRepository } from '../../src/services/rounds/rounds.repository.ts'

export const DB_MEMES = 1_000
export const DB_VIEWERS = 10_000
export const DB_SECONDS_PER_VIEWER = 600
const CREATORS = 1_000
const TOTAL_SECONDS = DB_VIEWERS * DB_SECONDS_PER_VIEWER
const SPLIT = { feeBps: 200, directPct: 40, creatorPct: 10 }
/** Rounds settled before measuring (one per method): JIT, plan caches, first page writes. */
export const DB_WARMUP_ROUNDS = 1
export const DB_RUNS = 5
const BASE_HEIGHT = 900_000
const FUNDING_ACCOUNT = 'clearing:bench-funding'
const ROUND_SECONDS = 600
const SEED = 0x5e771e

export interface DbTiming {
  medianMs: number
  maxMs: number
  runsMs: number[]
}

export interface DbFigures {
  database: string
  memes: number
  viewers: number
  secondsPerViewer: number
  poolSats: number
  runs: number
  /** RoundEngine.settle, wall time. */
  settle: DbTiming
  /** The naive settlement (see BASELINE_DESCRIPTION), wall time. */
  baseline: DbTiming
  /** Untimed: the set-up of the database and of every round, for information. */
  setUpSeconds: number
}

export const BASELINE_DESCRIPTION =
  'one ledger transaction per credit (106 rewards + rollover, the last one also marking the round ' +
  'settled, so a crash midway leaves a half-paid round) and the fast viewers found by loading all ' +
  'round_viewers rows of the round and sorting them in JS; same reads otherwise, same transfers'

interface BenchDatabase {
  db: Db
  label: string
  cleanUp: () => Promise<void>
}

/** PGlite in a fresh temporary folder, or a scratch schema on PostgreSQL (as bench/ledger does). */
async function openBenchDatabase(pgUrl: string | undefined): Promise<BenchDatabase> {
  if (!pgUrl) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memepool-bench-settle-'))
    const remove = () => rmSync(dir, { recursive: true, force: true })
    try {
      const db = await openDatabase({ pgliteDir: path.join(dir, 'pglite') })
      await migrateToLatest(db)
      return {
        db,
        label: 'PGlite (files in a temp dir)',
        cleanUp: async () => {
          await db.close()
          remove()
        },
      }
    } catch (error) {
      remove()
      throw error
    }
  }
  const schema = `bench_settle_${process.pid}`
  const admin = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3_000 })
  try {
    await admin.connect()
  } catch (error) {
    throw new Error(`PostgreSQL at ${new URL(pgUrl).host} did not answer: ${(error as Error).message}`)
  }
  await admin.query(`drop schema if exists ${schema} cascade; create schema ${schema}`)
  await admin.end()
  const drop = async () => {
    const c = new pg.Client({ connectionString: pgUrl })
    await c.connect()
    await c.query(`drop schema if exists ${schema} cascade`)
    await c.end()
  }
  const db = await openDatabase({ url: pgUrl, schema, poolSize: 4 })
  try {
    await migrateToLatest(db)
  } catch (error) {
    await db.close()
    await drop()
    throw error
  }
  const version = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db.kysely)
  return {
    db,
    label: `PostgreSQL ${version.rows[0]?.v ?? ''} (${new URL(pgUrl).host})`,
    cleanUp: async () => {
      await db.close()
      await drop()
    },
  }
}

/** mulberry32, as in bench/settle.ts: every run seeds the same rounds. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/**
 * Paid seconds by rank, adding up to TOTAL_SECONDS: a Zipf-like spread in whole 10 s steps, so
 * that the tail is full of ties, with places 2 and 3 tied on purpose (reached_seq decides).
 */
function secondsByRank(): number[] {
  const weights = Array.from({ length: DB_MEMES }, (_, r) => 1 / (r + 1))
  const sumW = weights.reduce((a, b) => a + b, 0)
  const secs = weights.map((w) => 10 * Math.floor((TOTAL_SECONDS * w) / sumW / 10))
  const tied = 10 * Math.floor((secs[1]! + secs[2]!) / 20)
  secs[1] = tied
  secs[2] = tied
  let left = TOTAL_SECONDS - secs.reduce((a, b) => a + b, 0)
  for (let r = DB_MEMES - 1; left > 0; r = r === 3 ? DB_MEMES - 1 : r - 1) {
    secs[r]! += 10
    left -= 10
  }
  if (secs[3]! >= tied) throw new Error('the seeded ranking lost its tie at places 2 and 3')
  return secs
}

const SECONDS_BY_RANK = secondsByRank()
/**
 * What the round's pool receives at 1 sat per paid second: the pool part of each meme's view
 * stream as the split rule computes it (2% fee, 40% direct: about 58.8%), summed over the memes.
 */
export const DB_POOL_SATS = SECONDS_BY_RANK.reduce((sum, s) => sum + splitTotal(s, SPLIT).pool, 0)

interface MemeSeed {
  id: string
  creator: string
  owner: string
  seconds: number
  reachedSeq: number
}

/** What the settlement of a round must produce, computed the plain way from the seeded rows. */
interface Expected {
  poolSats: number
  places: { memeId: string; creator: string; owner: string; creatorSats: number; ownerSats: number }[]
  fastViewers: string[]
  fastViewerSats: number
  rolloverSats: number
}

class Bench {
  readonly ledger: Ledger
  readonly rounds: RoundsRepository
  readonly engine: RoundEngine
  readonly params = roundParamsFrom({
    platformFeeBps: SPLIT.feeBps,
    directSharePct: SPLIT.directPct,
    creatorSharePct: SPLIT.creatorPct,
    memesPerRound: DB_MEMES,
  })
  private clockMs = Date.now() - 24 * 3_600_000
  private readonly next = random(SEED)
  private readonly creators = Array.from({ length: CREATORS }, (_, i) => `bench-c${i}`)
  private readonly viewers = Array.from({ length: DB_VIEWERS }, (_, i) => `bench-v${i}`)
  private readonly memes = new Map<string, { creator: string; owner: string }>()

  constructor(private readonly db: Db) {
    this.ledger = new Ledger(db.kysely, { now: this.now })
    this.rounds = new RoundsRepository(db.kysely)
    this.engine = new RoundEngine({
      db: db.kysely,
      ledger: this.ledger,
      rounds: this.rounds,
      params: this.params,
      now: this.now,
    })
  }

  readonly now = (): Date => new Date(this.clockMs)

  private block(height: number) {
    const hash = createHash('sha256').update(`bench-settle:${height}`).digest('hex')
    return { height, hash, prevHash: '0'.repeat(64), merkleRoot: hash, time: 0, txCount: 1 }
  }

  /** Accounts, users, and the first round open with its memes. */
  async setUp(): Promise<void> {
    const k = this.db.kysely
    await this.ledger.init()
    await this.ledger.ensureAccounts([{ id: FUNDING_ACCOUNT, kind: 'clearing', allowNegative: true }])
    const users = [...this.creators, ...this.viewers]
    await sql`
      insert into users (id, identity_key, role, created_at)
      select d.id, '02' || encode(sha256(convert_to(d.id, 'UTF8')), 'hex'), 'viewer', ${this.now()}
      from unnest(${textArray(users)}::text[]) as d(id)`.execute(k)
    await sql`
      insert into accounts (id, kind) select 'user:' || d.id, 'user'
      from unnest(${textArray(users)}::text[]) as d(id)`.execute(k)
    await this.queueMemes(BASE_HEIGHT)
    await this.engine.onBlock(this.block(BASE_HEIGHT))
  }

  /** DB_MEMES approved memes, first in the round queue, for the round opened at `height`. */
  private async queueMemes(height: number): Promise<void> {
    const ids: string[] = []
    const creators: string[] = []
    const owners: string[] = []
    const shas: string[] = []
    for (let i = 0; i < DB_MEMES; i++) {
      const id = `m_bench_${height}_${i}`
      const creator = this.creators[(i * 7 + height) % CREATORS]!
      // A quarter of the memes were sold: their owner is not their creator.
      const owner = i % 4 === 0 ? this.creators[(i * 7 + height + 1) % CREATORS]! : creator
      this.memes.set(id, { creator, owner })
      ids.push(id)
      creators.push(creator)
      owners.push(owner)
      shas.push(createHash('sha256').update(id).digest('hex'))
    }
    await sql`
      insert into memes (id, creator_user_id, owner_user_id, title, tags, state, original_sha256,
        original_format, original_width, original_height, original_bytes, stored_sha256, stored_ext,
        phash, created_at, updated_at, approved_at)
      select d.id, d.creator, d.owner, 'bench', '[]'::jsonb, 'approved', d.sha, 'png', 1920, 1080,
        250000, d.sha, 'webp', '0000000000000000', ${this.now()}, ${this.now()},
        ${this.now()}::timestamptz + d.ord * interval '1 millisecond'
      from unnest(${textArray(ids)}::text[], ${textArray(creators)}::text[], ${textArray(owners)}::text[],
                  ${textArray(shas)}::text[]) with ordinality as d(id, creator, owner, sha, ord)`.execute(
      this.db.kysely,
    )
  }

  /**
   * Seeds the engagement of the open round `height`, funds its pool, then closes it with block
   * height+1 (which opens the next round with its own memes). Returns the closed round and what
   * its settlement must pay.
   */
  async prepareRound(height: number): Promise<{ round: Round; expected: Expected }> {
    const k = this.db.kysely
    const memeIds = await this.rounds.memesOf(height)
    if (memeIds.length !== DB_MEMES) throw new Error(`round ${height} has ${memeIds.length} memes`)
    // One block of the engagement sequence: viewers qualify early in a round, memes reach their
    // totals late, and every value is distinct.
    const seqRows = await sql<{ seq: number }>`
      select nextval('engagement_seq') as seq from generate_series(1, ${DB_VIEWERS + DB_MEMES})`.execute(k)
    const seqs = seqRows.rows.map((r) => Number(r.seq)).sort((a, b) => a - b)
    const viewerSeqs = shuffled(seqs.slice(0, DB_VIEWERS), this.next)
    const memeSeqs = shuffled(seqs.slice(DB_VIEWERS), this.next)
    const byRank = shuffled(memeIds, this.next)
    const seeds: MemeSeed[] = byRank.map((id, r) => ({
      id,
      ...this.memes.get(id)!,
      seconds: SECONDS_BY_RANK[r]!,
      reachedSeq: memeSeqs[r]!,
    }))
    await sql`
      insert into round_meme_stats (round_height, meme_id, paid_seconds, revenue_sats, reached_seq)
      select ${height}, d.meme_id, d.secs, d.secs, d.seq
      from unnest(${textArray(seeds.map((s) => s.id))}::text[],
                  ${bigintArray(seeds.map((s) => s.seconds))}::bigint[],
                  ${bigintArray(seeds.map((s) => s.reachedSeq))}::bigint[]) as d(meme_id, secs, seq)`.execute(
      k,
    )
    await sql`
      insert into round_viewers (round_height, user_id, paid_seconds, qualified_seq)
      select ${height}, d.user_id, ${DB_SECONDS_PER_VIEWER}, d.seq
      from unnest(${textArray(this.viewers)}::text[], ${bigintArray(viewerSeqs)}::bigint[]) as d(user_id, seq)`.execute(
      k,
    )

    // The pool holds the previous round's rollover already: top it up to DB_POOL_SATS.
    const pool = roundPoolAccountId(height)
    const before = (await this.ledger.getAccount(pool))?.balanceSats ?? 0
    if (before < DB_POOL_SATS) {
      const funded = await this.ledger.transfer([
        {
          id: `bench:fund:${height}`,
          debitAccountId: FUNDING_ACCOUNT,
          creditAccountId: pool,
          amountSats: DB_POOL_SATS - before,
          code: 'bench_funding',
        },
      ])
      if (funded.status !== 'ok') throw new Error(`funding pool ${height}: ${funded.status}`)
    }

    await this.queueMemes(height + 1)
    this.clockMs += ROUND_SECONDS * 1_000
    await this.engine.onBlock(this.block(height + 1))
    // Past its grace period, as the engine's own timer would find it.
    this.clockMs += SETTLE_DELAY_MS + 1_000
    const round = await this.rounds.byHeight(height)
    if (round?.state !== 'closed') throw new Error(`round ${height} is ${round?.state}, not closed`)
    if ((await this.rounds.open())?.height !== height + 1) throw new Error(`round ${height + 1} is not open`)
    // Statistics as autovacuum would keep them on a live database (cheap, untimed).
    await sql`analyze round_meme_stats, round_viewers, round_memes, memes`.execute(k)
    return { round, expected: this.expected(seeds, viewerSeqs) }
  }

  private expected(seeds: MemeSeed[], viewerSeqs: number[]): Expected {
    const p = this.params
    const poolSats = DB_POOL_SATS
    const ranked = [...seeds].sort(
      (a, b) =>
        b.seconds - a.seconds || a.reachedSeq - b.reachedSeq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    const topPart = Math.floor((poolSats * p.topSharePct) / 100)
    const places = p.topWeights.map((w, i) => {
      const meme = ranked[i]!
      const reward = Math.floor((topPart * w) / 100)
      const creatorSats = Math.floor((reward * p.creatorPct) / 100)
      return {
        memeId: meme.id,
        creator: meme.creator,
        owner: meme.owner,
        creatorSats,
        ownerSats: reward - creatorSats,
      }
    })
    const order = this.viewers.map((v, i) => ({ v, seq: viewerSeqs[i]! })).sort((a, b) => a.seq - b.seq)
    const fastViewers = order.slice(0, p.fastViewers).map((x) => x.v)
    const fastViewerSats = Math.floor(Math.floor((poolSats * p.viewerSharePct) / 100) / fastViewers.length)
    const paid =
      places.reduce((sum, x) => sum + x.creatorSats + x.ownerSats, 0) + fastViewerSats * fastViewers.length
    return { poolSats, places, fastViewers, fastViewerSats, rolloverSats: poolSats - paid }
  }

  /** Throws unless the round was settled exactly as `expected` says. */
  async verify(round: Round, expected: Expected): Promise<void> {
    const h = round.height
    const fail = (what: string) => {
      throw new Error(`round ${h} settled wrongly: ${what}`)
    }
    const state = (await this.rounds.byHeight(h))?.state
    if (state !== 'settled') fail(`state ${state}`)
    const pool = roundPoolAccountId(h)
    const rows = await this.db.kysely
      .selectFrom('transfers')
      .select(['credit_account_id', 'amount_sats', 'code', 'ref'])
      .where('debit_account_id', '=', pool)
      .execute()
    const total = rows.reduce((sum, r) => sum + r.amount_sats, 0)
    if (total !== expected.poolSats) fail(`paid out ${total} of a pool of ${expected.poolSats}`)
    const left = (await this.ledger.getAccount(pool))?.balanceSats
    if (left !== 0) fail(`pool left with ${left}`)

    const top = rows.filter((r) => r.code === 'reward_top')
    if (top.length !== 2 * expected.places.length) fail(`${top.length} top credits`)
    for (const place of expected.places) {
      const got = top
        .filter((r) => r.ref === place.memeId)
        .map((r) => `${r.credit_account_id}=${r.amount_sats}`)
        .sort()
      const want = [
        `${userAccountId(place.creator)}=${place.creatorSats}`,
        `${userAccountId(place.owner)}=${place.ownerSats}`,
      ].sort()
      if (got.join() !== want.join()) fail(`meme ${place.memeId} got [${got}], want [${want}]`)
    }

    const fast = rows.filter((r) => r.code === 'reward_fast_viewer')
    const want = new Set(expected.fastViewers.map(userAccountId))
    if (fast.length !== want.size) fail(`${fast.length} fast viewers paid, want ${want.size}`)
    for (const r of fast) {
      if (!want.has(r.credit_account_id)) fail(`${r.credit_account_id} paid but not among the first`)
      if (r.amount_sats !== expected.fastViewerSats)
        fail(`fast viewer got ${r.amount_sats}, want ${expected.fastViewerSats}`)
    }

    const rollover = rows.filter((r) => r.code === 'pool_rollover')
    const rolled = rollover.reduce((sum, r) => sum + r.amount_sats, 0)
    if (rolled !== expected.rolloverSats) fail(`rollover ${rolled}, want ${expected.rolloverSats}`)
    if (rollover.some((r) => r.credit_account_id !== roundPoolAccountId(h + 1))) fail('rollover elsewhere')
    if (top.length + fast.length + rollover.length !== rows.length) fail('unexpected transfers from the pool')

    const sum = await this.ledger.sumOfBalances()
    if (sum !== 0) fail(`conservation broken: sum of balances ${sum}`)
  }

  /**
   * The naive settlement: the same reads and the same transfers as RoundEngine.settle, but every
   * qualified viewer is loaded and sorted in JS, and every transfer is its own transaction.
   */
  async settleNaive(round: Round): Promise<void> {
    const h = round.height
    const pool = roundPoolAccountId(h)
    const next = await this.rounds.open()
    const nextPool = roundPoolAccountId(next && next.height > h ? next.height : h + 1)
    await this.ledger.ensureAccounts([
      { id: pool, kind: 'pool' },
      { id: nextPool, kind: 'pool' },
    ])
    const poolSats = (await this.ledger.getAccount(pool))?.balanceSats ?? 0
    const competitors = await this.rounds.competitors(h)
    const viewers = await this.db.kysely
      .selectFrom('round_viewers')
      .select(['user_id', 'qualified_seq'])
      .where('round_height', '=', h)
      .execute()
    const qualifying = viewers
      .filter((v) => v.qualified_seq !== null)
      .sort((a, b) => Number(a.qualified_seq) - Number(b.qualified_seq))
      .map((v) => userAccountId(v.user_id))
    const settlement = settleRound({
      poolSats,
      params: {
        topWeights: round.params.topWeights,
        topSharePct: round.params.topSharePct,
        viewerSharePct: round.params.viewerSharePct,
        fastViewers: round.params.fastViewers,
        creatorPct: round.params.creatorPct,
      },
      memes: competitors.map((c) => ({
        memeId: c.memeId,
        creatorAccountId: userAccountId(c.creatorUserId),
        ownerAccountId: userAccountId(c.ownerUserId),
        paidSeconds: c.paidSeconds,
        reachedAtSeq: c.reachedSeq,
      })),
      qualifyingViewerIds: qualifying,
    })
    const transfers = settlementTransfers(h, pool, nextPool, settlement)
    await this.ledger.ensureAccounts(
      transfers.map((t) => ({ id: t.creditAccountId, kind: t.creditAccountId.split(':')[0]! })),
    )
    for (const [i, t] of transfers.entries()) {
      const last = i === transfers.length - 1
      const result = await this.ledger.transfer(
        [t],
        last
          ? async (trx) => {
              if (!(await this.rounds.markSettled(trx, h, { poolSats }, this.now())))
                throw new Error(`round ${h} was not closed`)
            }
          : undefined,
      )
      if (result.status !== 'ok') throw new Error(`naive settlement of ${h}: ${result.status}`)
    }
  }
}

function timing(ms: number[]): DbTiming {
  const sorted = [...ms].sort((a, b) => a - b)
  const round1 = (x: number) => Math.round(x * 10) / 10
  return {
    medianMs: round1(sorted[Math.floor(sorted.length / 2)]!),
    maxMs: round1(sorted[sorted.length - 1]!),
    runsMs: ms.map(round1),
  }
}

/** Runs the database benchmark on PGlite (no URL) or on the PostgreSQL at `pgUrl`. */
export async function measureDatabaseSettlement(pgUrl: string | undefined): Promise<DbFigures> {
  const started = performance.now()
  const { db, label, cleanUp } = await openBenchDatabase(pgUrl)
  try {
    const bench = new Bench(db)
    await bench.setUp()
    const settleMs: number[] = []
    const baselineMs: number[] = []
    let timedMs = 0
    let height = BASE_HEIGHT
    for (let run = 0; run < DB_WARMUP_ROUNDS + DB_RUNS; run++) {
      for (const method of ['engine', 'baseline'] as const) {
        const { round, expected } = await bench.prepareRound(height++)
        const t0 = performance.now()
        if (method === 'engine') {
          if (!(await bench.engine.settle(round))) throw new Error(`round ${round.height} was not settled`)
        } else {
          await bench.settleNaive(round)
        }
        const ms = performance.now() - t0
        timedMs += ms
        await bench.verify(round, expected)
        if (run >= DB_WARMUP_ROUNDS) (method === 'engine' ? settleMs : baselineMs).push(ms)
      }
    }
    return {
      database: label,
      memes: DB_MEMES,
      viewers: DB_VIEWERS,
      secondsPerViewer: DB_SECONDS_PER_VIEWER,
      poolSats: DB_POOL_SATS,
      runs: DB_RUNS,
      settle: timing(settleMs),
      baseline: timing(baselineMs),
      setUpSeconds: Math.round((performance.now() - started - timedMs) / 100) / 10,
    }
  } finally {
    await cleanUp()
  }
}
