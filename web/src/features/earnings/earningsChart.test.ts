/**
 * Proves the earnings chart's days: gaps between days with earnings are filled with empty bars
 * so time runs evenly, each bar's total is its three parts, unreadable days are dropped, and the
 * totals include fast-viewer rewards, which the day series does not carry.
 */
import { describe, expect, test } from 'vitest'
import { earningsBars, formatDay, MIN_CHART_DAYS, totalEarned } from './earningsChart.ts'

describe('earningsBars', () => {
  test('fills the days between with zeros, in order, across a month end', () => {
    const bars = earningsBars([
      { day: '2025-02-02', creatorSats: 1, ownerSats: 9, rewardSats: 0 },
      { day: '2025-01-30', creatorSats: 2, ownerSats: 0, rewardSats: 100 },
    ])
    expect(bars).toHaveLength(MIN_CHART_DAYS)
    expect(bars.slice(-4).map((bar) => [bar.day, bar.totalSats])).toEqual([
      ['2025-01-30', 102],
      ['2025-01-31', 0],
      ['2025-02-01', 0],
      ['2025-02-02', 10],
    ])
  })

  test('a first day of earnings sits at the end of a span of empty days', () => {
    const bars = earningsBars([{ day: '2025-03-14', creatorSats: 0, ownerSats: 5, rewardSats: 0 }])
    expect(bars[0]?.day).toBe('2025-03-01')
    expect(bars.at(-1)).toMatchObject({ day: '2025-03-14', totalSats: 5 })
    expect(bars.filter((bar) => bar.totalSats > 0)).toHaveLength(1)
  })

  test('nothing to draw without days; a bad day is dropped', () => {
    expect(earningsBars([])).toEqual([])
    expect(earningsBars([{ day: 'soon', creatorSats: 1, ownerSats: 0, rewardSats: 0 }])).toEqual([])
  })
})

describe('totals', () => {
  test('everything earned includes fast-viewer rewards', () => {
    expect(totalEarned({ creatorSats: 1, ownerSats: 2, rewardSats: 3, fastViewerSats: 4 })).toBe(10)
  })

  test('days read as UTC dates', () => {
    expect(formatDay('2025-01-31')).toBe('31 Jan')
  })
})
