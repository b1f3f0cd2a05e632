/**
 * GET /api/v1/wallet: the signed-in user's deposit address (allocated on the first request),
 * balance, pending deposits and recent deposits.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { WalletResponse } from '../../../contracts/wallet.ts'
import type { WalletService, WalletView } from '../../services/wallet/wallet.service.ts'
import { requireUser } from '../auth/plugin.ts'

export interface WalletRoutesOptions {
  wallet: Pick<WalletService, 'view'>
}

export function walletRoutes({ wallet }: WalletRoutesOptions): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/wallet',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['wallet'],
          summary: 'Your deposit address, balance and recent deposits.',
          response: { 200: WalletResponse },
        },
      },
      async (request) => toResponse(await wallet.view(requireUser(request).id)),
    )
  }
}

function toResponse(view: WalletView): WalletResponse {
  return {
    depositAddress: view.depositAddress,
    requiredConfirmations: view.requiredConfirmations,
    frozen: view.frozen,
    balance: view.balance,
    deposits: view.deposits.map((d) => ({
      txid: d.txid,
      vout: d.vout,
      satoshis: d.satoshis,
      state: d.state,
      confirmations: d.confirmations,
      blockHeight: d.blockHeight,
      firstSeenAt: d.firstSeenAt.toISOString(),
      creditedAt: d.creditedAt?.toISOString() ?? null,
    })),
  }
}
