/**
 * Chain data as the API serves it (shared by server and web app).
 */
import { type Static, Type } from '@sinclair/typebox'

export const BlockSummary = Type.Object({
  height: Type.Integer({ minimum: 0 }),
  hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  prevHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  merkleRoot: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  time: Type.Integer({ description: 'Block time, seconds since 1970.' }),
  txCount: Type.Integer({ minimum: 0 }),
})
export type BlockSummary = Static<typeof BlockSummary>

export const ChainStatus = Type.Object({
  network: Type.Union([Type.Literal('devnet'), Type.Literal('main'), Type.Literal('test')]),
  tip: Type.Union([BlockSummary, Type.Null()], {
    description: 'The newest block this server has synced; null before the first sync.',
  }),
  sync: Type.Object({
    state: Type.Union([
      Type.Literal('starting'),
      Type.Literal('synced'),
      Type.Literal('catching-up'),
      Type.Literal('degraded'),
    ]),
    lastSyncAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
  }),
})
export type ChainStatus = Static<typeof ChainStatus>
