/**
 * Withdrawals and the wallet history of the signed-in user (contracts/withdrawals.ts):
 *   GET  /wallet/withdrawals/quote  what a withdrawal costs and delivers, before confirming
 *   POST /wallet/withdrawals        request one (201, or 200 for a retry with the same key)
 *   GET  /wallet/withdrawals        recent withdrawals with their states
 *   GET  /wallet/history            the account's ledger movements, filtered and paged
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  HistoryQuery,
  HistoryResponse,
  WithdrawalQuote,
  WithdrawalQuoteQuery,
  WithdrawalRequestBody,
  WithdrawalsResponse,
  WithdrawalView,
} from '../../../contracts/withdrawals.ts'
import { userAccountId } from '../../ledger/accounts.ts'
import type { Ledger } from '../../ledger/ledger.ts'
import type { Withdrawal } from '../../services/wallet/withdrawals.repository.ts'
import {
  type WithdrawalFailure,
  type WithdrawalService,
  withdrawalFeeSats,
} from '../../services/wallet/withdrawals.ts'
import { requireUser } from '../auth/plugin.ts'
import { AppError } from '../errors.ts'
import { ERROR_RESPONSES } from '../openapi.ts'

export interface WithdrawalRoutesOptions {
  withdrawals: Pick<WithdrawalService, 'quote' | 'request' | 'list'>
  ledger: Pick<Ledger, 'transfersOf'>
  minimumSats: number
  feeRateSatsPerKb: number
}

const DEPOSIT_CODES = ['deposit', 'deposit_reversal']
const WITHDRAWAL_CODES = ['withdrawal', 'withdrawal_refund']
const DEFAULT_HISTORY_LIMIT = 50

export function withdrawalRoutes(options: WithdrawalRoutesOptions): FastifyPluginAsyncTypebox {
  const { withdrawals, ledger } = options
  return async (app) => {
    app.get(
      '/wallet/withdrawals/quote',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['wallet'],
          summary: 'The network fee and the amount received for a withdrawal of this amount.',
          querystring: WithdrawalQuoteQuery,
          response: { 200: WithdrawalQuote, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const result = withdrawals.quote(request.query.amountSats, request.query.address)
        if (result.status !== 'ok') throw failure(result.status)
        return result.quote
      },
    )

    app.post(
      '/wallet/withdrawals',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['wallet'],
          summary:
            'Withdraw to a BSV address; the amount leaves the balance at once and is paid in the next batch.',
          body: WithdrawalRequestBody,
          response: { 200: WithdrawalView, 201: WithdrawalView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const result = await withdrawals.request(requireUser(request).id, request.body)
        if (result.status !== 'created' && result.status !== 'existing') throw failure(result.status)
        reply.code(result.status === 'created' ? 201 : 200)
        return toView(result.withdrawal)
      },
    )

    app.get(
      '/wallet/withdrawals',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['wallet'],
          summary: 'Your recent withdrawals, the minimum and the current network fee.',
          response: { 200: WithdrawalsResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => ({
        minimumSats: options.minimumSats,
        feeSats: withdrawalFeeSats(options.feeRateSatsPerKb),
        withdrawals: (await withdrawals.list(requireUser(request).id)).map(toView),
      }),
    )

    app.get(
      '/wallet/history',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['wallet'],
          summary: 'Every movement of your balance, newest first, with the ledger transfer behind it.',
          querystring: HistoryQuery,
          response: { 200: HistoryResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const account = userAccountId(requireUser(request).id)
        const { kind = 'all', beforeSeq, limit = DEFAULT_HISTORY_LIMIT } = request.query
        const rows = await ledger.transfersOf(account, {
          beforeSeq,
          limit,
          ...(kind === 'deposits' && { codes: DEPOSIT_CODES }),
          ...(kind === 'withdrawals' && { codes: WITHDRAWAL_CODES }),
          ...(kind === 'other' && { excludeCodes: [...DEPOSIT_CODES, ...WITHDRAWAL_CODES] }),
        })
        return {
          entries: rows.map((t) => {
            const incoming = t.creditAccountId === account
            return {
              transferId: t.id,
              seq: t.seq,
              code: t.code,
              direction: incoming ? ('in' as const) : ('out' as const),
              amountSats: t.amountSats,
              counterparty: incoming ? t.debitAccountId : t.creditAccountId,
              ref: t.ref,
              createdAt: t.createdAt.toISOString(),
            }
          }),
          nextBeforeSeq: rows.length === limit ? rows[rows.length - 1]!.seq : null,
        }
      },
    )
  }
}

function failure(code: WithdrawalFailure): AppError {
  return new AppError(code)
}

function toView(w: Withdrawal): WithdrawalView {
  return {
    id: w.id,
    address: w.address,
    amountSats: w.amountSats,
    feeSats: w.feeSats,
    receiveSats: w.amountSats - w.feeSats,
    state: w.state,
    txid: w.txid,
    attempts: w.attempts,
    createdAt: w.createdAt.toISOString(),
    confirmedAt: w.confirmedAt?.toISOString() ?? null,
    refundedAt: w.refundedAt?.toISOString() ?? null,
  }
}
