/**
 * Where rate-limit counters live. The HTTP plugin only talks to this interface, so the
 * in-process store (one node) and a Redis store (a fleet sharing one count per client) are
 * interchangeable; main.ts picks one.
 */
export interface RateLimitHit {
  /** False once the key has used up `limit` hits in the current window. */
  allowed: boolean
  /** Hits left in the current window, never negative. */
  remaining: number
  /** Milliseconds until the current window ends and the count starts again. */
  resetMs: number
}

export interface RateLimitStore {
  /** Counts one hit for `key` in a fixed window of `windowMs` and says whether it is allowed. */
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitHit>
}
