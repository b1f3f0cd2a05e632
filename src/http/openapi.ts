/**
 * The OpenAPI document (SPEC 10) is generated from the route schemas, so it cannot drift from what
 * the server validates. Served as JSON at /api/v1/openapi.json and browsable at /api/v1/docs.
 *
 * Must be registered before any route: @fastify/swagger collects routes as they are added.
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { ErrorBody } from '../../contracts/errors.ts'
import { cspDirectives, serializeCsp } from './security.ts'

export const API_PREFIX = '/api/v1'
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`
export const DOCS_PATH = `${API_PREFIX}/docs`

export interface OpenApiOptions {
  title: string
  version: string
  publicUrl: string
}

export async function registerOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  // Shared schemas are referenced as { $ref: 'ErrorBody#' } and become components/schemas/ErrorBody.
  app.addSchema(ErrorBody)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: options.title,
        version: options.version,
        description:
          'Every error answers with { error: { code, message, requestId, details? } }; codes are listed ' +
          'in ErrorBody. API requests are rate limited per client (429 with Retry-After).',
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  })

  await app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    // Swagger UI sets inline styles as it renders, so its pages (and only they) allow them.
    staticCSP: serializeCsp(cspDirectives(options.publicUrl, { allowInlineStyles: true })),
    uiConfig: { deepLinking: true, docExpansion: 'list' },
  })

  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger())
}

/** Response schemas every API route shares, for its `schema.response`. */
export const ERROR_RESPONSES = {
  '4xx': { $ref: 'ErrorBody#' },
  '5xx': { $ref: 'ErrorBody#' },
} as const
