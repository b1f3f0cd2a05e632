/**
 * Connections to Redis (REDIS_URL) for the shared bus, rate limits and caches. Each connection
 * reconnects on its own with capped exponential backoff, forever, and reports its state (ready,
 * or connecting / reconnecting since when, with the last error) for readiness and metrics.
 *
 * Redis only ever holds notifications, counters and copies, so nothing waits for it: a command
 * connection has no offline queue (a command sent while Redis is away fails at once and the
 * caller falls back), and in-flight commands fail when the socket closes or after
 * `commandTimeoutMs`. A subscriber connection does queue, so that a SUBSCRIBE issued before the
 * first connect is sent when it comes, and ioredis subscribes again after every reconnect.
 *
 * A Redis that hangs (connected, answering nothing) would cost every caller a command timeout.
 * So a user whose command failed calls commandFailed(), and for `failureCoolOffMs` isUsable()
 * answers false to every user of the connection: the rate limiter, the cache and the bus all go
 * straight to their fallbacks, and one command per interval finds out whether Redis is back.
 *
 * The URL may carry a password: only `redactRedisUrl`'s form of it is ever logged.
 */
import { Redis, type RedisOptions } from 'ioredis'
import { Gauge, type Registry } from 'prom-client'
import { type AppLogger, OutageNotice } from '../../logger.ts'

export type RedisState = 'connecting' | 'ready' | 'reconnecting' | 'closed'

export interface RedisStatus {
  /** What the connection is for, e.g. 'commands' or 'subscriber'. */
  name: string
  state: RedisState
  /** When it stopped being ready (when it was opened, if it never was); null while ready. */
  downSince: Date | null
  /** Reconnection attempts since it was last ready. */
  reconnectAttempts: number
  /** The newest connection error's message, kept until the connection is ready again. */
  lastError: string | null
}

export interface RedisConnectionOptions {
  url: string
  name: string
  logger?: AppLogger
  /** True for a subscriber: commands wait for the connection instead of failing at once. */
  queueWhileDisconnected?: boolean
  /** First reconnection delay; each attempt doubles it up to `maxRetryDelayMs`. */
  minRetryDelayMs?: number
  maxRetryDelayMs?: number
  /** A command unanswered this long fails (command connections only). */
  commandTimeoutMs?: number
  connectTimeoutMs?: number
  /** After a failed command, how long users skip this connection (see isUsable). */
  failureCoolOffMs?: number
  now?: () => Date
}

export const DEFAULT_MIN_RETRY_DELAY_MS = 100
export const DEFAULT_MAX_RETRY_DELAY_MS = 5_000
const DEFAULT_COMMAND_TIMEOUT_MS = 1_000
const DEFAULT_CONNECT_TIMEOUT_MS = 2_000
const DEFAULT_FAILURE_COOL_OFF_MS = 1_000
/** Key and channel prefix of one deployment; tests pass their own to stay apart. */
export const DEFAULT_REDIS_PREFIX = 'memepool:'

/** Delay before reconnection attempt `attempt` (1-based): doubling from minMs, capped at maxMs. */
export function retryDelayMs(attempt: number, minMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30)
  return Math.min(maxMs, minMs * 2 ** exponent)
}

/** The URL with its password (and a user name, which some setups use as a token) masked. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    if (parsed.username && parsed.username !== 'default') parsed.username = '***'
    return parsed.toString()
  } catch {
    return '(unparseable REDIS_URL)'
  }
}

export class RedisConnection {
  readonly redis: Redis
  private readonly name: string
  private readonly log: AppLogger | undefined
  private readonly now: () => Date
  private readonly where: string
  private readonly failureCoolOffMs: number
  private coolOffUntilMs = 0
  private state: RedisState = 'connecting'
  private downSince: Date | null
  private reconnectAttempts = 0
  private lastError: string | null = null
  /** A long outage is one warning, not one per retry. */
  private readonly outage = new OutageNotice()

  constructor(options: RedisConnectionOptions) {
    this.name = options.name
    this.log = options.logger
    this.now = options.now ?? (() => new Date())
    this.downSince = this.now()
    this.where = redactRedisUrl(options.url)
    this.failureCoolOffMs = options.failureCoolOffMs ?? DEFAULT_FAILURE_COOL_OFF_MS
    const minMs = options.minRetryDelayMs ?? DEFAULT_MIN_RETRY_DELAY_MS
    const maxMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS
    const queue = options.queueWhileDisconnected ?? false
    const redisOptions: RedisOptions = {
      connectionName: `memepool:${options.name}`,
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => retryDelayMs(attempt, minMs, maxMs),
      enableOfflineQueue: queue,
      // Queued commands (a subscriber's) wait for the connection however long; others fail
      // when the socket they were sent on closes.
      maxRetriesPerRequest: queue ? null : 0,
      ...(queue ? {} : { commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS }),
    }
    this.redis = new Redis(options.url, redisOptions)
    this.redis.on('ready', () => this.onReady())
    this.redis.on('close', () => this.onClose())
    this.redis.on('reconnecting', () => {
      this.reconnectAttempts += 1
      if (this.state !== 'closed') this.state = 'reconnecting'
    })
    this.redis.on('error', (error: Error) => this.onError(error))
    this.redis.on('end', () => {
      this.state = 'closed'
      this.downSince ??= this.now()
    })
  }

  isReady(): boolean {
    return this.state === 'ready'
  }

  /** Ready, and no command failed within the cool-off: worth sending a command to now. */
  isUsable(): boolean {
    return this.state === 'ready' && this.now().getTime() >= this.coolOffUntilMs
  }

  /** A command failed or timed out: users skip this connection for the cool-off. */
  commandFailed(): void {
    this.coolOffUntilMs = this.now().getTime() + this.failureCoolOffMs
  }

  status(): RedisStatus {
    return {
      name: this.name,
      state: this.state,
      downSince: this.downSince,
      reconnectAttempts: this.reconnectAttempts,
      lastError: this.lastError,
    }
  }

  /** Resolves once ready (at once if it is); rejects after `timeoutMs`. For tests and start-up logs. */
  async waitReady(timeoutMs: number): Promise<void> {
    if (this.isReady()) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady)
        reject(new Error(`redis ${this.name} not ready after ${timeoutMs} ms (${this.where})`))
      }, timeoutMs)
      const onReady = () => {
        clearTimeout(timer)
        resolve()
      }
      this.redis.once('ready', onReady)
    })
  }

  /** Ends the connection: QUIT when connected, a plain disconnect otherwise. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.downSince ??= this.now()
    if (this.redis.status === 'ready') {
      try {
        await this.redis.quit()
        return
      } catch {
        // The server went away mid-QUIT; disconnect below ends the retries all the same.
      }
    }
    this.redis.disconnect(false)
  }

  private onReady(): void {
    if (this.state === 'closed') return
    const downForMs = this.downSince ? this.now().getTime() - this.downSince.getTime() : 0
    const restored = this.outage.up(() =>
      this.log?.info(
        { redis: this.where, connection: this.name, downForMs, attempts: this.reconnectAttempts },
        'redis connection restored',
      ),
    )
    if (!restored) this.log?.debug({ redis: this.where, connection: this.name }, 'redis connection ready')
    this.state = 'ready'
    this.downSince = null
    this.reconnectAttempts = 0
    this.lastError = null
  }

  private onClose(): void {
    if (this.state === 'closed') return
    if (this.state === 'ready') {
      this.downSince = this.now()
      this.state = 'reconnecting'
    }
    this.logOutage()
  }

  private onError(error: Error): void {
    // Without a listener ioredis would print every failed attempt; the message is kept for
    // readiness and the outage logged once.
    this.lastError = error.message
    if (this.state !== 'ready') this.logOutage()
  }

  private logOutage(): void {
    this.outage.down(() =>
      this.log?.warn(
        { redis: this.where, connection: this.name, lastError: this.lastError },
        'redis unreachable; reconnecting with backoff (running degraded meanwhile)',
      ),
    )
  }
}

/**
 * The two connections a node keeps: one for commands (publishing, counters, cache) and one in
 * subscriber mode, which Redis lets run nothing but (un)subscribe.
 */
export interface RedisClients {
  commands: RedisConnection
  subscriber: RedisConnection
  close(): Promise<void>
}

export function openRedisClients(
  url: string,
  options: Omit<RedisConnectionOptions, 'url' | 'name' | 'queueWhileDisconnected'> = {},
): RedisClients {
  const commands = new RedisConnection({ ...options, url, name: 'commands' })
  const subscriber = new RedisConnection({
    ...options,
    url,
    name: 'subscriber',
    queueWhileDisconnected: true,
  })
  return {
    commands,
    subscriber,
    close: async () => {
      await Promise.all([commands.close(), subscriber.close()])
    },
  }
}

/** `redis_up{connection}`: 1 while a connection is ready, 0 otherwise. */
export function registerRedisMetrics(registry: Registry, connections: readonly RedisConnection[]): void {
  new Gauge({
    name: 'redis_up',
    help: 'Whether the Redis connection is ready (1) or down and reconnecting (0).',
    labelNames: ['connection'],
    registers: [registry],
    collect() {
      for (const connection of connections) {
        this.set({ connection: connection.status().name }, connection.isReady() ? 1 : 0)
      }
    },
  })
}
