/**
 * Ledger throughput: view-seconds posted per second, batched (one transaction per flush with
 * multi-row statements) against the naive way (one transaction per viewer-second), on PGlite
 * and on PostgreSQL, in the same run. Fixed workload: VIEWERS viewers each watching one of
 * MEMES memes, every flush posts one second per viewer.
 *
 *   npm run bench:ledger                       PGlite, and PostgreSQL at the default URL if it answers
 *   npm run bench:ledger -- --pg <url>         another PostgreSQL
 *   npm run bench:ledger -- --json out.json    also write the figures as JSON
 */
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { type Db, migrateToLatest, openDatabase } from '../src/adapters/db/database.ts'
import { PLATFORM_FEES_ACCOUNT } from '../src/ledger/accounts.ts'
import { Ledger } from '../src/ledger/ledger.ts'
import type { SplitDestination, ViewPosting } from '../src/ledger/types.ts'

const VIEWERS = 10_000
const MEMES = 20
/** Flushes run before measuring, so that JIT compilation and the first page writes are not counted. */
const WARMUP_FLUSHES = 3
const BATCHED_FLUSHES = 20
const NAIVE_WARMUP_POSTINGS = 100
const NAIVE_POSTINGS = 1_500
const HOLD_SATS = 1_000
const SPLIT = { feeBps: 200, directPct: 40, creatorPct: 10 }

const { values: args } = parseArgs({
  options: {
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    json: { type: 'string' },
    'skip-pg': { type: 'boolean', default: false },
  },
})

interface Figures {
  database: string
  writers: number
  batchedViewSecondsPerSecond: number
  naiveViewSecondsPerSecond: number
  ratio: number
  batchSize: number
  flushMsMedian: number
}

async function setUp(db: Db, tag: string) {
  const ledger = new Ledger(db.kysely)
  await ledger.init()
  await ledger.ensureAccounts([{ id: 'clearing:bench', kind: 'clearing', allowNegative: true }])
  const destinations: SplitDestination[] = []
  for (let m = 0; m < MEMES; m++) {
    const ids = [`user:${tag}c${m}`, `user:${tag}o${m}`, `pool:${tag}${m}`]
    await ledger.ensureAccounts(ids.map((id) => ({ id, kind: id.split(':')[0]! })))
    destinations.push({
      params: SPLIT,
      feeAccountId: PLATFORM_FEES_ACCOUNT,
      creatorAccountId: ids[0]!,
      ownerAccountId: ids[1]!,
      poolAccountId: ids[2]!,
    })
  }
  const viewers = Array.from({ length: VIEWERS }, (_, i) => `user:${tag}v${i}`)
  await ledger.ensureAccounts(viewers.map((id) => ({ id, kind: 'user' })))
  // Funding and holds are set up in bulk: they are not what is measured.
  const expires = new Date(Date.now() + 3_600_000)
  await db.kysely
    .updateTable('accounts')
    .set({ balance_sats: 10 * HOLD_SATS, held_sats: HOLD_SATS })
    .where('id', 'like', `user:${tag}v%`)
    .execute()
  await db.kysely
    .updateTable('accounts')
    .set((eb) => ({ balance_sats: eb('balance_sats', '-', VIEWERS * 10 * HOLD_SATS) }))
    .where('id', '=', 'clearing:bench')
    .execute()
  for (const kind of ['batched', 'naive']) {
    for (let i = 0; i < VIEWERS; i += 2_000) {
      await db.kysely
        .insertInto('holds')
        .values(
          viewers.slice(i, i + 2_000).map((v) => ({
            id: `h:${kind}:${v}`,
            account_id: v,
            amount_sats: HOLD_SATS / 2,
            expires_at: expires,
          })),
        )
        .execute()
    }
  }
  return { ledger, viewers, destinations }
}

function postingsFor(
  viewers: string[],
  destinations: SplitDestination[],
  second: number,
  tag: string,
): ViewPosting[] {
  return viewers.map((v, i) => {
    const meme = i % MEMES
    return {
      holdId: `h:${tag}:${v}`,
      seq: second + 1,
      amountSats: 1,
      streamId: `${tag}:meme${meme}`,
      split: destinations[meme]!,
    }
  })
}

/**
 * The writers are ledgers on their own connection pools, as separate API nodes would be; each
 * flushes its share of the viewers at the same time, one transaction per flush.
 */
async function measure(db: Db, label: string, extraWriters: Ledger[] = []): Promise<Figures> {
  const { ledger, viewers, destinations } = await setUp(db, 'b')
  const writers = [ledger, ...extraWriters]
  const share = Math.ceil(viewers.length / writers.length)
  // The postings are the billing accumulator's output, built before the clock starts: what is
  // measured is the ledger writing them.
  const flushes = Array.from({ length: WARMUP_FLUSHES + BATCHED_FLUSHES }, (_, second) => {
    const all = postingsFor(viewers, destinations, second, 'batched')
    return writers.map((_, i) => all.slice(i * share, (i + 1) * share))
  })
  const flushMs: number[] = []
  let started = performance.now()
  for (const [second, parts] of flushes.entries()) {
    if (second === WARMUP_FLUSHES) {
      started = performance.now()
      flushMs.length = 0
    }
    const t0 = performance.now()
    const results = await Promise.all(writers.map((w, i) => w.postViewSeconds(parts[i]!)))
    flushMs.push(performance.now() - t0)
    const refused = results.flat().find((r) => r !== 'ok')
    if (refused) throw new Error(`batched posting refused: ${refused}`)
  }
  const batchedSeconds = (performance.now() - started) / 1000
  const batched = (VIEWERS * BATCHED_FLUSHES) / batchedSeconds

  const naiveViewers = viewers.slice(0, NAIVE_WARMUP_POSTINGS + NAIVE_POSTINGS)
  let naiveStart = performance.now()
  for (const [i, posting] of postingsFor(naiveViewers, destinations, 0, 'naive').entries()) {
    if (i === NAIVE_WARMUP_POSTINGS) naiveStart = performance.now()
    const [result] = await ledger.postViewSeconds([posting])
    if (result !== 'ok') throw new Error(`naive posting refused: ${result}`)
  }
  const naive = NAIVE_POSTINGS / ((performance.now() - naiveStart) / 1000)

  const sum = await ledger.sumOfBalances()
  if (sum !== 0) throw new Error(`conservation broken after the benchmark: sum of balances ${sum}`)
  flushMs.sort((a, b) => a - b)
  return {
    database: label,
    writers: writers.length,
    batchedViewSecondsPerSecond: Math.round(batched),
    naiveViewSecondsPerSecond: Math.round(naive),
    ratio: Math.round((batched / naive) * 10) / 10,
    batchSize: VIEWERS,
    flushMsMedian: Math.round(flushMs[Math.floor(flushMs.length / 2)]!),
  }
}

async function postgresDatabase(
  url: string,
  tag: string,
): Promise<{ db: Db; schema: string; drop: () => Promise<void> } | undefined> {
  const schema = `bench_${process.pid}_${tag}`
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  try {
    await admin.connect()
  } catch (error) {
    console.log(
      `PostgreSQL at ${new URL(url).host} did not answer (${(error as Error).message}); skipping it.`,
    )
    return undefined
  }
  await admin.query(`drop schema if exists ${schema} cascade; create schema ${schema}`)
  await admin.end()
  const db = await openDatabase({ url, schema, poolSize: 4 })
  await migrateToLatest(db)
  return {
    db,
    schema,
    drop: async () => {
      await db.close()
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      await c.query(`drop schema ${schema} cascade`)
      await c.end()
    },
  }
}

async function main() {
  const figures: Figures[] = []
  const lite = await openDatabase({})
  await migrateToLatest(lite)
  figures.push(await measure(lite, 'PGlite (in memory)'))
  await lite.close()

  if (!args['skip-pg']) {
    const postgres = await postgresDatabase(args.pg!, 'one')
    if (postgres) {
      figures.push(await measure(postgres.db, 'PostgreSQL'))
      await postgres.drop()
      // Two API nodes flushing into the same ledger at once (ARCHITECTURE "Scale-out").
      const shared = (await postgresDatabase(args.pg!, 'two'))!
      const second = await openDatabase({ url: args.pg!, schema: shared.schema, poolSize: 4 })
      figures.push(await measure(shared.db, 'PostgreSQL, 2 nodes', [new Ledger(second.kysely)]))
      await second.close()
      await shared.drop()
    }
  }

  console.log(`\nLedger throughput, ${VIEWERS} viewers on ${MEMES} memes, 1 s per viewer per flush`)
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`)
  console.table(
    figures.map((f) => ({
      database: f.database,
      writers: f.writers,
      'batched view-s/s': f.batchedViewSecondsPerSecond,
      'naive view-s/s (baseline)': f.naiveViewSecondsPerSecond,
      'ratio batched/naive': f.ratio,
      'median flush ms': f.flushMsMedian,
    })),
  )
  if (args.json)
    writeFileSync(args.json, `${JSON.stringify({ figures, at: new Date().toISOString() }, null, 2)}\n`)
}

await main()
