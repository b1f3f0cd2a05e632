/**
 * Earnings by day as stacked bars (creator share, owner share, round rewards), drawn as SVG with
 * no chart library. Time runs left to right, one bar per day; the scale starts at zero. The
 * drawing is one image for screen readers, with a summary for its name; the same figures are in
 * the table beside it.
 */
import { formatSats } from '../../components/format.ts'
import { type EarningsBar, formatDay } from './earningsChart.ts'

const HEIGHT = 120
const BAR_STEP = 10
const BAR_WIDTH = 7
/** Headroom above the highest bar, so it never touches the top edge. */
const HEADROOM = 1.1

export const SERIES = [
  { key: 'creatorSats', label: 'Creator share', className: 'earnings-creator' },
  { key: 'ownerSats', label: 'Owner share', className: 'earnings-owner' },
  { key: 'rewardSats', label: 'Round rewards', className: 'earnings-reward' },
] as const

function Bar({ bar, index, top }: { bar: EarningsBar; index: number; top: number }) {
  let y = HEIGHT
  return (
    <g>
      <title>
        {formatDay(bar.day)}: {formatSats(bar.totalSats)}
      </title>
      {SERIES.map((series) => {
        const value = bar[series.key]
        if (value <= 0) return null
        const height = (value / top) * HEIGHT
        y -= height
        return (
          <rect
            key={series.key}
            className={series.className}
            x={index * BAR_STEP + (BAR_STEP - BAR_WIDTH) / 2}
            y={y}
            width={BAR_WIDTH}
            height={height}
          />
        )
      })}
    </g>
  )
}

export function EarningsChart({ bars }: { bars: readonly EarningsBar[] }) {
  const highest = Math.max(0, ...bars.map((bar) => bar.totalSats))
  const top = highest > 0 ? highest * HEADROOM : 1
  const width = Math.max(1, bars.length) * BAR_STEP
  const first = bars[0]
  const last = bars.at(-1)
  const best = bars.reduce<EarningsBar | null>(
    (held, bar) => (held && held.totalSats >= bar.totalSats ? held : bar),
    null,
  )
  const summary =
    first && last && best
      ? `Earnings per day from ${formatDay(first.day)} to ${formatDay(last.day)}; the best day was ${formatDay(best.day)} with ${formatSats(best.totalSats)}.`
      : 'No earnings yet.'
  return (
    <figure className="earnings-figure">
      <div className="earnings-chart-frame">
        <span className="earnings-chart-top mono" aria-hidden="true">
          {formatSats(highest)}
        </span>
        <svg
          className="earnings-chart"
          viewBox={`0 0 ${width} ${HEIGHT}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={summary}
        >
          <line className="earnings-chart-axis" x1="0" y1={HEIGHT} x2={width} y2={HEIGHT} />
          {bars.map((bar, index) => (
            <Bar key={bar.day} bar={bar} index={index} top={top} />
          ))}
        </svg>
        {first && last && (
          <div className="earnings-chart-days" aria-hidden="true">
            <span>{formatDay(first.day)}</span>
            <span>{formatDay(last.day)}</span>
          </div>
        )}
      </div>
      <figcaption className="earnings-legend">
        {SERIES.map((series) => (
          <span key={series.key} className="earnings-legend-item">
            <span className={`earnings-swatch ${series.className}`} aria-hidden="true" />
            {series.label}
          </span>
        ))}
      </figcaption>
    </figure>
  )
}
