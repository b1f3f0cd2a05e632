/**
 * The price chart's geometry: one point per trade, time left to right in proportion to when it
 * happened, price bottom to top on a scale that starts at zero (so a small rise is not drawn as a
 * cliff). A lone trade sits in the middle. Pure, so it is tested without a browser.
 */
import type { MemeDetail } from '../../../../contracts/market.ts'

/** Headroom above the highest price, so its point never touches the top edge. */
const HEADROOM = 1.15

export interface ChartBox {
  width: number
  height: number
  /** Kept clear on every side, so a point's marker is never cut in half by the edge. */
  inset: number
}

export interface PricePoint {
  x: number
  y: number
  priceSats: number
  at: string
  tradeId: string
}

type PriceHistory = MemeDetail['priceHistory']

export function pricePoints(history: PriceHistory, box: ChartBox): PricePoint[] {
  const dated = history
    .map((entry) => ({ ...entry, ms: Date.parse(entry.at) }))
    .filter((entry) => !Number.isNaN(entry.ms))
    .sort((a, b) => a.ms - b.ms)
  const first = dated[0]
  const last = dated.at(-1)
  if (!first || !last) return []
  const highest = Math.max(...dated.map((entry) => entry.priceSats))
  const top = highest * HEADROOM
  const span = last.ms - first.ms
  const innerWidth = box.width - 2 * box.inset
  const innerHeight = box.height - 2 * box.inset
  return dated.map((entry) => ({
    x: box.inset + (span === 0 ? innerWidth / 2 : ((entry.ms - first.ms) / span) * innerWidth),
    y: box.inset + innerHeight - (entry.priceSats / top) * innerHeight,
    priceSats: entry.priceSats,
    at: entry.at,
    tradeId: entry.tradeId,
  }))
}

/** `M x y L x y …` through the points in order; empty for fewer than two. */
export function linePath(points: readonly PricePoint[]): string {
  if (points.length < 2) return ''
  return points
    .map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x.toFixed(1)} ${point.y.toFixed(1)}`)
    .join(' ')
}
