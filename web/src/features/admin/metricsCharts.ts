/**
 * Which of the server's Prometheus metrics the admin page charts, and how a series of scrapes
 * becomes the points of a chart. Gauges are drawn as they are; counters only ever grow, so what
 * is drawn is their rate per second between two scrapes. The application's own metrics
 * (memepool_*) are charted whichever of them this server reports.
 */
import { formatInteger } from '../../components/format.ts'
import { formatBytes } from '../content/uploadChecks.ts'
import { type MetricFamily, sumOfSamples } from './prometheus.ts'

/** One scrape every 5 s; sixty of them are the last five minutes. */
export const METRICS_SAMPLE_INTERVAL_MS = 5_000
export const METRICS_HISTORY_SAMPLES = 60
const APPLICATION_PREFIX = 'memepool_'

export type ChartUnit = 'bytes' | 'seconds' | 'percent' | 'perSecond' | 'count'

export interface ChartSpec {
  /** The sample name, summed over all its labels (every route, every code). */
  metric: string
  title: string
  unit: ChartUnit
  /** A counter: drawn as its rate per second between two scrapes. */
  rate: boolean
  /** Multiplies what is drawn: CPU seconds per second become percent of one core. */
  scale?: number
}

/** What every Memepool server reports (prom-client's process metrics and the HTTP app's own). */
export const CORE_CHARTS: readonly ChartSpec[] = [
  { metric: 'process_resident_memory_bytes', title: 'Resident memory', unit: 'bytes', rate: false },
  { metric: 'nodejs_heap_size_used_bytes', title: 'JavaScript heap in use', unit: 'bytes', rate: false },
  { metric: 'process_cpu_seconds_total', title: 'CPU, of one core', unit: 'percent', rate: true, scale: 100 },
  { metric: 'nodejs_eventloop_lag_p99_seconds', title: 'Event loop lag, p99', unit: 'seconds', rate: false },
  { metric: 'http_request_duration_seconds_count', title: 'HTTP requests', unit: 'perSecond', rate: true },
  { metric: 'http_errors_total', title: 'Error responses', unit: 'perSecond', rate: true },
]

function unitOfName(name: string): ChartUnit {
  if (name.endsWith('_bytes')) return 'bytes'
  if (name.endsWith('_seconds')) return 'seconds'
  return 'count'
}

/** A chart for each memepool_* family: counters as rates, histograms and summaries as observations per second. */
export function applicationCharts(families: Record<string, MetricFamily>): ChartSpec[] {
  return Object.values(families)
    .filter((family) => family.name.startsWith(APPLICATION_PREFIX))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((family): ChartSpec => {
      switch (family.type) {
        case 'counter':
          return { metric: family.name, title: family.name, unit: 'perSecond', rate: true }
        case 'histogram':
        case 'summary':
          return {
            metric: `${family.name}_count`,
            title: `${family.name}, observations`,
            unit: 'perSecond',
            rate: true,
          }
        default:
          return { metric: family.name, title: family.name, unit: unitOfName(family.name), rate: false }
      }
    })
}

/** One scrape reduced to what the charts need: each charted sample's total, null if not reported. */
export interface MetricsReading {
  atMs: number
  values: Record<string, number | null>
}

export function readMetrics(
  families: Record<string, MetricFamily>,
  specs: readonly ChartSpec[],
  atMs: number,
): MetricsReading {
  return {
    atMs,
    values: Object.fromEntries(specs.map((spec) => [spec.metric, sumOfSamples(families, spec.metric)])),
  }
}

/** The history with `reading` added, oldest dropped beyond `max`; a reading already held is not added twice. */
export function appendReading(
  history: readonly MetricsReading[],
  reading: MetricsReading,
  max: number = METRICS_HISTORY_SAMPLES,
): MetricsReading[] {
  if (history.at(-1)?.atMs === reading.atMs) return [...history]
  return [...history, reading].slice(-max)
}

export interface ChartPoint {
  atMs: number
  /** Null where there is nothing to draw: not reported, or a counter that went back (a restart). */
  value: number | null
}

export function chartPoints(history: readonly MetricsReading[], spec: ChartSpec): ChartPoint[] {
  const scale = spec.scale ?? 1
  if (!spec.rate) {
    return history.map(({ atMs, values }) => {
      const value = values[spec.metric] ?? null
      return { atMs, value: value === null ? null : value * scale }
    })
  }
  // A rate needs two readings, so the first reading gives no point.
  return history.slice(1).map((reading, index) => {
    const previous = history[index]
    const now = reading.values[spec.metric] ?? null
    const before = previous?.values[spec.metric] ?? null
    const seconds = previous ? (reading.atMs - previous.atMs) / 1000 : 0
    if (now === null || before === null || seconds <= 0 || now < before)
      return { atMs: reading.atMs, value: null }
    return { atMs: reading.atMs, value: ((now - before) / seconds) * scale }
  })
}

export function formatChartValue(value: number, unit: ChartUnit): string {
  switch (unit) {
    case 'bytes':
      return formatBytes(Math.round(value))
    case 'seconds':
      return value < 1 ? `${(value * 1000).toFixed(1)} ms` : `${value.toFixed(2)} s`
    case 'percent':
      return `${value.toFixed(1)}%`
    case 'perSecond':
      return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}/s`
    case 'count':
      return Number.isInteger(value) ? formatInteger(value) : value.toFixed(2)
  }
}
