/**
 * The round engine on a real database: each block opens a round and closes the one before,
 * taking the oldest approved memes (at most MEMES_PER_ROUND) into the new round; a closed round is
 * settled after its grace period, paying the top memes and the first viewers from its pool exactly
 * as the settlement rules say and rolling the rest into the next round; two engines settling at
 * once (separate connection pools on PostgreSQL) settle once; a reorganisation corrects the
 * recorded block hash and settles nothing again. The ledger sums to zero throughout.
 */
import { createHash, randomUUID } from 'node:crypto'
import { PrivateKey } from '@bsv/sdk'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlockHeader } from '../../src/adapters/chain/source.ts'
import { type Db, openDatabase } from '../../src/adapters/db/database.ts'
import { settleRound } from '../../src/domain/settlement.ts'
import { roundPoolAccountId, userAccountId } from '../../src/ledger/accounts.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import { RoundEngine, roundParamsFrom, SETTLE_DELAY_MS } from '../../src/services/rounds/round-engine.ts'
import { RoundsRepository } from '../../src/services/rounds/rounds.repository.ts'
import { SimClock } from '../sim/harness.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext } from '../support/ledger.ts'

const MEMES_PER_ROUND = 3
const params = roundParamsFrom({
  platformFeeBps: 200,
  directSharePct: 40,
  creatorSharePct: 10,
  memesPerRound: MEMES_PER_ROUND,
})
const clock = new SimClock(Date.parse('2026-11-25T12:00:00Z'))
let db: TestDb
let ctx: LedgerContext
let engine: RoundEngine
let rounds: RoundsRepository
const pools: Db[] = []
let baseHeight = 1000

function block(height: number, branch = 'a'): BlockHeader {
  const hash = createHash('sha256').update(`${branch}:${height}`).digest('hex')
  return { height, hash, prevHash: '0'.repeat(64), merkleRoot: hash, time: 0, txCount: 1 }
}

async function newUser(): Promise<string> {
  const id = randomUUID()
  await sql`insert into users (id, identity_key, created_at)
            values (${id}, ${PrivateKey.fromRandom().toPublicKey().toString()}, ${clock.now()})`.execute(
    db.kysely,
  )
  await ctx.ledger.ensureAccounts([{ id: userAccountId(id), kind: 'user' }])
  return id
}

/** An approved meme straight in the table, as the content pipeline leaves it. */
async function approvedMeme(creator: string, owner = creator): Promise<string> {
  const id = `m_${randomUUID().slice(0, 12)}`
  const sha = createHash('sha256').update(id).digest('hex')
  clock.advance(1)
  await sql`insert into memes (id, creator_user_id, owner_user_id, title, tags, state, original_sha256, original_format,
              original_width, original_height, original_bytes, stored_sha256, stored_ext, phash, created_at, updated_at, approved_at)
            values (${id}, ${creator}, ${owner}, 'test', '[]', 'approved', ${sha}, 'png', 1920, 1080, 1, ${sha}, 'png',
              '0000000000000000', ${clock.now()}, ${clock.now()}, ${clock.now()})`.execute(db.kysely)
  return id
}

async function watch(height: number, memeId: string, seconds: number, seq: number): Promise<void> {
  await sql`insert into round_meme_stats (round_height, meme_id, paid_seconds, revenue_sats, reached_seq)
            values (${height}, ${memeId}, ${seconds}, ${seconds}, ${seq})`.execute(db.kysely)
}

async function qualify(height: number, userId: string, seq: number): Promise<void> {
  await sql`insert into round_viewers (round_height, user_id, paid_seconds, qualified_seq)
            values (${height}, ${userId}, 10, ${seq})`.execute(db.kysely)
}

/** Opens round `height` and settles every round closed before it, so a test starts clean. */
async function openClean(height: number): Promise<void> {
  await engine.onBlock(block(height))
  clock.advance(SETTLE_DELAY_MS)
  await engine.settleDue()
}

async function fundPool(height: number, sats: number): Promise<void> {
  const result = await ctx.ledger.transfer([
    {
      id: randomUUID(),
      debitAccountId: FUNDING_ACCOUNT,
      creditAccountId: roundPoolAccountId(height),
      amountSats: sats,
      code: 'view_pool',
    },
  ])
  expect(result.status).toBe('ok')
}

beforeAll(async () => {
  db = await openTestDb()
  ctx = await new LedgerContext(db).init()
  rounds = new RoundsRepository(db.kysely)
  engine = new RoundEngine({ db: db.kysely, ledger: ctx.ledger, rounds, params, now: clock.now })
})
afterAll(async () => {
  for (const pool of pools) await pool.close()
  await db?.close()
})

describe('rounds follow blocks', () => {
  it('open on each block, close the previous one, and take the oldest approved memes', async () => {
    const creator = await newUser()
    const memes = [] as string[]
    for (let i = 0; i < 5; i++) memes.push(await approvedMeme(creator))
    const h = baseHeight
    await engine.onBlock(block(h))
    expect(await rounds.memesOf(h)).toEqual(memes.slice(0, MEMES_PER_ROUND))
    await engine.onBlock(block(h + 1))
    expect(await rounds.memesOf(h + 1)).toEqual(memes.slice(MEMES_PER_ROUND))
    expect((await rounds.byHeight(h))?.state).toBe('closed')
    expect((await rounds.byHeight(h + 1))?.state).toBe('open')
    expect((await rounds.byHeight(h + 1))?.params).toEqual(params)
    const states = await db.kysely
      .selectFrom('memes')
      .select(['id', 'state', 'assigned_round'])
      .where('id', 'in', memes)
      .execute()
    expect(states.every((m) => m.state === 'assigned')).toBe(true)
    baseHeight += 10
  })
})

describe('settlement', () => {
  it('pays the top memes and the first viewers from the pool, rolls the rest over, once', async () => {
    const h = baseHeight
    const [c1, c2, owner] = [await newUser(), await newUser(), await newUser()]
    const m1 = await approvedMeme(c1, owner)
    const m2 = await approvedMeme(c2)
    await openClean(h)
    await watch(h, m1, 600, 2)
    await watch(h, m2, 900, 1)
    const viewers = [await newUser(), await newUser(), await newUser()]
    for (const [i, v] of viewers.entries()) await qualify(h, v, 10 + i)
    await fundPool(h, 1_000_000)

    await engine.onBlock(block(h + 1))
    expect(await engine.settleDue()).toBe(0) // still in its grace period
    clock.advance(SETTLE_DELAY_MS)
    expect(await engine.settleDue()).toBe(1)

    const expected = settleRound({
      poolSats: 1_000_000,
      params: { ...params, topWeights: params.topWeights },
      memes: [
        {
          memeId: m1,
          creatorAccountId: userAccountId(c1),
          ownerAccountId: userAccountId(owner),
          paidSeconds: 600,
          reachedAtSeq: 2,
        },
        {
          memeId: m2,
          creatorAccountId: userAccountId(c2),
          ownerAccountId: userAccountId(c2),
          paidSeconds: 900,
          reachedAtSeq: 1,
        },
      ],
      qualifyingViewerIds: viewers.map(userAccountId),
    })
    expect(await ctx.balance(userAccountId(c2))).toBe(475_000)
    expect(await ctx.balance(userAccountId(c1))).toBe(28_500)
    expect(await ctx.balance(userAccountId(owner))).toBe(256_500)
    for (const v of viewers) expect(await ctx.balance(userAccountId(v))).toBe(expected.fastViewerSats)
    expect(await ctx.balance(roundPoolAccountId(h))).toBe(0)
    expect(await ctx.balance(roundPoolAccountId(h + 1))).toBe(expected.rolloverSats)
    expect((await rounds.byHeight(h))?.state).toBe('settled')
    expect(await engine.settleDue()).toBe(0)
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
    baseHeight += 10
  })

  it('settles once when two engines (two processes) settle the same round at the same time', async () => {
    const h = baseHeight
    const creator = await newUser()
    const meme = await approvedMeme(creator)
    await openClean(h)
    await watch(h, meme, 100, 1)
    await fundPool(h, 10_000)
    await engine.onBlock(block(h + 1))
    clock.advance(SETTLE_DELAY_MS)
    // The pool also holds what earlier rounds rolled into it while it was open.
    const poolSats = await ctx.balance(roundPoolAccountId(h))
    const others: RoundEngine[] = []
    for (let i = 0; i < 3; i++) {
      let kysely = db.kysely
      if (db.url) {
        const pool = await openDatabase({ url: db.url, schema: db.schema, poolSize: 2 })
        pools.push(pool)
        kysely = pool.kysely
      }
      others.push(
        new RoundEngine({
          db: kysely,
          ledger: new Ledger(kysely),
          rounds: new RoundsRepository(kysely),
          params,
          now: clock.now,
        }),
      )
    }
    const settled = await Promise.all([engine, ...others].map((e) => e.settleDue()))
    expect(settled.reduce((a, b) => a + b, 0)).toBe(1)
    // Alone in the round, the meme takes first place: half of 95% of the pool, creator and owner in one.
    expect(await ctx.balance(userAccountId(creator))).toBe(
      Math.floor((Math.floor((poolSats * 95) / 100) * 50) / 100),
    )
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
    baseHeight += 10
  })

  it('rolls an unwatched round over whole, and an empty pool just closes the round', async () => {
    const h = baseHeight
    await openClean(h)
    const poolSats = await ctx.balance(roundPoolAccountId(h))
    await fundPool(h, 777)
    await engine.onBlock(block(h + 1))
    await engine.onBlock(block(h + 2))
    clock.advance(SETTLE_DELAY_MS)
    expect(await engine.settleDue()).toBe(2)
    // Nobody watched: all of it rolls into the round now open.
    expect(await ctx.balance(roundPoolAccountId(h))).toBe(0)
    expect(await ctx.balance(roundPoolAccountId(h + 2))).toBe(poolSats + 777)
    expect((await rounds.byHeight(h + 1))?.state).toBe('settled')
    baseHeight += 10
  })
})

describe('a reorganisation', () => {
  it('corrects the block hash of a round and settles nothing again', async () => {
    const h = baseHeight
    await openClean(h)
    await engine.onBlock(block(h + 1))
    clock.advance(SETTLE_DELAY_MS)
    await engine.settleDue()
    const settledAt = (await rounds.byHeight(h))?.settledAt
    await engine.onBlock(block(h, 'b'))
    const round = await rounds.byHeight(h)
    expect(round?.blockHash).toBe(block(h, 'b').hash)
    expect(round?.state).toBe('settled')
    expect(round?.settledAt).toEqual(settledAt)
  })
})

describe('a skipped height', () => {
  it('open no round for a block below the round in progress (a skipped height re-announced)', async () => {
    // Far above every other test's heights, and last: it leaves the highest round there is.
    const h = 900_000
    await openClean(h)
    await engine.onBlock(block(h + 2))
    await engine.onBlock(block(h + 1, 'b'))
    expect(await rounds.byHeight(h + 1)).toBeUndefined()
    expect((await rounds.open())?.height).toBe(h + 2)
    const open = await db.kysely.selectFrom('rounds').select('height').where('state', '=', 'open').execute()
    expect(open).toEqual([{ height: h + 2 }])
  })
})
