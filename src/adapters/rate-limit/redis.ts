/**
 * Rate-limit counters shared by every node (REDIS_URL): one fixed window per key in Redis, so a
 * client gets its limit once across the fleet, not once per node.
 *
 * A hit is one Lua script, INCR then PEXPIRE on the window's first hit, run atomically by Redis:
 * concurrent hits from any number of nodes are counted exactly, and a window can never be left
 * without an expiry. The script is registered as a command, so each hit sends its SHA (EVALSHA)
 * rather than its text; ioredis sends the text once more when Redis has forgotten it (NOSCRIPT).
 *
 * While Redis is unreachable (not connected, or a command failed or timed out within the
 * connection's cool-off: RedisConnection.isUsable), hits are counted by an in-process store
 * instead, which is per node and so more generous, never stricter; a Redis that hangs costs one
 * command timeout per cool-off, not one per request. Each outage is logged once, counted in
 * `rate_limit_redis_fallbacks_total`, and readiness reports Redis itself.
 */
import { Counter, type Registry } from 'prom-client'
import { type AppLogger, OutageNotice } from '../../logger.ts'
import { DEFAULT_REDIS_PREFIX, type RedisConnection } from '../redis/client.ts'
import { MemoryRateLimitStore } from './memory.ts'
import type { RateLimitHit, RateLimitStore } from './store.ts'

/**
 * KEYS[1] the window's key, ARGV[1] its length in ms. Returns { count, ms left }. A key without
 * an expiry (the first hit of a window) answers PTTL -1 and gets the window's.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`

const HIT_COMMAND = 'memepoolRateLimitHit'

/** The connection once HIT_SCRIPT is defined on it as HIT_COMMAND. */
type WithHitCommand = { [HIT_COMMAND]: (key: string, windowMs: number) => Promise<unknown> }

export interface RedisRateLimitStoreOptions {
  connection: RedisConnection
  /** Key prefix; every node of a deployment uses the same one. */
  prefix?: string
  /** Counts hits while Redis is unreachable; an in-process store by default. */
  fallback?: RateLimitStore
  logger?: AppLogger
  registry?: Registry
}

export class RedisRateLimitStore implements RateLimitStore {
  private readonly connection: RedisConnection
  private readonly keyPrefix: string
  private readonly fallback: RateLimitStore
  private readonly log: AppLogger | undefined
  private readonly fallbacksCounter: Counter | undefined
  private readonly outage = new OutageNotice()
  private outages_ = 0

  constructor(options: RedisRateLimitStoreOptions) {
    this.connection = options.connection
    this.keyPrefix = `${options.prefix ?? DEFAULT_REDIS_PREFIX}rl:`
    this.fallback = options.fallback ?? new MemoryRateLimitStore()
    this.connection.redis.defineCommand(HIT_COMMAND, { numberOfKeys: 1, lua: HIT_SCRIPT })
    this.log = options.logger
    if (options.registry) {
      this.fallbacksCounter = new Counter({
        name: 'rate_limit_redis_fallbacks_total',
        help: 'Times the shared rate limiter fell back to in-process counting because Redis was unreachable.',
        registers: [options.registry],
      })
    }
  }

  /** Outages so far: times counting moved from Redis to the in-process store. */
  get outages(): number {
    return this.outages_
  }

  /** True while hits are counted in process because Redis is unreachable. */
  get degraded(): boolean {
    return this.outage.active
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitHit> {
    if (!this.connection.isUsable()) return this.fallbackHit(key, limit, windowMs)
    let reply: unknown
    try {
      const redis = this.connection.redis as unknown as WithHitCommand
      reply = await redis[HIT_COMMAND](this.keyPrefix + key, windowMs)
    } catch (error) {
      this.connection.commandFailed()
      return this.fallbackHit(key, limit, windowMs, error)
    }
    this.recovered()
    const [count, ttlMs] = reply as [number, number]
    return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetMs: ttlMs }
  }

  private fallbackHit(key: string, limit: number, windowMs: number, error?: unknown): Promise<RateLimitHit> {
    const first = this.outage.down(() =>
      this.log?.warn(
        { err: error, redisState: this.connection.status().state },
        'redis unreachable: rate limits are counted per node until it is back',
      ),
    )
    if (first) {
      this.outages_ += 1
      this.fallbacksCounter?.inc()
    }
    return this.fallback.hit(key, limit, windowMs)
  }

  private recovered(): void {
    this.outage.up(() => this.log?.info('rate limits are shared through redis again'))
  }
}
