/**
 * What nodes share, picked once by main.ts from REDIS_URL: the bus, the API rate-limit counters
 * and the cache. Without REDIS_URL everything stays in this process exactly as a single node has
 * always run (InProcessBus, MemoryRateLimitStore, MemoryCache). With it, the fleet shares them
 * through two Redis connections per process (commands, subscriber), which readiness reports and
 * shutdown closes.
 */
import type { Registry } from 'prom-client'
import type { RoundView } from '../../../contracts/rounds.ts'
import { type ReadinessCheck, redisCheck } from '../../http/readiness.ts'
import type { AppLogger } from '../../logger.ts'
import { type Bus, InProcessBus } from '../bus/bus.ts'
import { RedisBus } from '../bus/redis-bus.ts'
import { type Cache, MemoryCache } from '../cache/cache.ts'
import { CachedValue } from '../cache/cached-value.ts'
import { RedisCache } from '../cache/redis-cache.ts'
import { MemoryRateLimitStore } from '../rate-limit/memory.ts'
import { RedisRateLimitStore } from '../rate-limit/redis.ts'
import type { RateLimitStore } from '../rate-limit/store.ts'
import { openRedisClients, registerRedisMetrics } from './client.ts'

/** How long the current round's view is served from the cache when no 'round.updated' says otherwise. */
export const ROUND_CACHE_TTL_MS = 1_000
const ROUND_CACHE_KEY = 'round:current'

export interface SharedState {
  bus: Bus
  rateLimitStore: RateLimitStore
  cache: Cache
  /** Readiness checks of the shared parts (Redis); none in process. */
  readiness: ReadinessCheck[]
  /** Reads the current round through the cache, dropping the copy on every 'round.updated'. */
  cacheCurrentRound(queries: { cacheCurrentRound(cached: CachedValue<RoundView | null>): void }): void
  /** Closes the Redis connections; call once nothing publishes any more. */
  close(): Promise<void>
}

export interface SharedStateOptions {
  redisUrl: string | undefined
  /** Keys and channels of this deployment start with it, so deployments can share one Redis. */
  redisPrefix?: string
  logger: AppLogger
  registry?: Registry
}

export function openSharedState(options: SharedStateOptions): SharedState {
  if (options.redisUrl === undefined) {
    return withRoundCache({
      bus: new InProcessBus(),
      rateLimitStore: new MemoryRateLimitStore(),
      cache: new MemoryCache(),
      readiness: [],
      close: async () => {},
    })
  }
  const logger = options.logger.child({ component: 'redis' })
  const { registry, redisPrefix: prefix } = options
  const clients = openRedisClients(options.redisUrl, { logger })
  if (registry) registerRedisMetrics(registry, [clients.commands, clients.subscriber])
  const bus = new RedisBus({
    publisher: clients.commands,
    subscriber: clients.subscriber,
    logger,
    registry,
    prefix,
  })
  return withRoundCache({
    bus,
    rateLimitStore: new RedisRateLimitStore({ connection: clients.commands, logger, registry, prefix }),
    cache: new RedisCache({ connection: clients.commands, logger, prefix }),
    readiness: [redisCheck([clients.commands, clients.subscriber])],
    close: async () => {
      bus.close()
      await clients.close()
    },
  })
}

function withRoundCache(state: Omit<SharedState, 'cacheCurrentRound'>): SharedState {
  return {
    ...state,
    cacheCurrentRound(queries) {
      const cached = new CachedValue<RoundView | null>(state.cache, ROUND_CACHE_KEY, ROUND_CACHE_TTL_MS)
      cached.invalidateOn(state.bus, 'round.updated')
      queries.cacheCurrentRound(cached)
    },
  }
}
