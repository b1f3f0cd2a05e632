/**
 * Short-lived copies of what is expensive to compute and read often (the current round and its
 * leaderboard). In one process the cache is a Map; a fleet shares one in Redis (redis-cache.ts)
 * behind the same interface, and main.ts picks one.
 *
 * A cache is never the record: any get may miss (expired, evicted, Redis away), and the caller
 * then computes the value itself. Values are JSON (bigint-safe in Redis); `null` is a value,
 * `undefined` means a miss.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
}

export interface MemoryCacheOptions {
  /** Entries kept at most; beyond it the oldest is dropped. */
  maxEntries?: number
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number
}

interface Entry {
  value: unknown
  expiresAtMs: number
}

const DEFAULT_MAX_ENTRIES = 10_000

export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>()
  private readonly maxEntries: number
  private readonly now: () => number

  constructor(options: MemoryCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES
    this.now = options.now ?? Date.now
  }

  get size(): number {
    return this.entries.size
  }

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value as T
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    // Deleting first moves the key to the end of insertion order: the first key is the oldest.
    this.entries.delete(key)
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
    this.entries.set(key, { value, expiresAtMs: this.now() + ttlMs })
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key)
  }
}
