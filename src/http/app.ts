/**
 * buildApp: the HTTP application, fully assembled but never listening. Tests drive it with
 * app.inject; only main.ts calls listen. Plugins first (errors, metrics, security headers, auth,
 * rate limit, OpenAPI), then routes, then the web app and the not-found handler that serves the SPA.
 * Routes declare their permission with `config: { auth: 'user' | 'admin' }` (see auth/plugin.ts).
 *
 * Paths: /health, /ready and /metrics at the root for probes and scrapers; the API under /api/v1
 * (its document at /api/v1/openapi.json, browsable at /api/v1/docs); everything else is the web app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
  type RawServerDefault,
} from 'fastify'
import type { Registry } from 'prom-client'
import type { Db } from '../adapters/db/database.ts'
import { MemoryRateLimitStore } from '../adapters/rate-limit/memory.ts'
import type { RateLimitStore } from '../adapters/rate-limit/store.ts'
import type { Config } from '../config.ts'
import { type AppLogger, createLogger } from '../logger.ts'
import { AuthService } from '../services/auth/auth.service.ts'
import { rateLimitKey, registerAuth, sessionCookie } from './auth/plugin.ts'
import { authRoutes } from './auth/routes.ts'
import { handleError, sendError, toAppError } from './errors.ts'
import { createHttpMetrics, registerMetrics } from './metrics.ts'
import { API_PREFIX, registerOpenApi } from './openapi.ts'
import { registerRateLimit } from './rate-limit.ts'
import { databaseCheck, Readiness, type ReadinessCheck } from './readiness.ts'
import { REQUEST_ID_HEADER, requestIdFor } from './request-id.ts'
import { buildInfo, infoRoutes, probeRoutes } from './routes/system.ts'
import { registerSecurityHeaders } from './security.ts'
import { strictBodyValidatorFactory } from './validation.ts'
import { registerWebApp } from './web.ts'

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

/** A plugin of API routes, registered under /api/v1. */
export type ApiRoutes = FastifyPluginAsyncTypebox

export interface AppDeps {
  config: Config
  db: Db
  /** The package version, read once by main. */
  version: string
  /** The clock; tests fix it. */
  now?: () => Date
  /** Extra readiness checks (chain, cache, queue...); the database check is always there. */
  readiness?: readonly ReadinessCheck[]
  /** The root logger; by default one is made from config.logLevel writing to stdout. */
  logger?: AppLogger
  /** Where the built web app lives; defaults to <repo>/web/dist. */
  webDistDir?: string
  /** Rate-limit counters; defaults to in-process (a fleet passes the Redis store). */
  rateLimitStore?: RateLimitStore
  /** Registry for this app's metrics; pass one to share it with the ledger, queues, chain. */
  metricsRegistry?: Registry
  /** Fastify's trustProxy: set when behind a load balancer so request.ip is the client's. */
  trustProxy?: FastifyServerOptions['trustProxy']
  /** Route plugins registered under /api/v1 after the built-in ones. */
  apiRoutes?: readonly ApiRoutes[]
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves session tokens; the WebSocket gateway authenticates its upgrades with it. */
    sessions: AuthService
  }
}

export const DEFAULT_WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url))

/** Fastify's default, named: JSON bodies are small; uploads will get their own limit. */
const BODY_LIMIT_BYTES = 1_048_576
/** The response header naming the process that answered, when MEMEPOOL_NODE is set. */
export const NODE_HEADER = 'x-memepool-node'
const RATE_LIMIT_WINDOW_MS = 60_000
const MS_PER_HOUR = 3_600_000

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config } = deps
  const now = deps.now ?? (() => new Date())
  const startedAt = now()

  const logger: FastifyBaseLogger = deps.logger ?? createLogger(config.logLevel)
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    trustProxy: deps.trustProxy ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    schemaController: { compilersFactory: { buildValidator: strictBodyValidatorFactory() } },
    // Malformed URLs are rejected before routing and hooks; answer them in the standard shape too.
    frameworkErrors: (error, request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id)
      return sendError(request, reply, toAppError(error))
    },
  })

  app.decorate('readiness', new Readiness([databaseCheck(deps.db), ...(deps.readiness ?? [])]))
  registerMetrics(app, createHttpMetrics(deps.metricsRegistry))
  const { nodeName } = config
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    // Behind a load balancer, says which process answered (MEMEPOOL_NODE).
    if (nodeName !== undefined) reply.header(NODE_HEADER, nodeName)
  })
  app.setErrorHandler(handleError)

  await registerSecurityHeaders(app, config.publicUrl)
  const auth = new AuthService({
    db: deps.db.kysely,
    siteName: config.siteName,
    publicUrl: config.publicUrl,
    chain: config.chain,
    admins: config.admins,
    sessionTtlMs: config.sessionTtlHours * MS_PER_HOUR,
    // Only the embedded database is a single-owner install where the first sign-in is the owner.
    firstUserIsAdmin: config.databaseUrl === undefined,
    now,
  })
  app.decorate('sessions', auth)
  // Sessions are resolved before the rate limiter, which counts a signed-in client by user id.
  await registerAuth(app, { sessions: auth })
  registerRateLimit(app, {
    store: deps.rateLimitStore ?? new MemoryRateLimitStore(),
    limit: config.rateLimit.apiRequestsPerMinute,
    windowMs: RATE_LIMIT_WINDOW_MS,
    keyFor: rateLimitKey,
  })
  await registerOpenApi(app, {
    title: `${config.siteName} API`,
    version: deps.version,
    publicUrl: config.publicUrl,
  })

  await app.register(probeRoutes)
  const info = buildInfo(config, deps.db.kind, deps.version, startedAt)
  await app.register(infoRoutes, { prefix: API_PREFIX, info })
  await app.register(authRoutes, {
    prefix: API_PREFIX,
    auth,
    cookie: sessionCookie({ publicUrl: config.publicUrl, now }),
  })
  for (const routes of deps.apiRoutes ?? []) await app.register(routes, { prefix: API_PREFIX })

  await registerWebApp(app, { distDir: deps.webDistDir ?? DEFAULT_WEB_DIST_DIR })
  return app.withTypeProvider<TypeBoxTypeProvider>()
}
