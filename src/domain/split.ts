import { assert, isSats } from './money.ts'

/**
 * How payments are divided (SPEC 2):
 *   fee     = platform fee, feeBps of the payment
 *   direct  = directPct of what remains after the fee, to the meme
 *     creator = creatorPct of direct
 *     owner   = the rest of direct
 *   pool    = the rest, to the round's reward pool
 *
 * Satoshis are whole, so a stream of payments (a meme's view revenue) is split on its running
 * total: each part's running sum must never decrease (a credit cannot be negative) and must stay
 * within one satoshi of its exact share. Flooring each part of the total separately fails the
 * first rule (two floors can step up together and leave the remainder part a satoshi short);
 * flooring the nested shares fails the second (errors compound to more than a satoshi).
 *
 * What satisfies both is the quota method of Balinski and Young ("The quota method of
 * apportionment", 1975), applied one satoshi at a time: the next satoshi goes to a part that is
 * still below the ceiling of its exact share of the new total (so no part exceeds its upper
 * quota), and among those to the one with the largest share / (held + 1) (Jefferson's priority).
 * Balinski and Young prove this never lets a part fall below the floor of its exact share
 * either, so every part is always its exact share rounded down or up. Each satoshi goes to
 * exactly one part, so the credits of a payment add up to the payment.
 */
export interface SplitParams {
  /** Platform fee in basis points of each payment (200 = 2%). */
  feeBps: number
  /** Share of the post-fee amount that goes to the meme, in percent (40..45 in SPEC). */
  directPct: number
  /** Creator's share of the direct part, in percent (10 in SPEC). */
  creatorPct: number
}

export interface SplitParts {
  fee: number
  creator: number
  owner: number
  pool: number
}

export const SPLIT_PART_NAMES = ['fee', 'creator', 'owner', 'pool'] as const
export type SplitPartName = (typeof SPLIT_PART_NAMES)[number]

export const EMPTY_SPLIT: Readonly<SplitParts> = Object.freeze({ fee: 0, creator: 0, owner: 0, pool: 0 })

/** The exact shares are these integer weights over 10^8. */
const SHARE_DENOMINATOR = 100_000_000n

export function assertSplitParams(params: SplitParams): void {
  assert(
    Number.isInteger(params.feeBps) && params.feeBps >= 0 && params.feeBps <= 10_000,
    'feeBps out of range',
  )
  assert(
    Number.isInteger(params.directPct) && params.directPct >= 0 && params.directPct <= 100,
    'directPct out of range',
  )
  assert(
    Number.isInteger(params.creatorPct) && params.creatorPct >= 0 && params.creatorPct <= 100,
    'creatorPct out of range',
  )
}

/** Each part's exact share as an integer weight; the four add up to SHARE_DENOMINATOR. */
export function shareWeights(params: SplitParams): Record<SplitPartName, bigint> {
  const afterFee = BigInt(10_000 - params.feeBps)
  const direct = BigInt(params.directPct)
  const creator = BigInt(params.creatorPct)
  return {
    fee: BigInt(params.feeBps) * 10_000n,
    creator: afterFee * direct * creator,
    owner: afterFee * direct * (100n - creator),
    pool: afterFee * (100n - direct) * 100n,
  }
}

export function splitSum(parts: SplitParts): number {
  return parts.fee + parts.creator + parts.owner + parts.pool
}

/**
 * Splits `amountSats` more on top of a stream whose parts so far are `held` (the result of
 * earlier calls from EMPTY_SPLIT with the same parameters). Returns the credits for this
 * payment. Cost is proportional to the amount; view streams add a few thousand satoshis a flush.
 */
export function splitIncrement(held: SplitParts, amountSats: number, params: SplitParams): SplitParts {
  assert(isSats(amountSats), `split amount must be whole satoshis, got ${amountSats}`)
  const weights = shareWeights(params)
  const current = SPLIT_PART_NAMES.map((name) => BigInt(held[name]))
  const w = SPLIT_PART_NAMES.map((name) => weights[name])
  let total = current.reduce((a, b) => a + b, 0n)
  const credits = [0, 0, 0, 0]
  for (let step = 0; step < amountSats; step++) {
    total += 1n
    let chosen = -1
    for (let i = 0; i < 4; i++) {
      // Eligible while held < ceil(exact share of the new total), i.e. held * D < w * total.
      if (current[i]! * SHARE_DENOMINATOR >= w[i]! * total) continue
      if (chosen === -1 || w[i]! * (current[chosen]! + 1n) > w[chosen]! * (current[i]! + 1n)) chosen = i
    }
    assert(chosen !== -1, 'some part is always below its upper quota')
    current[chosen]! += 1n
    credits[chosen]! += 1
  }
  const [fee, creator, owner, pool] = credits as [number, number, number, number]
  return { fee, creator, owner, pool }
}

/** The split of a whole total paid as one stream. */
export function splitTotal(totalSats: number, params: SplitParams): SplitParts {
  return splitIncrement(EMPTY_SPLIT, totalSats, params)
}

export function addParts(a: SplitParts, b: SplitParts): SplitParts {
  return {
    fee: a.fee + b.fee,
    creator: a.creator + b.creator,
    owner: a.owner + b.owner,
    pool: a.pool + b.pool,
  }
}
