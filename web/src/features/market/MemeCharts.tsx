/**
 * A meme's two charts, drawn as SVG with no chart library: the price of every trade over time
 * (a line through one dot per trade), and the owner share it earned per day. Each drawing is one
 * image for screen readers, named by a summary; the figures themselves are in the trade table
 * beside them. Dots are zero-length round-capped strokes that do not scale, so they stay round
 * while the drawing stretches to the width of the page.
 */
import type { MemeDetail } from '../../../../contracts/market.ts'
import { formatDateTime, formatSats } from '../../components/format.ts'
import { earningsBars, formatDay } from '../earnings/earningsChart.ts'
import { linePath, pricePoints } from './priceChart.ts'

const BOX = { width: 600, height: 160, inset: 8 }
const BAR_STEP = 10
const BAR_WIDTH = 7
const HEADROOM = 1.1

export function PriceChart({ history }: { history: MemeDetail['priceHistory'] }) {
  const points = pricePoints(history, BOX)
  const first = points[0]
  const last = points.at(-1)
  if (!first || !last) return null
  const highest = Math.max(...points.map((point) => point.priceSats))
  const summary =
    points.length === 1
      ? `One trade, at ${formatSats(first.priceSats)} on ${formatDateTime(first.at)}.`
      : `${points.length} trades from ${formatDateTime(first.at)} to ${formatDateTime(last.at)}: first ${formatSats(first.priceSats)}, last ${formatSats(last.priceSats)}, highest ${formatSats(highest)}.`
  return (
    <figure className="market-chart">
      <figcaption className="market-chart-title">Trade prices</figcaption>
      <div className="market-chart-frame">
        <span className="market-chart-top mono" aria-hidden="true">
          {formatSats(highest)}
        </span>
        <svg
          className="market-chart-svg"
          viewBox={`0 0 ${BOX.width} ${BOX.height}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={summary}
          data-testid="price-chart"
        >
          <line className="market-chart-axis" x1="0" y1={BOX.height} x2={BOX.width} y2={BOX.height} />
          <path className="market-chart-line" d={linePath(points)} />
          {points.map((point) => (
            <path
              key={point.tradeId}
              className="market-chart-dot"
              d={`M${point.x.toFixed(1)} ${point.y.toFixed(1)} h0`}
            >
              <title>
                {formatDateTime(point.at)}: {formatSats(point.priceSats)}
              </title>
            </path>
          ))}
        </svg>
        <div className="market-chart-days" aria-hidden="true">
          <span>{formatDateTime(first.at)}</span>
          {points.length > 1 && <span>{formatDateTime(last.at)}</span>}
        </div>
      </div>
    </figure>
  )
}

export function OwnerEarningsChart({ days }: { days: MemeDetail['earningsDays'] }) {
  const bars = earningsBars(
    days.map((day) => ({ day: day.day, creatorSats: 0, ownerSats: day.ownerSats, rewardSats: 0 })),
  )
  const first = bars[0]
  const last = bars.at(-1)
  if (!first || !last) return null
  const highest = Math.max(0, ...bars.map((bar) => bar.ownerSats))
  const top = highest > 0 ? highest * HEADROOM : 1
  const width = bars.length * BAR_STEP
  const height = BOX.height
  const total = days.reduce((sum, day) => sum + day.ownerSats, 0)
  const summary = `Owner share per day from ${formatDay(first.day)} to ${formatDay(last.day)}: ${formatSats(total)} in all.`
  return (
    <figure className="market-chart">
      <figcaption className="market-chart-title">Owner share per day (UTC), last 90 days</figcaption>
      <div className="market-chart-frame">
        <span className="market-chart-top mono" aria-hidden="true">
          {formatSats(highest)}
        </span>
        <svg
          className="market-chart-svg"
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={summary}
        >
          <line className="market-chart-axis" x1="0" y1={height} x2={width} y2={height} />
          {bars.map((bar, index) =>
            bar.ownerSats > 0 ? (
              <rect
                key={bar.day}
                className="market-chart-bar"
                x={index * BAR_STEP + (BAR_STEP - BAR_WIDTH) / 2}
                y={height - (bar.ownerSats / top) * height}
                width={BAR_WIDTH}
                height={(bar.ownerSats / top) * height}
              >
                <title>
                  {formatDay(bar.day)}: {formatSats(bar.ownerSats)}
                </title>
              </rect>
            ) : null,
          )}
        </svg>
        <div className="market-chart-days" aria-hidden="true">
          <span>{formatDay(first.day)}</span>
          <span>{formatDay(last.day)}</span>
        </div>
      </div>
    </figure>
  )
}
