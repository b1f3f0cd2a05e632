/**
 * Charts of the server's key metrics (SPEC 9 "system health with charts"): GET /metrics is read
 * every 5 s while the page is open and the last five minutes are kept here, in the component,
 * since nothing else needs them. Memory, CPU, event loop lag, requests and errors are always
 * there; the application's own memepool_* metrics join them when the server reports any.
 */
import { useEffect, useState } from 'react'
import { QueryError } from '../../components/QueryError.tsx'
import { LineChart } from './LineChart.tsx'
import { useGetMetricsQuery } from './metricsApi.ts'
import {
  appendReading,
  applicationCharts,
  type ChartSpec,
  CORE_CHARTS,
  chartPoints,
  formatChartValue,
  METRICS_HISTORY_SAMPLES,
  METRICS_SAMPLE_INTERVAL_MS,
  type MetricsReading,
  readMetrics,
} from './metricsCharts.ts'
import type { MetricFamily } from './prometheus.ts'

const WINDOW_MS = (METRICS_HISTORY_SAMPLES - 1) * METRICS_SAMPLE_INTERVAL_MS
const WINDOW_MINUTES = Math.round(WINDOW_MS / 60_000)

function chartsFor(families: Record<string, MetricFamily>): ChartSpec[] {
  return [...CORE_CHARTS, ...applicationCharts(families)]
}

function MetricChart({ spec, history }: { spec: ChartSpec; history: readonly MetricsReading[] }) {
  const points = chartPoints(history, spec)
  const values = points.flatMap((point) => (point.value === null ? [] : [point.value]))
  const latest = points.at(-1)?.value ?? null
  const format = (value: number) => formatChartValue(value, spec.unit)
  const range =
    values.length === 0 ? null : `low ${format(Math.min(...values))} · high ${format(Math.max(...values))}`
  const description =
    latest === null || range === null
      ? `${spec.title}: no reading yet.`
      : `${spec.title} over the last ${WINDOW_MINUTES} minutes: now ${format(latest)}, ${range}.`
  return (
    <li className="metric-chart">
      <div className="metric-chart-head">
        <span className="metric-chart-title">{spec.title}</span>
        <span className="figure">{latest === null ? '…' : format(latest)}</span>
      </div>
      <LineChart points={points} windowMs={WINDOW_MS} description={description} />
      <p className="metric-chart-range">
        {range ?? (spec.rate ? 'a rate needs two readings' : 'no reading yet')}
      </p>
    </li>
  )
}

export function MetricsCharts() {
  const { data, error, isLoading, fulfilledTimeStamp } = useGetMetricsQuery(undefined, {
    pollingInterval: METRICS_SAMPLE_INTERVAL_MS,
  })
  const [history, setHistory] = useState<MetricsReading[]>([])

  useEffect(() => {
    if (!data || fulfilledTimeStamp === undefined) return
    setHistory((held) => appendReading(held, readMetrics(data, chartsFor(data), fulfilledTimeStamp)))
  }, [data, fulfilledTimeStamp])

  if (isLoading) return <p className="status-muted">Reading the server’s metrics…</p>
  if (!data) return <QueryError what="the server’s metrics" error={error} />
  // Only what this server reports: a metric it has never sent has nothing to draw.
  const charts = chartsFor(data).filter((spec) => history.at(-1)?.values[spec.metric] != null)
  return (
    <>
      <p className="admin-lead">
        Read from the server every {METRICS_SAMPLE_INTERVAL_MS / 1000} seconds; the charts cover the last{' '}
        {WINDOW_MINUTES} minutes this page has been open.
      </p>
      <ul className="metric-charts" aria-label="Metrics over time">
        {charts.map((spec) => (
          <MetricChart key={spec.metric} spec={spec} history={history} />
        ))}
      </ul>
    </>
  )
}
