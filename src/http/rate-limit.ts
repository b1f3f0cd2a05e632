/**
 * Per-client API rate limit (SPEC 7: 1,000 requests per minute, config). Counting lives behind
 * RateLimitStore so a fleet can share counts in Redis; this hook only decides what is counted,
 * under which key, and how a refusal looks: 429, `Retry-After` in seconds, code RATE_LIMITED.
 *
 * Only /api/ is limited. Probes (/health, /ready, /metrics) must keep answering while a client
 * is being throttled, and the SPA's static files are cheap and cached.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RateLimitStore } from '../adapters/rate-limit/store.ts'
import { AppError, sendError } from './errors.ts'

export interface RateLimitOptions {
  store: RateLimitStore
  /** Requests allowed per key in each window. */
  limit: number
  windowMs: number
  /** The client a request counts against; the IP until requests carry a user id. */
  keyFor?: (request: FastifyRequest) => string
}

const MS_PER_SECOND = 1000

export function isRateLimitedPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')
}

export function clientIpKey(request: FastifyRequest): string {
  return `ip:${request.ip}`
}

export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): void {
  const keyFor = options.keyFor ?? clientIpKey
  const limit = options.limit

  app.addHook('onRequest', async (request, reply) => {
    if (!isRateLimitedPath(request.url)) return
    let hit: Awaited<ReturnType<RateLimitStore['hit']>>
    try {
      hit = await options.store.hit(keyFor(request), limit, options.windowMs)
    } catch (error) {
      // A broken counter store must not take the API down with it: fail open, loudly.
      request.log.error({ err: error }, 'rate-limit store failed; request let through')
      return
    }
    const resetSeconds = Math.ceil(hit.resetMs / MS_PER_SECOND)
    reply.header('x-ratelimit-limit', limit)
    reply.header('x-ratelimit-remaining', hit.remaining)
    reply.header('x-ratelimit-reset', resetSeconds)
    if (hit.allowed) return

    const retryAfterSeconds = Math.max(1, resetSeconds)
    reply.header('retry-after', retryAfterSeconds)
    request.log.debug({ limit }, 'rate limit reached')
    return sendError(request, reply, new AppError('RATE_LIMITED', { details: { limit, retryAfterSeconds } }))
  })
}
