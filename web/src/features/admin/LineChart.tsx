/**
 * A small line chart drawn as SVG: time runs left to right over a fixed window, so a chart that
 * has only just started fills in from the right, and the vertical scale starts at zero, so a
 * small wobble is not drawn as a cliff. A gap in the data is a gap in the line.
 */
import type { ChartPoint } from './metricsCharts.ts'

const WIDTH = 300
const HEIGHT = 80
/** Headroom above the highest point, so the line never runs along the top edge. */
const HEADROOM = 1.15

interface LineChartProps {
  points: readonly ChartPoint[]
  windowMs: number
  /** Read out to screen readers in place of the drawing. */
  description: string
}

/** One `M x y L x y …` run per stretch without gaps. */
function linePath(points: readonly ChartPoint[], windowMs: number, top: number): string {
  const endMs = points.at(-1)?.atMs ?? 0
  let path = ''
  let drawing = false
  for (const { atMs, value } of points) {
    if (value === null) {
      drawing = false
      continue
    }
    const x = WIDTH - ((endMs - atMs) / windowMs) * WIDTH
    const y = HEIGHT - (value / top) * HEIGHT
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)} `
    drawing = true
  }
  return path.trim()
}

export function LineChart({ points, windowMs, description }: LineChartProps) {
  const highest = Math.max(0, ...points.map((point) => point.value ?? 0))
  const top = highest > 0 ? highest * HEADROOM : 1
  return (
    <svg
      className="line-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={description}
    >
      <line className="line-chart-axis" x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} />
      <path className="line-chart-line" d={linePath(points, windowMs, top)} />
    </svg>
  )
}
