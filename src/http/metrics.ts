/**
 * Prometheus metrics for the HTTP app. Each app gets its own Registry (never prom-client's
 * global one), so tests can build many apps and main can hand the same registry to the ledger,
 * queues and chain code to register their own metrics: `app.metrics.registry`.
 */
import type { FastifyInstance } from 'fastify'
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

export interface AppMetrics {
  registry: Registry
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>
  httpErrors: Counter<'code'>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics; register more on `metrics.registry`. */
    metrics: AppMetrics
  }
}

/** Finer below SPEC 11's 500 ms response target, where the interesting changes happen. */
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** Route label for requests that matched no route, so junk URLs cannot explode the label set. */
export const UNMATCHED_ROUTE = 'unmatched'

export function createHttpMetrics(registry: Registry = new Registry()): AppMetrics {
  // Process metrics (CPU, memory, event loop lag, handles) are read on each scrape.
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to finishing its response, by route pattern.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [registry],
    }),
    httpErrors: new Counter({
      name: 'http_errors_total',
      help: 'Error responses sent, by error code (see contracts/errors.ts).',
      labelNames: ['code'],
      registers: [registry],
    }),
  }
}

/** Decorates `app.metrics`, times every response and serves GET /metrics. */
export function registerMetrics(app: FastifyInstance, metrics: AppMetrics): void {
  app.decorate('metrics', metrics)

  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE)
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
  })

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(text)
  })
}
