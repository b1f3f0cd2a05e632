/**
 * Rate-limit counters in this process: fixed windows per key. Good for one node; a fleet needs
 * the shared (Redis) store or each node would allow the full limit on its own.
 *
 * Memory stays bounded two ways: expired windows are swept at most once per `sweepIntervalMs`
 * (lazily, on a hit, so there is no timer to stop), and when `maxKeys` distinct clients are live
 * at once the oldest window is dropped, which can only ever be generous to that client.
 */
import type { RateLimitHit, RateLimitStore } from './store.ts'

export interface MemoryRateLimitStoreOptions {
  /** Distinct keys kept at most; beyond it the oldest window is forgotten. */
  maxKeys?: number
  /** How often expired windows are swept out. */
  sweepIntervalMs?: number
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number
}

interface Window {
  count: number
  resetAtMs: number
}

const DEFAULT_MAX_KEYS = 100_000
const DEFAULT_SWEEP_INTERVAL_MS = 60_000

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>()
  private readonly maxKeys: number
  private readonly sweepIntervalMs: number
  private readonly now: () => number
  private nextSweepAtMs: number

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS
    this.sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS
    this.now = options.now ?? Date.now
    this.nextSweepAtMs = this.now() + this.sweepIntervalMs
  }

  /** Keys currently held, for tests and a gauge. */
  get size(): number {
    return this.windows.size
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitHit> {
    const nowMs = this.now()
    if (nowMs >= this.nextSweepAtMs) this.sweep(nowMs)

    let window = this.windows.get(key)
    if (window === undefined || window.resetAtMs <= nowMs) {
      // Deleting before setting moves the key to the end of the Map's insertion order, so the
      // first entry is always the window that started longest ago: the one to evict.
      this.windows.delete(key)
      if (this.windows.size >= this.maxKeys) this.evictOldest()
      window = { count: 0, resetAtMs: nowMs + windowMs }
      this.windows.set(key, window)
    }
    window.count += 1
    return {
      allowed: window.count <= limit,
      remaining: Math.max(0, limit - window.count),
      resetMs: window.resetAtMs - nowMs,
    }
  }

  private sweep(nowMs: number): void {
    for (const [key, window] of this.windows) {
      if (window.resetAtMs <= nowMs) this.windows.delete(key)
    }
    this.nextSweepAtMs = nowMs + this.sweepIntervalMs
  }

  private evictOldest(): void {
    const oldest = this.windows.keys().next()
    if (!oldest.done) this.windows.delete(oldest.value)
  }
}
