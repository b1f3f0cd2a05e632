/**
 * A log-linear histogram in the manner of HdrHistogram: values (whole microseconds, or any whole
 * unit) are counted in 64 sub-buckets per power of two, so a reported percentile is within about
 * 1.6% of the true value. Histograms of several processes merge by adding counts, which is how
 * the load workers' figures are combined; over IPC they travel as sparse [index, count] pairs.
 */

const SUB_BITS = 6
const SUB = 1 << SUB_BITS
/** Values up to 2^31 - 1 (35 minutes in microseconds); larger ones are counted as that. */
const MAX_VALUE = 2 ** 31 - 1
const BUCKETS = (31 - SUB_BITS) * SUB + 2 * SUB

function indexOf(value: number): number {
  const v = Math.min(MAX_VALUE, Math.max(0, Math.round(value)))
  if (v < 2 * SUB) return v
  const e = 31 - Math.clz32(v)
  return (e - SUB_BITS) * SUB + (v >>> (e - SUB_BITS))
}

/** The largest value a bucket holds (what percentiles report: an upper bound, as HDR does). */
function upperOf(index: number): number {
  if (index < 2 * SUB) return index
  const e = Math.floor(index / SUB) + SUB_BITS - 1
  const m = index - (e - SUB_BITS) * SUB
  return ((m + 1) << (e - SUB_BITS)) - 1
}

export type SparseCounts = Array<[number, number]>

export interface HistogramSummary {
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

export class Histogram {
  private counts = new Float64Array(BUCKETS)
  count = 0
  sum = 0
  max = 0

  record(value: number): void {
    this.counts[indexOf(value)]! += 1
    this.count += 1
    this.sum += value
    if (value > this.max) this.max = value
  }

  reset(): void {
    this.counts.fill(0)
    this.count = 0
    this.sum = 0
    this.max = 0
  }

  /** The value below which `fraction` of the recorded values lie (bucket upper bound). */
  percentile(fraction: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(fraction * this.count))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(upperOf(i), this.max)
    }
    return this.max
  }

  summary(): HistogramSummary {
    return {
      count: this.count,
      mean: this.count === 0 ? 0 : this.sum / this.count,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      p999: this.percentile(0.999),
      max: this.max,
    }
  }

  toJSON(): { counts: SparseCounts; sum: number; max: number } {
    const counts: SparseCounts = []
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) counts.push([i, this.counts[i]!])
    return { counts, sum: this.sum, max: this.max }
  }

  add(other: { counts: SparseCounts; sum: number; max: number }): void {
    for (const [i, n] of other.counts) {
      this.counts[i]! += n
      this.count += n
    }
    this.sum += other.sum
    if (other.max > this.max) this.max = other.max
  }
}
