/**
 * Proves how scrapes become chart points: gauges as read, counters as rates per second with a
 * gap where a counter went back (a restart), a bounded history, the application's own metrics
 * found by name, and values written in their units.
 */
import { describe, expect, test } from 'vitest'
import {
  appendReading,
  applicationCharts,
  type ChartSpec,
  chartPoints,
  formatChartValue,
  type MetricsReading,
  readMetrics,
} from './metricsCharts.ts'
import { parsePrometheusText } from './prometheus.ts'

const CPU: ChartSpec = { metric: 'cpu_seconds_total', title: 'CPU', unit: 'percent', rate: true, scale: 100 }
const MEMORY: ChartSpec = { metric: 'rss_bytes', title: 'Memory', unit: 'bytes', rate: false }

function reading(atMs: number, cpu: number | null, rss: number | null): MetricsReading {
  return { atMs, values: { cpu_seconds_total: cpu, rss_bytes: rss } }
}

describe('readMetrics', () => {
  test('takes each charted sample’s total from a scrape', () => {
    const families = parsePrometheusText('# TYPE rss_bytes gauge\nrss_bytes 100\n')
    expect(readMetrics(families, [CPU, MEMORY], 5_000)).toEqual(reading(5_000, null, 100))
  })
})

describe('chartPoints', () => {
  const history = [
    reading(0, 1.0, 100),
    reading(5_000, 1.5, 120),
    reading(10_000, 2.5, null),
    reading(15_000, 0.2, 90),
  ]

  test('a gauge is drawn as read, with a gap where it was not reported', () => {
    expect(chartPoints(history, MEMORY)).toEqual([
      { atMs: 0, value: 100 },
      { atMs: 5_000, value: 120 },
      { atMs: 10_000, value: null },
      { atMs: 15_000, value: 90 },
    ])
  })

  test('a counter is drawn as its rate per second, scaled; one that went back leaves a gap', () => {
    expect(chartPoints(history, CPU)).toEqual([
      { atMs: 5_000, value: 10 }, // 0.5 CPU seconds in 5 s is 10% of one core
      { atMs: 10_000, value: 20 },
      { atMs: 15_000, value: null },
    ])
  })

  test('a rate needs two readings', () => {
    expect(chartPoints([reading(0, 1, 1)], CPU)).toEqual([])
  })
})

describe('appendReading', () => {
  test('keeps the newest readings up to the limit, and never the same scrape twice', () => {
    let history: MetricsReading[] = []
    for (let index = 0; index < 5; index++) history = appendReading(history, reading(index, index, index), 3)
    expect(history.map((held) => held.atMs)).toEqual([2, 3, 4])
    expect(appendReading(history, reading(4, 9, 9), 3)).toEqual(history)
  })
})

describe('applicationCharts', () => {
  test('a chart for each memepool_* family: gauges as read, counters and histograms per second', () => {
    const families = parsePrometheusText(
      [
        '# TYPE memepool_transform_seconds histogram',
        'memepool_transform_seconds_count 3',
        '# TYPE memepool_queue_length gauge',
        'memepool_queue_length{queue="transform"} 2',
        '# TYPE memepool_uploads_total counter',
        '# TYPE memepool_media_bytes gauge',
        '# TYPE process_cpu_seconds_total counter',
      ].join('\n'),
    )
    expect(applicationCharts(families)).toEqual([
      { metric: 'memepool_media_bytes', title: 'memepool_media_bytes', unit: 'bytes', rate: false },
      { metric: 'memepool_queue_length', title: 'memepool_queue_length', unit: 'count', rate: false },
      {
        metric: 'memepool_transform_seconds_count',
        title: 'memepool_transform_seconds, observations',
        unit: 'perSecond',
        rate: true,
      },
      { metric: 'memepool_uploads_total', title: 'memepool_uploads_total', unit: 'perSecond', rate: true },
    ])
  })
})

describe('formatChartValue', () => {
  test('writes each unit the way it is read', () => {
    expect(formatChartValue(91_234_304, 'bytes')).toBe('87.0 MB')
    expect(formatChartValue(0.0123, 'seconds')).toBe('12.3 ms')
    expect(formatChartValue(1.5, 'seconds')).toBe('1.50 s')
    expect(formatChartValue(12.34, 'percent')).toBe('12.3%')
    expect(formatChartValue(0.2, 'perSecond')).toBe('0.20/s')
    expect(formatChartValue(42.4, 'perSecond')).toBe('42/s')
    expect(formatChartValue(1234, 'count')).toBe('1,234')
    expect(formatChartValue(2.5, 'count')).toBe('2.50')
  })
})
