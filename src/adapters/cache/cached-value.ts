/**
 * One value read through a cache, with a short TTL and explicit invalidation: the current round
 * and its leaderboard, which every page and WebSocket subscriber asks for and every charge
 * changes. Whoever changes the value publishes a bus topic ('round.updated'); every node calls
 * invalidate() when it hears it, so the TTL only bounds staleness when a message is lost.
 *
 * Two races are closed here rather than left to the TTL:
 *   - A value computed before an invalidation is not stored after it: each invalidation starts a
 *     new generation, and a load stores its result only if the generation did not change.
 *   - Concurrent misses in one generation share one computation instead of each running it.
 */
import type { Bus, Topic } from '../bus/bus.ts'
import type { Cache } from './cache.ts'

export class CachedValue<T> {
  private generation = 0
  private inFlight: { generation: number; promise: Promise<T> } | undefined

  constructor(
    private readonly cache: Cache,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async get(load: () => Promise<T>): Promise<T> {
    const hit = await this.cache.get<T>(this.key)
    if (hit !== undefined) return hit
    if (this.inFlight?.generation === this.generation) return this.inFlight.promise
    const generation = this.generation
    const promise = this.loadAndStore(load, generation)
    this.inFlight = { generation, promise }
    try {
      return await promise
    } finally {
      if (this.inFlight?.promise === promise) this.inFlight = undefined
    }
  }

  /** Forgets the value here and in a shared cache; loads already running will not store theirs. */
  async invalidate(): Promise<void> {
    this.generation += 1
    await this.cache.delete(this.key)
  }

  /** Invalidates on every message of `topic`; returns the unsubscribe function. */
  invalidateOn(bus: Bus, topic: Topic): () => void {
    return bus.subscribe(topic, () => {
      void this.invalidate()
    })
  }

  private async loadAndStore(load: () => Promise<T>, generation: number): Promise<T> {
    const value = await load()
    if (generation === this.generation) await this.cache.set(this.key, value, this.ttlMs)
    return value
  }
}
