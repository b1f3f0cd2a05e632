/**
 * The WebSocket message limit (SPEC 7: 100 messages per client per second, config).
 *
 * A token bucket per connection: it holds up to one second's allowance and refills continuously,
 * so a client may burst up to the limit and then sustain it. A message without a token is
 * dropped (the client is told). A client that keeps sending far past the limit is not a slow
 * reader but a flood, and is judged abusive so the gateway can close it.
 *
 * The gateway talks only to MessageRateLimiter, so the store can change. It is synchronous on
 * purpose: frames are judged in the order they arrive, without holding them while a network
 * store answers. A connection lives on one node, so its count needs no sharing; a fleet-wide
 * count per user (Redis) would sit behind this interface as a local bucket that a background
 * exchange with the shared store tops up.
 */

export type RateVerdict = 'allowed' | 'limited' | 'abusive'

export interface MessageRateLimiter {
  /** Counts one message from `key` (a connection) and judges it. */
  take(key: string): RateVerdict
  /** Forgets `key`, whose connection has closed. */
  forget(key: string): void
}

export interface TokenBucketOptions {
  messagesPerSecond: number
  /**
   * Messages within one second, as a multiple of the limit, from which a client counts as
   * abusive: with 5 and a limit of 100, 400 refusals within a second (500 messages in all).
   */
  abuseMultiple: number
  /** Milliseconds on a monotonic clock; tests pass a fake one. */
  now?: () => number
}

interface Bucket {
  tokens: number
  refilledAtMs: number
  refusalWindowStartMs: number
  refusalsInWindow: number
}

const MS_PER_SECOND = 1000

export class TokenBucketLimiter implements MessageRateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly capacity: number
  private readonly refillPerMs: number
  private readonly abusiveRefusals: number
  private readonly now: () => number

  constructor(options: TokenBucketOptions) {
    if (!(options.messagesPerSecond > 0) || !(options.abuseMultiple > 1)) {
      throw new Error('messagesPerSecond must be positive and abuseMultiple above 1')
    }
    this.capacity = options.messagesPerSecond
    this.refillPerMs = options.messagesPerSecond / MS_PER_SECOND
    this.abusiveRefusals = (options.abuseMultiple - 1) * options.messagesPerSecond
    this.now = options.now ?? (() => performance.now())
  }

  take(key: string): RateVerdict {
    const nowMs = this.now()
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      bucket = {
        tokens: this.capacity,
        refilledAtMs: nowMs,
        refusalWindowStartMs: nowMs,
        refusalsInWindow: 0,
      }
      this.buckets.set(key, bucket)
    }
    bucket.tokens = Math.min(this.capacity, bucket.tokens + (nowMs - bucket.refilledAtMs) * this.refillPerMs)
    bucket.refilledAtMs = nowMs
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 'allowed'
    }
    if (nowMs - bucket.refusalWindowStartMs >= MS_PER_SECOND) {
      bucket.refusalWindowStartMs = nowMs
      bucket.refusalsInWindow = 0
    }
    bucket.refusalsInWindow += 1
    return bucket.refusalsInWindow >= this.abusiveRefusals ? 'abusive' : 'limited'
  }

  forget(key: string): void {
    this.buckets.delete(key)
  }

  /** Connections counted, for tests: a closed connection must not leave its bucket behind. */
  get size(): number {
    return this.buckets.size
  }
}
