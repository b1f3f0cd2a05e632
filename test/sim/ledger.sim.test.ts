/**
 * Seeded simulation of billing: viewers deposit, open watch sessions (holds), confirm seconds,
 * stop or vanish; every simulated second one batched flush posts what was watched. Processes
 * crash between the writes of any ledger transaction and retry the same operation with the same
 * ids, and some answers are lost after commit and retried. After every second the invariants
 * hold: accounts sum to zero, the view clearing account is short by exactly the open postings,
 * no balance is negative, and each viewer was charged exactly once for each second watched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PLATFORM_FEES_ACCOUNT, VIEW_CLEARING_ACCOUNT } from '../../src/ledger/accounts.ts'
import type { Ledger } from '../../src/ledger/ledger.ts'
import type { SplitDestination, ViewPosting } from '../../src/ledger/types.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext } from '../support/ledger.ts'
import { FaultInjector, SeededRandom, SimClock } from './harness.ts'

const VIEWERS = 12
const MEMES = 3
const SECONDS = 150
const HOLD_SECONDS = 10
const CRASH_PROBABILITY = 0.08
const LOST_ANSWER_PROBABILITY = 0.1

interface Session {
  holdId: string
  meme: number
  seq: number
  posted: number
  reserved: number
}

interface Viewer {
  account: string
  deposited: number
  /** Seconds whose charge the ledger confirmed (ok, or exists on a retry of a lost answer). */
  charged: number
  session?: Session
  sessions: number
}

let db: TestDb
beforeAll(async () => {
  db = await openTestDb()
})
afterAll(async () => {
  await db?.close()
})

async function simulate(seed: number) {
  const random = new SeededRandom(seed)
  const clock = new SimClock(Date.UTC(2026, 0, 1))
  const faults = new FaultInjector(random, CRASH_PROBABILITY)
  const ctx = await new LedgerContext(db, { now: clock.now, onFault: faults.at }).init()
  const ledger: Ledger = ctx.ledger
  const tag = `sim${seed}`
  const memes: SplitDestination[] = []
  for (let m = 0; m < MEMES; m++) memes.push(await ctx.newDestination())
  const viewers: Viewer[] = []
  for (let v = 0; v < VIEWERS; v++) {
    viewers.push({ account: await ctx.newAccount('user'), deposited: 0, charged: 0, sessions: 0 })
  }
  let lostAnswers = 0
  const feesBefore = await ctx.balance(PLATFORM_FEES_ACCOUNT)

  /** A lost answer: the work committed but the caller never heard, so it asks again. */
  const maybeLose = async <T>(work: () => Promise<T>): Promise<T> => {
    const first = await faults.withCrashes(work)
    if (!random.chance(LOST_ANSWER_PROBABILITY)) return first
    lostAnswers++
    return faults.withCrashes(work)
  }

  for (let second = 1; second <= SECONDS; second++) {
    for (const [i, viewer] of viewers.entries()) {
      if (random.chance(0.05)) {
        const amount = random.int(5, 60)
        const id = `${tag}:dep:${i}:${second}`
        const result = await maybeLose(() =>
          ledger.transfer([
            {
              id,
              debitAccountId: FUNDING_ACCOUNT,
              creditAccountId: viewer.account,
              amountSats: amount,
              code: 'deposit',
            },
          ]),
        )
        expect(['ok', 'exists']).toContain(result.status)
        viewer.deposited += amount
      }
      if (!viewer.session && random.chance(0.3)) {
        const holdId = `${tag}:hold:${i}:${viewer.sessions++}`
        const result = await maybeLose(() =>
          ledger.createHold({
            id: holdId,
            accountId: viewer.account,
            amountSats: HOLD_SECONDS,
            expiresAt: new Date(clock.now().getTime() + 30_000),
          }),
        )
        expect(['ok', 'exists', 'insufficient_funds']).toContain(result)
        if (result !== 'insufficient_funds')
          viewer.session = {
            holdId,
            meme: random.int(0, MEMES - 1),
            seq: 0,
            posted: 0,
            reserved: HOLD_SECONDS,
          }
      }
    }

    // One flush: every watching viewer confirmed this second.
    const postings: { viewer: Viewer; posting: ViewPosting }[] = []
    for (const viewer of viewers) {
      const s = viewer.session
      if (!s || s.posted >= s.reserved) continue
      postings.push({
        viewer,
        posting: {
          holdId: s.holdId,
          seq: s.seq + 1,
          amountSats: 1,
          streamId: `${tag}:meme${s.meme}`,
          split: memes[s.meme]!,
        },
      })
    }
    if (postings.length > 0) {
      const results = await maybeLose(() => ledger.postViewSeconds(postings.map((p) => p.posting)))
      for (const [k, { viewer, posting }] of postings.entries()) {
        expect(['ok', 'exists']).toContain(results[k])
        viewer.charged += posting.amountSats
        viewer.session!.seq = posting.seq
        viewer.session!.posted += posting.amountSats
      }
    }

    for (const viewer of viewers) {
      const s = viewer.session
      if (!s) continue
      if (s.posted >= s.reserved || random.chance(0.1)) {
        expect(['ok', 'exists']).toContain(await maybeLose(() => ledger.releaseHold(s.holdId, 'closed')))
        viewer.session = undefined
      } else if (random.chance(0.02)) {
        viewer.session = undefined // the viewer vanished: the hold is left for the sweeper
      }
    }
    clock.advance(1_000)
    if (second % 10 === 0) await faults.withCrashes(() => ledger.expireHolds())

    expect(await ledger.sumOfBalances()).toBe(0)
    expect((await ctx.balance(VIEW_CLEARING_ACCOUNT)) + (await ledger.openPostedSats())).toBe(0)
    for (const viewer of viewers) {
      const account = await ledger.getAccount(viewer.account)
      expect(account!.availableSats).toBeGreaterThanOrEqual(0)
      expect(account!.balanceSats).toBe(viewer.deposited - viewer.charged)
    }
  }

  clock.advance(60_000)
  await faults.withCrashes(() => ledger.expireHolds())
  const charged = viewers.reduce((s, v) => s + v.charged, 0)
  let credited = (await ctx.balance(PLATFORM_FEES_ACCOUNT)) - feesBefore
  for (const m of memes) {
    credited +=
      (await ctx.balance(m.creatorAccountId)) +
      (await ctx.balance(m.ownerAccountId)) +
      (await ctx.balance(m.poolAccountId))
  }
  return {
    charged,
    credited,
    crashes: faults.crashes,
    lostAnswers,
    openPosted: await ledger.openPostedSats(),
  }
}

describe('billing simulation with crashes and lost answers', () => {
  it.each([1, 2, 3])('seed %i keeps every invariant', async (seed) => {
    const outcome = await simulate(seed)
    // The run must have exercised what it claims to: money moved, processes crashed, answers were lost.
    expect(outcome.charged).toBeGreaterThan(100)
    expect(outcome.crashes).toBeGreaterThan(5)
    expect(outcome.lostAnswers).toBeGreaterThan(5)
    expect(outcome.credited).toBe(outcome.charged)
    expect(outcome.openPosted).toBe(0)
  })

  it('replays the same run from the same seed', async () => {
    const a = new SeededRandom(42)
    const b = new SeededRandom(42)
    const draws = Array.from({ length: 100 }, () => [a.next(), b.next()])
    expect(draws.every(([x, y]) => x === y)).toBe(true)
    expect(new SeededRandom(43).next()).not.toBe(new SeededRandom(42).next())
  })
})
