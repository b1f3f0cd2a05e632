import { describe, expect, test } from 'vitest'
import { linePath, pricePoints } from './priceChart.ts'

const BOX = { width: 100, height: 50, inset: 5 }

describe('pricePoints', () => {
  test('nothing to draw without trades', () => {
    expect(pricePoints([], BOX)).toEqual([])
    expect(linePath([])).toBe('')
  })

  test('a lone trade sits in the middle, below the top by the headroom', () => {
    const [point] = pricePoints([{ at: '2025-01-01T00:00:00Z', priceSats: 2_000, tradeId: 't1' }], BOX)
    expect(point?.x).toBe(50)
    // 40 px of height: 2,000 of a 2,300 scale is 34.78 px above the bottom inset.
    expect(point?.y).toBeCloseTo(5 + 40 - (2_000 / 2_300) * 40)
    expect(linePath(point ? [point] : [])).toBe('')
  })

  test('time runs left to right in proportion, sorted by when, and the scale starts at zero', () => {
    const points = pricePoints(
      [
        { at: '2025-01-03T00:00:00Z', priceSats: 4_000, tradeId: 't3' },
        { at: '2025-01-01T00:00:00Z', priceSats: 1_000, tradeId: 't1' },
        { at: '2025-01-02T00:00:00Z', priceSats: 2_000, tradeId: 't2' },
        { at: 'not a date', priceSats: 9_000, tradeId: 'bad' },
      ],
      BOX,
    )
    expect(points.map((point) => point.tradeId)).toEqual(['t1', 't2', 't3'])
    expect(points.map((point) => point.x)).toEqual([5, 50, 95])
    const bottom = 45
    // Heights above the bottom are proportional to the price: twice the price, twice as high.
    const [a, b] = points.map((point) => bottom - point.y)
    expect(b! / a!).toBeCloseTo(2)
    expect(Math.min(...points.map((point) => point.y))).toBeGreaterThan(BOX.inset)
    expect(linePath(points)).toMatch(/^M5\.0 [\d.]+ L50\.0 [\d.]+ L95\.0 [\d.]+$/)
  })
})
