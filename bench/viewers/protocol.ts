/** Messages between the orchestrator (bench/viewers.ts) and its load workers, over Node's IPC. */
import type { SparseCounts } from './histogram.ts'

/** What each viewer connection does once connected. */
export type RequestKind = 'watch' | 'ping'

export interface WorkerSetup {
  workerIndex: number
  /** ws://host:port/path */
  url: string
  /** One per connection; sent as `Authorization: Bearer`. */
  tokens: string[]
  /** Source addresses to spread the connections over (loopback 127.x.y.z). */
  localAddresses: string[]
  /** Connections this worker opens per second while ramping. */
  rampPerSecond: number
  request: RequestKind
  memeIds: string[]
  confirmIntervalMs: number
  reportIntervalMs: number
  /** Confirmations from which a session is charged (MIN_BILLABLE_S); earlier ones are not billed. */
  minBillableSeconds: number
  /** Connections to open at first (of `tokens`); `limit` raises it. */
  connections: number
}

export type ParentCommand =
  | { cmd: 'setup'; setup: WorkerSetup }
  /** Opens more connections, up to this many, at the ramp rate. */
  | { cmd: 'limit'; connections: number }
  /** Starts the measured window: counters and histograms restart from zero. */
  | { cmd: 'measure' }
  /** Ends the window: the worker sends a final report. */
  | { cmd: 'finish' }
  /** Closes every connection and exits. */
  | { cmd: 'stop' }

export interface HistogramData {
  counts: SparseCounts
  sum: number
  max: number
}

export interface WindowStats {
  sent: number
  answered: number
  /** Answers that were replies (or pongs). */
  ok: number
  errors: Record<string, number>
  /** Confirmations whose reply did not advance confirmedSeconds. */
  uncounted: number
  sessionsStarted: number
  sessionRestarts: number
  /** Round-trip of a confirmation (or ping), µs. */
  latencyUs: HistogramData
  /** Round-trip of watch.start, µs. */
  startLatencyUs: HistogramData
  /**
   * Billing lag from the replies, ms: for each billable confirmation, the time from its reply to
   * the first later reply showing it charged (upper bound), and to the last reply still showing
   * it uncharged (lower bound).
   */
  billingLagUpperMs: HistogramData
  billingLagLowerMs: HistogramData
  /** confirmedSeconds - chargedSeconds in replies of sessions past the billable minimum. */
  unchargedSeconds: HistogramData
  replyBytes: HistogramData
  /** The worker's own CPU time in the window, ms. */
  cpuMs: number
}

export interface WorkerReport {
  type: 'report'
  workerIndex: number
  final: boolean
  atMs: number
  /** Connections open now (hello received). */
  open: number
  /** Connections with an active watch session (or pinging). */
  active: number
  connecting: number
  opened: number
  connectFailures: Record<string, number>
  closes: Record<string, number>
  /** Since the last report. */
  interval: { sent: number; answered: number; latencyUs: HistogramData }
  /** Since `measure` (or since start, before it). */
  window: WindowStats
  /**
   * Acknowledged billable confirmations per 100 ms bucket (key: epoch ms / 100), since the last
   * report: the "confirmed" curve the billing lag from the database is measured against.
   */
  ackedBuckets: Array<[number, number]>
  /** The worker's own event loop delay p99 over the interval, ms. */
  loopDelayP99Ms: number
  cpuUserMs: number
  cpuSystemMs: number
}

export type WorkerMessage = { type: 'ready'; workerIndex: number } | WorkerReport
