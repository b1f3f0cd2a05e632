/**
 * A token bucket for outgoing requests. WhatsOnChain counts requests per IP (about 3 per second
 * without a key), so every call the process makes must draw from one bucket: `sharedWocLimiter`
 * is that bucket, and the client takes it by default. Tests inject their own.
 *
 * It is written as GCRA (the "virtual scheduling" form of a token bucket): each `take` reserves
 * the next free slot synchronously, so callers are served in call order without a queue, and a
 * caller waits only for its own slot.
 */

export interface RequestLimiter {
  /** Resolves when the caller may send one request. */
  take(): Promise<void>
}

export interface TokenBucketOptions {
  requestsPerSecond: number
  /** Requests that may go out back to back after a quiet spell; 1 spaces every request evenly. */
  burst?: number
  /** Milliseconds clock; tests may fix it. */
  nowMs?: () => number
  sleep?: (ms: number) => Promise<void>
}

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export class TokenBucket implements RequestLimiter {
  readonly requestsPerSecond: number
  private readonly intervalMs: number
  private readonly burstWindowMs: number
  private readonly nowMs: () => number
  private readonly sleep: (ms: number) => Promise<void>
  /** When the next request would be due if requests had gone out exactly at the rate. */
  private theoreticalArrivalMs = Number.NEGATIVE_INFINITY

  /** Takes the options, or just the rate: `new TokenBucket(3)` spaces requests a third of a second apart. */
  constructor(rateOrOptions: TokenBucketOptions | number) {
    const options = typeof rateOrOptions === 'number' ? { requestsPerSecond: rateOrOptions } : rateOrOptions
    const burst = options.burst ?? 1
    if (!(options.requestsPerSecond > 0) || !Number.isInteger(burst) || burst < 1) {
      throw new Error(`invalid token bucket: ${options.requestsPerSecond} rps, burst ${burst}`)
    }
    this.requestsPerSecond = options.requestsPerSecond
    this.intervalMs = 1000 / options.requestsPerSecond
    this.burstWindowMs = (burst - 1) * this.intervalMs
    this.nowMs = options.nowMs ?? (() => performance.now())
    this.sleep = options.sleep ?? sleepMs
  }

  async take(): Promise<void> {
    const now = this.nowMs()
    const arrival = Math.max(this.theoreticalArrivalMs, now)
    const waitMs = arrival - this.burstWindowMs - now
    this.theoreticalArrivalMs = arrival + this.intervalMs
    if (waitMs > 0) await this.sleep(waitMs)
  }
}

let shared: TokenBucket | undefined

/**
 * The process's one WhatsOnChain bucket. The rate comes from config (WOC_RPS), which a process
 * reads once; asking for a different rate later is a wiring bug, not something to paper over.
 */
export function sharedWocLimiter(requestsPerSecond: number): TokenBucket {
  if (shared === undefined) shared = new TokenBucket({ requestsPerSecond })
  if (shared.requestsPerSecond !== requestsPerSecond) {
    throw new Error(
      `the WhatsOnChain limiter already runs at ${shared.requestsPerSecond} rps; asked for ${requestsPerSecond}`,
    )
  }
  return shared
}
