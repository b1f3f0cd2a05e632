import { assert, isSats } from './money.ts'

/**
 * How one payment is divided (SPEC 2):
 *   fee     = platform fee, feeBps of the payment
 *   direct  = directPct of what remains after the fee, to the meme
 *     creator = creatorPct of direct
 *     owner   = the rest of direct
 *   pool    = the rest, to the round's reward pool
 *
 * Splits are computed on cumulative totals: the credit for a payment is the difference between
 * the split of the new running total and the split of the old one. Every part of `splitTotal`
 * is a non-decreasing function of the total (each step of one satoshi moves at most one
 * satoshi between floors), so every credit is a non-negative integer, the parts of every credit
 * add up to the payment, and after any sequence of payments each recipient holds the exact
 * rounded share of the total, which is within one satoshi of its real-valued share.
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

export function assertSplitParams(params: SplitParams): void {
  assert(Number.isInteger(params.feeBps) && params.feeBps >= 0 && params.feeBps <= 10_000, 'feeBps out of range')
  assert(Number.isInteger(params.directPct) && params.directPct >= 0 && params.directPct <= 100, 'directPct out of range')
  assert(Number.isInteger(params.creatorPct) && params.creatorPct >= 0 && params.creatorPct <= 100, 'creatorPct out of range')
}

/** The rounded split of a running total. Integer arithmetic only; totals stay far below 2^53 / 10^4. */
export function splitTotal(totalSats: number, params: SplitParams): SplitParts {
  assert(isSats(totalSats), `split total must be whole satoshis, got ${totalSats}`)
  const fee = Math.floor((totalSats * params.feeBps) / 10_000)
  const afterFee = totalSats - fee
  const direct = Math.floor((afterFee * params.directPct) / 100)
  const creator = Math.floor((direct * params.creatorPct) / 100)
  return { fee, creator, owner: direct - creator, pool: afterFee - direct }
}

/** The credits for moving a stream's running total from `fromSats` to `toSats`. */
export function splitIncrement(fromSats: number, toSats: number, params: SplitParams): SplitParts {
  assert(toSats >= fromSats, 'a running total never decreases')
  const before = splitTotal(fromSats, params)
  const after = splitTotal(toSats, params)
  const parts: SplitParts = {
    fee: after.fee - before.fee,
    creator: after.creator - before.creator,
    owner: after.owner - before.owner,
    pool: after.pool - before.pool,
  }
  assert(
    parts.fee >= 0 && parts.creator >= 0 && parts.owner >= 0 && parts.pool >= 0,
    'split credits are never negative',
  )
  assert(parts.fee + parts.creator + parts.owner + parts.pool === toSats - fromSats, 'split parts add up')
  return parts
}
