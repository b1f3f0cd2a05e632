/**
 * Probes and facts about this node. /health and /ready sit at the root, where load balancers
 * and orchestrators look for them; /api/v1/info tells the web app how this node is configured.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ERROR_CODES, ErrorBody } from '../../../contracts/errors.ts'
import { InfoResponse, ReadyResponse } from '../../../contracts/system.ts'
import type { DatabaseKind } from '../../adapters/db/database.ts'
import type { Config } from '../../config.ts'
import { AppError, errorBody } from '../errors.ts'
import { ERROR_RESPONSES } from '../openapi.ts'

/** Probe answers must never be cached by a proxy: a stale "ready" is worse than none. */
const NO_STORE = 'no-store'

/**
 * Probes are polled every second or so by each load balancer (the cluster's front too), so
 * their requests are not logged at info; a failing readiness check still logs its warning.
 */
const PROBE_LOG_LEVEL = 'warn'

const HealthResponse = Type.Object({ status: Type.Literal('ok') })

/** A 503 from /ready is both a readiness report and a standard error body. */
const ReadyUnavailableResponse = Type.Composite([ReadyResponse, ErrorBody])

export const probeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      logLevel: PROBE_LOG_LEVEL,
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process is up and serving HTTP.',
        response: { 200: HealthResponse },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', NO_STORE)
      return { status: 'ok' as const }
    },
  )

  app.get(
    '/ready',
    {
      logLevel: PROBE_LOG_LEVEL,
      schema: {
        tags: ['system'],
        summary: 'Readiness: the database and registered dependencies answer.',
        response: { 200: ReadyResponse, 503: ReadyUnavailableResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', NO_STORE)
      const report = await app.readiness.run(request.log)
      if (report.status !== 'unavailable') return report
      const error = new AppError('SERVICE_UNAVAILABLE', { message: 'A critical dependency is down.' })
      app.metrics.httpErrors.inc({ code: error.code })
      return reply
        .code(ERROR_CODES.SERVICE_UNAVAILABLE.status)
        .send({ ...report, ...errorBody(error, request.id) })
    },
  )
}

export interface InfoRoutesOptions {
  info: InfoResponse
}

export function buildInfo(
  config: Config,
  databaseKind: DatabaseKind,
  version: string,
  startedAt: Date,
): InfoResponse {
  const { money } = config
  return {
    name: config.siteName,
    version,
    startedAt: startedAt.toISOString(),
    chain: config.chain,
    mode: {
      database: databaseKind,
      bus: config.redisUrl ? 'redis' : 'in-process',
      transformer: config.transformer,
    },
    money: {
      viewRateSatsPerSecond: money.viewRateSatsPerSecond,
      platformFeeBps: money.platformFeeBps,
      directSharePct: money.directSharePct,
      creatorSharePct: money.creatorSharePct,
      minBillableSeconds: money.minBillableSeconds,
      maxSessionSeconds: money.maxSessionSeconds,
      marketMinPriceSats: money.marketMinPriceSats,
      withdrawMinSats: money.withdrawMinSats,
    },
  }
}

export const infoRoutes: FastifyPluginAsyncTypebox<InfoRoutesOptions> = async (app, options) => {
  app.get(
    '/info',
    {
      schema: {
        tags: ['system'],
        summary: 'Name, version, modes and money rules of this node.',
        response: { 200: InfoResponse, ...ERROR_RESPONSES },
      },
    },
    async () => options.info,
  )
}
