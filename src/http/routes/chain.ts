/**
 * GET /api/v1/chain: the network, the newest block this node has synced and how sync is going.
 * The web app's header polls it for the live block height.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChainStatus } from '../../../contracts/chain.ts'
import type { ChainNetwork } from '../../adapters/chain/source.ts'
import type { BlockSync } from '../../services/chain-sync.ts'
import type { ReadinessCheck } from '../readiness.ts'

export interface ChainRoutesOptions {
  network: ChainNetwork
  sync: BlockSync
}

export function chainRoutes({ network, sync }: ChainRoutesOptions): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/chain',
      {
        schema: {
          tags: ['chain'],
          summary: 'The chain this node follows: network, synced tip and sync state.',
          response: { 200: ChainStatus },
        },
      },
      async () => {
        const status = sync.status()
        return {
          network,
          tip: status.tip,
          sync: {
            state: status.state,
            lastSyncAt: status.lastSyncAt?.toISOString() ?? null,
            lastError: status.lastError,
          },
        }
      },
    )
  }
}

/**
 * The chain source is not critical for serving: watching and the marketplace run on the ledger.
 * A failing sync marks the node degraded so operators see it, without taking it out of rotation.
 */
export function chainReadiness(sync: BlockSync): ReadinessCheck {
  return {
    name: 'chain',
    critical: false,
    check: async () => {
      const status = sync.status()
      if (status.state === 'degraded') {
        return { status: 'degraded', detail: `chain source failing (${status.consecutiveFailures} attempts)` }
      }
      if (status.state === 'starting') return { status: 'degraded', detail: 'first sync not finished' }
      return undefined
    },
  }
}
