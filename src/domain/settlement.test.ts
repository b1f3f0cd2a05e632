/**
 * Proves the round-end rule of SPEC 2 on worked examples and by properties over random rounds:
 * the credits and the rollover add up to the pool exactly, every credit is a positive whole
 * number of satoshis, what had no recipient rolls over (and little else does), a meme with more
 * paid seconds never earns less than one with fewer, every fast viewer gets the same amount, and
 * the result depends on the memes and their totals, never on the order they were listed in.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_SUPPLY_SATS } from './money.ts'
import {
  type CompetingMeme,
  compareRank,
  DEFAULT_REWARD_PARAMS,
  type RewardParams,
  type RoundSettlement,
  type RoundSettlementInput,
  rankMemes,
  settleRound,
} from './settlement.ts'

function meme(memeId: string, paidSeconds: number, reachedAtSeq = 0, creator = `c-${memeId}`): CompetingMeme {
  return { memeId, paidSeconds, reachedAtSeq, creatorAccountId: creator, ownerAccountId: `o-${memeId}` }
}

function viewers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `v${i}`)
}

function settle(
  poolSats: number,
  memes: CompetingMeme[],
  viewerIds: string[],
  params = DEFAULT_REWARD_PARAMS,
) {
  return settleRound({ poolSats, params, memes, qualifyingViewerIds: viewerIds })
}

function creditedSats(s: RoundSettlement): number {
  return s.credits.reduce((sum, c) => sum + c.amountSats, 0)
}

/** What each meme received, creator and owner together. */
function rewardOf(s: RoundSettlement, memeId: string): number {
  return s.credits.filter((c) => c.memeId === memeId).reduce((sum, c) => sum + c.amountSats, 0)
}

describe('settleRound, examples from SPEC 2', () => {
  it('pays 475,000 / 285,000 / 190,000 split 10/90 and 500 to each of the first 100 viewers of 1,000,000', () => {
    const memes = [
      meme('a', 500, 1),
      meme('b', 400, 2),
      meme('c', 300, 3),
      meme('d', 200, 4),
      meme('e', 100, 5),
    ]
    const s = settle(1_000_000, memes, viewers(150))
    expect(s.ranking.map((r) => [r.memeId, r.rank, r.rewardSats])).toEqual([
      ['a', 1, 475_000],
      ['b', 2, 285_000],
      ['c', 3, 190_000],
    ])
    expect(s.credits.slice(0, 6)).toEqual([
      { accountId: 'c-a', amountSats: 47_500, reason: 'top1', memeId: 'a', role: 'creator' },
      { accountId: 'o-a', amountSats: 427_500, reason: 'top1', memeId: 'a', role: 'owner' },
      { accountId: 'c-b', amountSats: 28_500, reason: 'top2', memeId: 'b', role: 'creator' },
      { accountId: 'o-b', amountSats: 256_500, reason: 'top2', memeId: 'b', role: 'owner' },
      { accountId: 'c-c', amountSats: 19_000, reason: 'top3', memeId: 'c', role: 'creator' },
      { accountId: 'o-c', amountSats: 171_000, reason: 'top3', memeId: 'c', role: 'owner' },
    ])
    const fast = s.credits.slice(6)
    expect(fast.map((c) => c.accountId)).toEqual(viewers(100))
    expect(fast.every((c) => c.amountSats === 500 && c.reason === 'fast_viewer')).toBe(true)
    expect(s.fastViewerSats).toBe(500)
    // 95% and 5% of a round million divide exactly: nothing is left.
    expect(s.rolloverSats).toBe(0)
  })

  it('rolls the third place over when only two memes were watched', () => {
    const s = settle(1_000_000, [meme('a', 10, 1), meme('b', 20, 2)], viewers(100))
    expect(s.ranking.map((r) => r.memeId)).toEqual(['b', 'a'])
    expect(s.rolloverSats).toBe(190_000)
    expect(creditedSats(s)).toBe(810_000)
  })

  it('rolls the viewer part over in proportion when fewer than 100 viewers qualify', () => {
    // 50,000 over 3 viewers: 16,666 each, 2 sats left.
    const s = settle(1_000_000, [meme('a', 1), meme('b', 1, 1), meme('c', 1, 2)], viewers(3))
    expect(s.fastViewerSats).toBe(16_666)
    expect(s.rolloverSats).toBe(2)
  })

  it('rolls everything over when nobody watched', () => {
    const s = settle(123_456, [meme('a', 0)], [])
    expect(s).toEqual({ credits: [], rolloverSats: 123_456, ranking: [], fastViewerSats: 0 })
  })

  it('rolls the rounding remainders over: a pool of 999 among 7 viewers', () => {
    // Top part floor(949.05) = 949: places 474 (474.5), 284 (284.7), 189 (189.8), 2 left.
    // Viewer part floor(49.95) = 49: 7 each. One satoshi falls between the parts. 474 splits into
    // creator floor(47.4) = 47 and owner 427.
    const s = settle(999, [meme('a', 3, 1), meme('b', 2, 1), meme('c', 1, 1)], viewers(7))
    expect(s.ranking.map((r) => r.rewardSats)).toEqual([474, 284, 189])
    expect(s.credits.slice(0, 2).map((c) => c.amountSats)).toEqual([47, 427])
    expect(s.fastViewerSats).toBe(7)
    expect(s.rolloverSats).toBe(3)
  })

  it('rolls the viewer part over whole when it is too small to give each viewer a satoshi', () => {
    // Viewer part floor(50.05) = 50 over 100 viewers: 0 each, so no viewer credit at all.
    const s = settle(1_001, [meme('a', 1)], viewers(150))
    expect(s.credits.some((c) => c.reason === 'fast_viewer')).toBe(false)
    expect(s.fastViewerSats).toBe(0)
    // Place 1 gets floor(950 × 50%) = 475; places 2 and 3 (475) and the viewer part (50) roll,
    // with the satoshi between the parts: 1,001 − 950 − 50.
    expect(s.rolloverSats).toBe(475 + 50 + 1)
  })

  it('breaks a tie in paid seconds by who reached the total first, whatever the input order', () => {
    const memes = [
      meme('late', 100, 30),
      meme('early', 100, 10),
      meme('middle', 100, 20),
      meme('top', 101, 99),
    ]
    for (const order of [memes, [...memes].reverse()]) {
      const s = settle(1_000, order, [])
      expect(s.ranking.map((r) => r.memeId)).toEqual(['top', 'early', 'middle'])
    }
  })

  it('breaks a tie in both seconds and sequence by meme id, so that input order never matters', () => {
    const memes = [meme('b', 7, 3), meme('c', 7, 3), meme('a', 7, 3), meme('d', 7, 3)]
    for (const order of [memes, [...memes].reverse()]) {
      expect(settle(1_000, order, []).ranking.map((r) => r.memeId)).toEqual(['a', 'b', 'c'])
    }
  })

  it('never ranks a meme with 0 paid seconds', () => {
    const s = settle(1_000_000, [meme('a', 5), meme('b', 0), meme('c', 0)], [])
    expect(s.ranking.map((r) => r.memeId)).toEqual(['a'])
    expect(s.credits.every((c) => c.memeId === 'a')).toBe(true)
    expect(s.rolloverSats).toBe(285_000 + 190_000 + 50_000)
  })

  it('gives a creator who also owns the meme two credits, one per role, adding up to the reward', () => {
    const both: CompetingMeme = { ...meme('a', 10), creatorAccountId: 'u1', ownerAccountId: 'u1' }
    const s = settle(1_000_000, [both], [])
    expect(s.credits).toEqual([
      { accountId: 'u1', amountSats: 47_500, reason: 'top1', memeId: 'a', role: 'creator' },
      { accountId: 'u1', amountSats: 427_500, reason: 'top1', memeId: 'a', role: 'owner' },
    ])
  })

  it('follows configured weights and viewer count', () => {
    const params: RewardParams = { ...DEFAULT_REWARD_PARAMS, topWeights: [60, 40], fastViewers: 2 }
    const s = settle(10_000, [meme('a', 3), meme('b', 2), meme('c', 1)], viewers(5), params)
    expect(s.ranking.map((r) => [r.memeId, r.rewardSats])).toEqual([
      ['a', 5_700],
      ['b', 3_800],
    ])
    expect(s.fastViewerSats).toBe(250)
    expect(s.rolloverSats).toBe(0)
  })

  it('stays exact for a pool of the whole supply, where pool × 95 is beyond 2^53', () => {
    const s = settle(MAX_SUPPLY_SATS, [meme('a', 3), meme('b', 2), meme('c', 1)], viewers(100))
    const top = (BigInt(MAX_SUPPLY_SATS) * 95n) / 100n
    expect(s.ranking.map((r) => BigInt(r.rewardSats))).toEqual([
      (top * 50n) / 100n,
      (top * 30n) / 100n,
      (top * 20n) / 100n,
    ])
    expect(creditedSats(s) + s.rolloverSats).toBe(MAX_SUPPLY_SATS)
  })
})

describe('settleRound refuses malformed input (programming errors)', () => {
  const ok: RoundSettlementInput = {
    poolSats: 1_000,
    params: DEFAULT_REWARD_PARAMS,
    memes: [meme('a', 1)],
    qualifyingViewerIds: ['v1'],
  }
  const cases: [string, Partial<RoundSettlementInput>, RegExp][] = [
    ['a negative pool', { poolSats: -1 }, /whole satoshis/],
    ['a fractional pool', { poolSats: 1.5 }, /whole satoshis/],
    ['a pool beyond the supply', { poolSats: MAX_SUPPLY_SATS + 1 }, /whole satoshis/],
    [
      'weights not adding up to 100',
      { params: { ...DEFAULT_REWARD_PARAMS, topWeights: [50, 30, 10] } },
      /100/,
    ],
    ['increasing weights', { params: { ...DEFAULT_REWARD_PARAMS, topWeights: [20, 30, 50] } }, /increase/],
    ['four places', { params: { ...DEFAULT_REWARD_PARAMS, topWeights: [40, 30, 20, 10] } }, /places/],
    ['shares not adding up to 100', { params: { ...DEFAULT_REWARD_PARAMS, viewerSharePct: 4 } }, /100/],
    ['a duplicate meme', { memes: [meme('a', 1), meme('a', 2)] }, /twice/],
    ['fractional seconds', { memes: [meme('a', 1.5)] }, /whole number/],
    ['a duplicate viewer', { qualifyingViewerIds: ['v1', 'v2', 'v1'] }, /distinct/],
  ]
  for (const [what, change, message] of cases) {
    it(`throws on ${what}`, () => {
      expect(() => settleRound({ ...ok, ...change })).toThrow(message)
    })
  }
})

/**
 * Random rounds. Half of them draw from few distinct seconds and sequences, so that ties (even
 * in both) and zero totals reach the top places; few accounts, so that creator === owner and one
 * creator behind several memes are common.
 */
function memeArb(maxSeconds: number, maxSeq: number): fc.Arbitrary<CompetingMeme> {
  return fc.record({
    memeId: fc.string({ minLength: 1, maxLength: 4 }),
    creatorAccountId: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
    ownerAccountId: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
    paidSeconds: fc.integer({ min: 0, max: maxSeconds }),
    reachedAtSeq: fc.integer({ min: 0, max: maxSeq }),
  })
}
function memesArb(maxSeconds: number, maxSeq: number): fc.Arbitrary<CompetingMeme[]> {
  return fc.uniqueArray(memeArb(maxSeconds, maxSeq), { maxLength: 50, selector: (m) => m.memeId })
}
const roundMemesArb = fc.oneof(memesArb(3, 2), memesArb(100_000, 1_000_000))
const paramsArb: fc.Arbitrary<RewardParams> = fc.oneof(
  fc.constant(DEFAULT_REWARD_PARAMS),
  fc.record({
    topWeights: fc.constantFrom([100], [60, 40], [50, 30, 20], [34, 33, 33], [100, 0, 0]),
    topSharePct: fc.constant(95),
    viewerSharePct: fc.constant(5),
    fastViewers: fc.integer({ min: 0, max: 120 }),
    creatorPct: fc.integer({ min: 0, max: 100 }),
  }),
)
const roundArb: fc.Arbitrary<RoundSettlementInput> = fc.record({
  poolSats: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 1e12 })),
  params: paramsArb,
  memes: roundMemesArb,
  qualifyingViewerIds: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 300 }),
})

/** Satoshis that had nobody to go to: the places no meme took, and the viewer part if nobody came. */
function unassignable(input: RoundSettlementInput): number {
  const { poolSats, params } = input
  const topPart = Math.floor((poolSats * params.topSharePct) / 100)
  const viewerPart = Math.floor((poolSats * params.viewerSharePct) / 100)
  const ranked = Math.min(input.memes.filter((m) => m.paidSeconds > 0).length, params.topWeights.length)
  const noMeme = params.topWeights.slice(ranked).reduce((sum, w) => sum + Math.floor((topPart * w) / 100), 0)
  const viewerCount = Math.min(params.fastViewers, input.qualifyingViewerIds.length)
  return noMeme + (viewerCount === 0 ? viewerPart : 0)
}

describe('settleRound properties over random rounds', () => {
  it('credits plus rollover add up to the pool exactly, and every credit is positive and whole', () => {
    fc.assert(
      fc.property(roundArb, (input) => {
        const s = settleRound(input)
        expect(creditedSats(s) + s.rolloverSats).toBe(input.poolSats)
        for (const c of s.credits) {
          expect(Number.isSafeInteger(c.amountSats) && c.amountSats > 0).toBe(true)
        }
      }),
    )
  })

  it('rolls over at least what had no recipient and at most that plus the rounding remainders', () => {
    fc.assert(
      fc.property(roundArb, (input) => {
        const s = settleRound(input)
        const floor = unassignable(input)
        expect(s.rolloverSats).toBeLessThanOrEqual(input.poolSats)
        expect(s.rolloverSats).toBeGreaterThanOrEqual(floor)
        // Rounding leaves under 1 sat per place, under n for n viewers (a viewer part too small
        // to give each a satoshi is itself under n) and at most 1 between the two parts.
        const viewerCount = Math.min(input.params.fastViewers, input.qualifyingViewerIds.length)
        const roundingBound = input.params.topWeights.length - 1 + Math.max(viewerCount - 1, 0) + 1
        expect(s.rolloverSats).toBeLessThanOrEqual(floor + roundingBound)
      }),
    )
  })

  it('never pays a meme with more paid seconds less than one with fewer', () => {
    fc.assert(
      fc.property(roundArb, (input) => {
        const s = settleRound(input)
        const memes = [...input.memes].sort((a, b) => a.paidSeconds - b.paidSeconds)
        for (let i = 1; i < memes.length; i++) {
          if (memes[i]!.paidSeconds > memes[i - 1]!.paidSeconds)
            expect(rewardOf(s, memes[i]!.memeId)).toBeGreaterThanOrEqual(rewardOf(s, memes[i - 1]!.memeId))
        }
        for (const m of input.memes) if (m.paidSeconds === 0) expect(rewardOf(s, m.memeId)).toBe(0)
      }),
    )
  })

  it('splits each reward creatorPct to the creator (floored) and the rest to the owner', () => {
    fc.assert(
      fc.property(roundArb, (input) => {
        const s = settleRound(input)
        for (const r of s.ranking) {
          const parts = s.credits.filter((c) => c.memeId === r.memeId)
          const creator = parts.find((c) => c.role === 'creator')?.amountSats ?? 0
          const owner = parts.find((c) => c.role === 'owner')?.amountSats ?? 0
          expect(creator).toBe(Math.floor((r.rewardSats * input.params.creatorPct) / 100))
          expect(creator + owner).toBe(r.rewardSats)
        }
      }),
    )
  })

  it('pays the first fastViewers qualifying viewers the same amount, in their order', () => {
    fc.assert(
      fc.property(roundArb, (input) => {
        const s = settleRound(input)
        const fast = s.credits.filter((c) => c.reason === 'fast_viewer')
        const viewerCount = Math.min(input.params.fastViewers, input.qualifyingViewerIds.length)
        expect(fast.length).toBe(s.fastViewerSats > 0 ? viewerCount : 0)
        expect(fast.map((c) => c.accountId)).toEqual(input.qualifyingViewerIds.slice(0, fast.length))
        for (const c of fast) expect(c.amountSats).toBe(s.fastViewerSats)
      }),
    )
  })

  it('gives the same settlement whatever the order of the memes', () => {
    const withPermutation = roundArb.chain((input) =>
      fc
        .shuffledSubarray([...input.memes], { minLength: input.memes.length, maxLength: input.memes.length })
        .map((memes) => [input, memes] as const),
    )
    fc.assert(
      fc.property(withPermutation, ([input, shuffled]) => {
        expect(settleRound({ ...input, memes: shuffled })).toEqual(settleRound(input))
      }),
    )
  })
})

describe('rankMemes', () => {
  it('equals sorting the memes with paid seconds by compareRank and taking the first places', () => {
    fc.assert(
      fc.property(roundMemesArb, fc.integer({ min: 0, max: 5 }), (memes, places) => {
        const sorted = memes.filter((m) => m.paidSeconds > 0).sort(compareRank)
        expect(rankMemes(memes, places)).toEqual(sorted.slice(0, places))
      }),
    )
  })
})
