/**
 * Readiness: can this node serve traffic right now? The database is always checked; other
 * parts (cache, chain source, transformer, queue length: SPEC 10) register their own checks as
 * they are built, either through `buildApp({ readiness: [...] })` or `app.readiness.register()`.
 *
 * A critical check that fails makes the node unavailable (503, the load balancer stops sending
 * traffic); a non-critical one only marks it degraded (still 200). Checks run concurrently and
 * each has a timeout, so /ready answers promptly even when a dependency hangs.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { DependencyStatus, ReadyResponse } from '../../contracts/system.ts'
import type { Db } from '../adapters/db/database.ts'
import type { RedisConnection, RedisStatus } from '../adapters/redis/client.ts'

export interface ReadinessOutcome {
  status: 'degraded'
  detail?: string
}

export interface ReadinessCheck {
  /** Key in the /ready response, e.g. 'database', 'chain', 'queue'. */
  name: string
  /** When a critical check fails the node is unavailable; otherwise only degraded. */
  critical: boolean
  /** Longest the check may take before it counts as down. */
  timeoutMs?: number
  /**
   * Resolves when healthy, or with a ReadinessOutcome (`{ status: 'degraded', detail }`) when
   * working but impaired; throws or rejects when down. Any other resolved value means healthy,
   * so `check: () => db.ping()` works as is.
   */
  check: () => Promise<unknown>
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness
  }
}

const DEFAULT_CHECK_TIMEOUT_MS = 2_000

function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100
}

function isDegraded(outcome: unknown): outcome is ReadinessOutcome {
  return (
    typeof outcome === 'object' && outcome !== null && (outcome as ReadinessOutcome).status === 'degraded'
  )
}

class CheckTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`)
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(timeoutMs)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>()

  constructor(checks: readonly ReadinessCheck[] = []) {
    for (const check of checks) this.register(check)
  }

  register(check: ReadinessCheck): void {
    if (this.checks.has(check.name)) throw new Error(`readiness check "${check.name}" is already registered`)
    this.checks.set(check.name, check)
  }

  async run(log: FastifyBaseLogger): Promise<ReadyResponse> {
    const entries = [...this.checks.values()]
    const results = await Promise.all(entries.map((check) => this.runOne(check, log)))
    const statuses: Record<string, DependencyStatus> = {}
    let status: ReadyResponse['status'] = 'ready'
    entries.forEach((check, i) => {
      const result = results[i]!
      statuses[check.name] = result
      if (result.status === 'up') return
      if (result.status === 'down' && check.critical) status = 'unavailable'
      else if (status === 'ready') status = 'degraded'
    })
    return { status, checks: statuses }
  }

  private async runOne(check: ReadinessCheck, log: FastifyBaseLogger): Promise<DependencyStatus> {
    const startedMs = performance.now()
    try {
      const outcome = await withTimeout(check.check(), check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS)
      const latencyMs = roundMs(performance.now() - startedMs)
      if (isDegraded(outcome)) return { status: 'degraded', latencyMs, detail: outcome.detail }
      return { status: 'up', latencyMs }
    } catch (error) {
      const latencyMs = roundMs(performance.now() - startedMs)
      // /ready is public: the response names the failure, the log (same request id) has the error.
      log.warn({ err: error, check: check.name }, 'readiness check failed')
      const detail = error instanceof CheckTimeout ? error.message : 'check failed; see the server log'
      return { status: 'down', latencyMs, detail }
    }
  }
}

export function databaseCheck(db: Db): ReadinessCheck {
  return {
    name: 'database',
    critical: true,
    check: () => db.ping(),
  }
}

function describeRedisOutage(status: RedisStatus): string {
  const since = status.downSince ? ` since ${status.downSince.toISOString()}` : ''
  return `${status.name} ${status.state}${since} (${status.reconnectAttempts} reconnection attempts)`
}

/**
 * Redis (REDIS_URL) is not critical, so its outage answers 200 'degraded', never 503: it carries
 * notifications, shared counters and cached copies, each with an in-process fallback (the bus
 * still delivers on this node, rate limits count per node, caches miss to the database), so a
 * node without it still serves correctly and bills exactly. Failing readiness would make the load
 * balancer drop every node at once and turn a degraded fleet into an outage. The detail names the
 * connection that is down and since when; its errors are in the log, not in this public answer.
 */
export function redisCheck(connections: readonly RedisConnection[]): ReadinessCheck {
  return {
    name: 'redis',
    critical: false,
    check: async (): Promise<ReadinessOutcome | undefined> => {
      const down = connections.map((c) => c.status()).filter((status) => status.state !== 'ready')
      if (down.length > 0) return { status: 'degraded', detail: down.map(describeRedisOutage).join('; ') }
      const commands = connections[0]
      if (commands === undefined) return undefined
      try {
        await commands.redis.ping()
        return undefined
      } catch {
        return { status: 'degraded', detail: `${commands.status().name} connected but PING failed` }
      }
    },
  }
}
