/**
 * Proves the round pages' derived figures: the block in progress fills against the best recent
 * pool and never below a floor, the prize shown for a place is the settlement's own integer
 * arithmetic, the grid keeps memes in slot order, and only a new round or a new leader is
 * announced.
 */
import { describe, expect, test } from 'vitest'
import {
  BLOCK_FILL_FLOOR_SATS,
  blockFillPercent,
  leaderOf,
  memesBySlot,
  prizeIfEndedNow,
  roundAnnouncement,
  secondsSince,
} from './roundFigures.ts'
import { memeFixture, roundFixture } from './roundFixture.ts'

describe('blockFillPercent', () => {
  test('fills against the best recent pool, capped at full', () => {
    expect(blockFillPercent(5_000, [10_000, 2_000])).toBe(50)
    expect(blockFillPercent(25_000, [10_000])).toBe(100)
  })

  test('an empty pool draws empty, a tiny one at least a sliver', () => {
    expect(blockFillPercent(0, [10_000])).toBe(0)
    expect(blockFillPercent(1, [10_000_000])).toBe(1)
  })

  test('without history (or with tiny pools) the floor is the reference', () => {
    expect(blockFillPercent(BLOCK_FILL_FLOOR_SATS / 2, [])).toBe(50)
    expect(blockFillPercent(BLOCK_FILL_FLOOR_SATS / 2, [10])).toBe(50)
  })
})

describe('prizeIfEndedNow', () => {
  const params = { topSharePct: 95, topWeights: [50, 30, 20] }

  test('floors the top part, then each place, as settlement does', () => {
    // topPart = floor(1001 × 95 / 100) = 950; places 475, 285, 190.
    expect(prizeIfEndedNow(1_001, params, 1)).toBe(475)
    expect(prizeIfEndedNow(1_001, params, 2)).toBe(285)
    expect(prizeIfEndedNow(1_001, params, 3)).toBe(190)
    expect(prizeIfEndedNow(1_001, params, 4)).toBeNull()
  })

  test('stays exact for pools near the total supply', () => {
    const pool = 2_100_000_000_000_000
    expect(prizeIfEndedNow(pool, params, 1)).toBe(997_500_000_000_000)
  })
})

describe('memesBySlot and leaderOf', () => {
  test('the grid is in slot order whatever the ranking', () => {
    const memes = [
      memeFixture('b', { slot: 2 }),
      memeFixture('a', { slot: 0 }),
      memeFixture('c', { slot: 1 }),
    ]
    expect(memesBySlot(memes).map((meme) => meme.memeId)).toEqual(['a', 'c', 'b'])
  })

  test('nobody leads before a meme has paid seconds', () => {
    expect(leaderOf(roundFixture(1, { memes: [memeFixture('a')] }))).toBeNull()
    expect(leaderOf(roundFixture(1, { memes: [memeFixture('a', { paidSeconds: 3 })] }))?.memeId).toBe('a')
  })
})

describe('roundAnnouncement', () => {
  const quiet = roundFixture(812, { memes: [memeFixture('a', { paidSeconds: 5 })] })

  test('a new round is announced; the first state seen is not', () => {
    expect(roundAnnouncement(null, quiet)).toBeNull()
    expect(roundAnnouncement(quiet, roundFixture(813))).toBe('Block 813 found: round 813 is open.')
  })

  test('a new leader is announced; ticking counters are not', () => {
    const ticked = roundFixture(812, { memes: [memeFixture('a', { paidSeconds: 9 })] })
    expect(roundAnnouncement(quiet, ticked)).toBeNull()
    const overtaken = roundFixture(812, {
      memes: [memeFixture('b', { paidSeconds: 10, title: 'Doge' }), memeFixture('a', { paidSeconds: 9 })],
    })
    expect(roundAnnouncement(ticked, overtaken)).toBe('Doge now leads round 812.')
  })
})

describe('secondsSince', () => {
  test('whole seconds, never negative, zero for an unreadable time', () => {
    const opened = '2025-01-01T00:00:00.000Z'
    expect(secondsSince(opened, Date.parse(opened) + 61_900)).toBe(61)
    expect(secondsSince(opened, Date.parse(opened) - 5_000)).toBe(0)
    expect(secondsSince('not a date', 0)).toBe(0)
  })
})
