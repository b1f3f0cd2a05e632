/**
 * Shapes of the system endpoints, shared by the server (validation, OpenAPI) and the web app
 * (types). TypeBox schemas are plain JSON Schema objects, so both sides can import them.
 */
import { type Static, Type } from '@sinclair/typebox'

export const DependencyStatus = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('degraded')]),
  latencyMs: Type.Optional(Type.Number({ description: 'Round trip of the check in milliseconds.' })),
  detail: Type.Optional(Type.String({ description: 'What is wrong, when something is.' })),
})
export type DependencyStatus = Static<typeof DependencyStatus>

export const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), DependencyStatus),
})
export type ReadyResponse = Static<typeof ReadyResponse>

export const InfoResponse = Type.Object({
  name: Type.String(),
  version: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  chain: Type.Union([Type.Literal('devnet'), Type.Literal('main'), Type.Literal('test')]),
  mode: Type.Object({
    database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
    bus: Type.Union([Type.Literal('in-process'), Type.Literal('redis')]),
    transformer: Type.Union([Type.Literal('local'), Type.Literal('aitubo')]),
  }),
  money: Type.Object({
    viewRateSatsPerSecond: Type.Integer(),
    platformFeeBps: Type.Integer(),
    directSharePct: Type.Integer(),
    creatorSharePct: Type.Integer(),
    minBillableSeconds: Type.Integer(),
    maxSessionSeconds: Type.Integer(),
    marketMinPriceSats: Type.Integer(),
    withdrawMinSats: Type.Integer(),
  }),
})
export type InfoResponse = Static<typeof InfoResponse>
