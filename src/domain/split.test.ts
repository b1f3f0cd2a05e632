/**
 * Proves the split rule of SPEC 2 by properties: for any parameters within bounds and any
 * sequence of payments, every credit is a whole non-negative number of satoshis, the parts of
 * each credit add up to the payment, and at every point each recipient holds its exact share of
 * the running total rounded down or up (so within one satoshi of it).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  addParts,
  EMPTY_SPLIT,
  SPLIT_PART_NAMES,
  type SplitParams,
  type SplitParts,
  shareWeights,
  splitIncrement,
  splitSum,
  splitTotal,
} from './split.ts'

const params = fc.record({
  feeBps: fc.integer({ min: 0, max: 1000 }),
  directPct: fc.integer({ min: 40, max: 45 }),
  creatorPct: fc.integer({ min: 0, max: 100 }),
})
const SPEC_DEFAULT: SplitParams = { feeBps: 200, directPct: 40, creatorPct: 10 }

/** True when every part is floor or ceil of its exact share of the total. */
function withinQuota(parts: SplitParts, p: SplitParams): boolean {
  const weights = shareWeights(p)
  const total = BigInt(splitSum(parts))
  return SPLIT_PART_NAMES.every((name) => {
    const scaled = BigInt(parts[name]) * 100_000_000n
    const exact = weights[name] * total
    return scaled - exact < 100_000_000n && exact - scaled < 100_000_000n
  })
}

describe('splitTotal', () => {
  it('splits 1,000 sats by SPEC defaults into 20 fee, 39 creator, 353 owner, 588 pool', () => {
    // Exact shares: 20, 39.2, 352.8, 588.
    expect(splitTotal(1000, SPEC_DEFAULT)).toEqual({ fee: 20, creator: 39, owner: 353, pool: 588 })
  })

  it('adds up to the total and stays within quota for any total and parameters', () => {
    fc.assert(
      fc.property(params, fc.integer({ min: 0, max: 20_000 }), (p, total) => {
        const s = splitTotal(total, p)
        expect(splitSum(s)).toBe(total)
        expect(withinQuota(s, p)).toBe(true)
      }),
    )
  })

  it('refuses a fractional or negative amount', () => {
    expect(() => splitTotal(1.5, SPEC_DEFAULT)).toThrow(/whole satoshis/)
    expect(() => splitTotal(-1, SPEC_DEFAULT)).toThrow(/whole satoshis/)
  })
})

describe('splitIncrement over a sequence of payments', () => {
  it('gives non-negative credits that add up to each payment, within quota after every payment', () => {
    fc.assert(
      fc.property(params, fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 100 }), (p, payments) => {
        let held: SplitParts = EMPTY_SPLIT
        for (const amount of payments) {
          const credit = splitIncrement(held, amount, p)
          expect(splitSum(credit)).toBe(amount)
          for (const name of SPLIT_PART_NAMES) expect(credit[name]).toBeGreaterThanOrEqual(0)
          held = addParts(held, credit)
          expect(withinQuota(held, p)).toBe(true)
        }
      }),
    )
  })

  it('does not depend on how a total is cut into payments', () => {
    fc.assert(
      fc.property(
        params,
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 40 }),
        (p, payments) => {
          let held: SplitParts = EMPTY_SPLIT
          for (const amount of payments) held = addParts(held, splitIncrement(held, amount, p))
          const total = payments.reduce((a, b) => a + b, 0)
          expect(held).toEqual(splitTotal(total, p))
        },
      ),
    )
  })

  it('pays the platform exactly 2% of a stream of 1-sat payments, which per-payment rounding never could', () => {
    let held: SplitParts = EMPTY_SPLIT
    for (let i = 0; i < 10_000; i++) held = addParts(held, splitIncrement(held, 1, SPEC_DEFAULT))
    expect(held).toEqual({ fee: 200, creator: 392, owner: 3528, pool: 5880 })
  })
})
