/**
 * Proves the reader of the Prometheus text format on what prom-client writes: types, labels with
 * escapes, histogram parts under their family, special values, timestamps; that broken lines are
 * skipped; and that samples are summed over their labels, with a declared but empty counter as 0.
 */
import { describe, expect, test } from 'vitest'
import { parsePrometheusText, parseSampleLine, sumOfSamples } from './prometheus.ts'

const SCRAPE = `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 91234304

# HELP http_request_duration_seconds Time from receiving a request to finishing its response.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.005",method="GET",route="/ready",status_code="200"} 3
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/ready",status_code="200"} 4
http_request_duration_seconds_sum{method="GET",route="/ready",status_code="200"} 0.0934
http_request_duration_seconds_count{method="GET",route="/ready",status_code="200"} 4
http_request_duration_seconds_count{method="POST",route="/api/v1/admin/memes",status_code="201"} 2
# HELP http_errors_total Error responses sent, by error code.
# TYPE http_errors_total counter
# TYPE nodejs_version_info gauge
nodejs_version_info{version="v20.19.0",major="20",minor="19",patch="0"} 1
`

describe('parseSampleLine', () => {
  test('reads name, labels and value, ignoring a timestamp', () => {
    expect(parseSampleLine('up 1')).toEqual({ name: 'up', labels: {}, value: 1 })
    expect(parseSampleLine('jobs_total{queue="transform",state="done"} 17 1712345678000')).toEqual({
      name: 'jobs_total',
      labels: { queue: 'transform', state: 'done' },
      value: 17,
    })
    expect(parseSampleLine('lag_seconds 1.5e-3')?.value).toBe(0.0015)
  })

  test('label values keep commas, braces and spaces, and unescape quotes, backslashes and newlines', () => {
    expect(parseSampleLine('x{path="/a,b {c}",q="say \\"hi\\"",p="C:\\\\dir",n="1\\n2",} 2')).toEqual({
      name: 'x',
      labels: { path: '/a,b {c}', q: 'say "hi"', p: 'C:\\dir', n: '1\n2' },
      value: 2,
    })
  })

  test('infinities and not-a-number as the format spells them', () => {
    expect(parseSampleLine('a +Inf')?.value).toBe(Number.POSITIVE_INFINITY)
    expect(parseSampleLine('a -Inf')?.value).toBe(Number.NEGATIVE_INFINITY)
    expect(parseSampleLine('a NaN')?.value).toBeNaN()
  })

  test('lines that are not samples are refused', () => {
    for (const line of ['', '{a="1"} 2', 'a{b="1" 2', 'a{b=1} 2', 'a{b="1"}', 'a one', '9lives 1']) {
      expect(parseSampleLine(line)).toBeNull()
    }
  })
})

describe('parsePrometheusText', () => {
  const families = parsePrometheusText(SCRAPE)

  test('each family with its type; histogram parts stay under their family', () => {
    expect(Object.keys(families)).toEqual([
      'process_resident_memory_bytes',
      'http_request_duration_seconds',
      'http_errors_total',
      'nodejs_version_info',
    ])
    expect(families.process_resident_memory_bytes).toEqual({
      name: 'process_resident_memory_bytes',
      type: 'gauge',
      samples: [{ name: 'process_resident_memory_bytes', labels: {}, value: 91234304 }],
    })
    expect(families.http_request_duration_seconds?.type).toBe('histogram')
    expect(families.http_request_duration_seconds?.samples.map((sample) => sample.name)).toEqual([
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_sum',
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_count',
    ])
    expect(families.http_errors_total).toEqual({ name: 'http_errors_total', type: 'counter', samples: [] })
  })

  test('samples without a TYPE line are untyped families of their own; broken lines are skipped', () => {
    const parsed = parsePrometheusText('loose_total 3\nbroken{ 4\n# a comment\n  \nother 5\r\n')
    expect(parsed).toEqual({
      loose_total: {
        name: 'loose_total',
        type: 'untyped',
        samples: [{ name: 'loose_total', labels: {}, value: 3 }],
      },
      other: { name: 'other', type: 'untyped', samples: [{ name: 'other', labels: {}, value: 5 }] },
    })
  })
})

describe('sumOfSamples', () => {
  const families = parsePrometheusText(SCRAPE)

  test('sums a sample over all its labels, inside its family', () => {
    expect(sumOfSamples(families, 'http_request_duration_seconds_count')).toBe(6)
    expect(sumOfSamples(families, 'process_resident_memory_bytes')).toBe(91234304)
  })

  test('a declared counter with no samples is 0; a metric the server does not report is null', () => {
    expect(sumOfSamples(families, 'http_errors_total')).toBe(0)
    expect(sumOfSamples(families, 'memepool_transform_seconds')).toBeNull()
    expect(sumOfSamples(families, 'constructor')).toBeNull()
  })

  test('infinite and not-a-number samples are left out of the sum', () => {
    const parsed = parsePrometheusText('# TYPE g gauge\ng{a="1"} 2\ng{a="2"} NaN\ng{a="3"} +Inf\n')
    expect(sumOfSamples(parsed, 'g')).toBe(2)
  })
})
