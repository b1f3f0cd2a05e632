/**
 * Schema validation as Fastify does it, with one change: request bodies are not coerced.
 *
 * Fastify's Ajv converts types by default, which querystrings, params and headers need (they
 * arrive as strings), but in a JSON body it would turn `"1e3"` into 1000 and `true` into 1 for an
 * integer field. Bodies carry amounts of money here, so a body must already have the right types,
 * and a field the schema forbids (additionalProperties: false) is refused rather than silently
 * dropped, so a misspelt `idempotencyKey` is an error and not a payment without one.
 */
import { AjvCompiler } from '@fastify/ajv-compiler'
import type { FastifyServerOptions } from 'fastify'

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>
type ValidatorFactory = NonNullable<NonNullable<SchemaController['compilersFactory']>['buildValidator']>

const STRICT_BODY_OPTIONS = { coerceTypes: false, removeAdditional: false } as const

export function strictBodyValidatorFactory(): ValidatorFactory {
  const fromPool = AjvCompiler()
  return (externalSchemas, serverOptions) => {
    const lenient = fromPool(externalSchemas, serverOptions)
    // Fastify passes its `ajv` server option here; JTD mode is never used in this app.
    const strictOptions = {
      ...serverOptions,
      customOptions: { ...serverOptions?.customOptions, ...STRICT_BODY_OPTIONS },
    } as typeof serverOptions
    const strict = fromPool(externalSchemas, strictOptions)
    return (route) => (route.httpPart === 'body' ? strict(route) : lenient(route))
  }
}
