/**
 * Admin money routes (contracts/admin.ts): open alerts, lifting a user's freeze (which also
 * resolves that user's alerts), and the hot wallet's coins, queue and transactions in flight.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AlertsResponse, HotWalletResponse, UnfreezeResponse, UserParams } from '../../../contracts/admin.ts'
import type { DepositsRepository } from '../../services/wallet/deposits.repository.ts'
import type { PayoutService } from '../../services/wallet/payouts.ts'
import { requireUser } from '../auth/plugin.ts'
import { AppError } from '../errors.ts'
import { ERROR_RESPONSES } from '../openapi.ts'

const ALERTS_LIMIT = 100

export interface AdminWalletRoutesOptions {
  deposits: Pick<DepositsRepository, 'openAlerts' | 'unfreezeUser' | 'resolveAlertsOfUser' | 'userExists'>
  payouts: Pick<PayoutService, 'status'>
  now?: () => Date
}

export function adminWalletRoutes(options: AdminWalletRoutesOptions): FastifyPluginAsyncTypebox {
  const { deposits, payouts } = options
  const now = options.now ?? (() => new Date())
  return async (app) => {
    app.get(
      '/admin/alerts',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['admin'],
          summary: 'Open alerts, newest first.',
          response: { 200: AlertsResponse, ...ERROR_RESPONSES },
        },
      },
      async () => ({
        alerts: (await deposits.openAlerts(ALERTS_LIMIT)).map((a) => ({
          ...a,
          createdAt: a.createdAt.toISOString(),
        })),
      }),
    )

    app.post(
      '/admin/users/:id/unfreeze',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['admin'],
          summary: "Lifts a user's freeze and resolves their alerts.",
          params: UserParams,
          response: { 200: UnfreezeResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const userId = request.params.id
        if (!(await deposits.userExists(userId))) throw new AppError('NOT_FOUND', { details: { userId } })
        const wasFrozen = await deposits.unfreezeUser(userId)
        const alertsResolved = await deposits.resolveAlertsOfUser(userId, now())
        request.log.warn(
          { userId, by: requireUser(request).id, wasFrozen, alertsResolved },
          'account unfrozen',
        )
        return { userId, wasFrozen, alertsResolved }
      },
    )

    app.get(
      '/admin/hot-wallet',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['admin'],
          summary: "The hot wallet's coins, the withdrawal queue and transactions in flight.",
          response: { 200: HotWalletResponse, ...ERROR_RESPONSES },
        },
      },
      () => payouts.status(),
    )
  }
}
