/**
 * A reader for the Prometheus text exposition format (version 0.0.4), which GET /metrics
 * serves: `# TYPE name type` declares a family, and each sample line is
 * `name{label="value",…} value [timestamp]`. Histogram and summary samples (`_bucket`, `_sum`,
 * `_count`) belong to the family they were declared under. Lines it cannot read are skipped: a
 * chart with one metric missing is better than no charts.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'

export interface MetricSample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface MetricFamily {
  name: string
  type: MetricType
  samples: MetricSample[]
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped']
/** Suffixes of the samples that make up one histogram or summary. */
const PART_SUFFIXES = ['_bucket', '_sum', '_count']

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', '\\': '\\', '"': '"' }

/** A sample value: a float, or one of the spellings of infinity and not-a-number the format allows. */
function parseValue(text: string): number | null {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  if (text === 'NaN') return Number.NaN
  const value = Number(text)
  return text !== '' && !Number.isNaN(value) ? value : null
}

/** `{a="1",b="x\"y"}` from `start` (the brace): the labels and the index after the closing brace. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {}
  let index = start + 1
  for (;;) {
    while (line[index] === ' ' || line[index] === ',') index++
    if (line[index] === '}') return { labels, end: index + 1 }
    const name = LABEL_NAME.exec(line.slice(index))?.[0]
    if (!name) return null
    index += name.length
    if (line[index] !== '=' || line[index + 1] !== '"') return null
    index += 2
    let value = ''
    while (index < line.length && line[index] !== '"') {
      if (line[index] === '\\') {
        const escaped = line[index + 1] ?? ''
        value += ESCAPES[escaped] ?? `\\${escaped}`
        index += 2
      } else {
        value += line[index]
        index++
      }
    }
    if (index >= line.length) return null
    labels[name] = value
    index++
  }
}

/** One sample line, or null if it is not one. */
export function parseSampleLine(line: string): MetricSample | null {
  const name = METRIC_NAME.exec(line)?.[0]
  if (!name) return null
  let labels: Record<string, string> = {}
  let rest = line.slice(name.length)
  if (rest.startsWith('{')) {
    const parsed = parseLabels(line, name.length)
    if (!parsed) return null
    labels = parsed.labels
    rest = line.slice(parsed.end)
  }
  const [valueText = ''] = rest.trim().split(/\s+/)
  const value = parseValue(valueText)
  return value === null ? null : { name, labels, value }
}

/** The family a sample belongs to: its own name, or the histogram or summary it is a part of. */
function familyNameOf(sampleName: string, familyNamed: (name: string) => MetricFamily | undefined): string {
  for (const suffix of PART_SUFFIXES) {
    if (!sampleName.endsWith(suffix)) continue
    const base = familyNamed(sampleName.slice(0, -suffix.length))
    if (base && (base.type === 'histogram' || base.type === 'summary')) return base.name
  }
  return sampleName
}

/** Every family in the text, by name; a family declared with no samples yet is kept, empty. */
export function parsePrometheusText(text: string): Record<string, MetricFamily> {
  const families = new Map<string, MetricFamily>()
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim()
    if (line === '') continue
    if (line.startsWith('#')) {
      const [, keyword, name, type] = line.split(/\s+/)
      if (keyword === 'TYPE' && name && TYPES.includes(type as MetricType)) {
        families.set(name, { name, type: type as MetricType, samples: [] })
      }
      continue
    }
    const sample = parseSampleLine(line)
    if (!sample) continue
    const familyName = familyNameOf(sample.name, (name) => families.get(name))
    let family = families.get(familyName)
    if (!family) {
      family = { name: familyName, type: 'untyped', samples: [] }
      families.set(familyName, family)
    }
    family.samples.push(sample)
  }
  return Object.fromEntries(families)
}

/**
 * The sum of every sample named `sampleName` over all its labels (all routes, all codes), or
 * null when the server does not report it. A family declared but still empty sums to 0: a
 * counter nothing has incremented yet.
 */
export function sumOfSamples(families: Record<string, MetricFamily>, sampleName: string): number | null {
  const familyNamed = (name: string) => (Object.hasOwn(families, name) ? families[name] : undefined)
  const family = familyNamed(familyNameOf(sampleName, familyNamed))
  if (!family) return null
  return family.samples
    .filter((sample) => sample.name === sampleName && Number.isFinite(sample.value))
    .reduce((total, sample) => total + sample.value, 0)
}
