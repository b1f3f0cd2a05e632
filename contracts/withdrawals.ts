/**
 * Withdrawals and the wallet history as the API serves them (SPEC 3). Amounts are whole
 * satoshis. `amountSats` is what leaves the balance; the address receives `amountSats - feeSats`.
 * Request bodies take amounts as plain numbers so that a fraction or a huge value gets its own
 * code (AMOUNT_INVALID) rather than a generic validation error.
 */
import { type Static, Type } from '@sinclair/typebox'

export const WithdrawalState = Type.Union(
  [Type.Literal('requested'), Type.Literal('broadcast'), Type.Literal('confirmed'), Type.Literal('refunded')],
  {
    description:
      'requested: waiting for the next payout batch; broadcast: sent to the network; confirmed: in a block; refunded: the payout failed and the amount is back in the balance.',
  },
)
export type WithdrawalState = Static<typeof WithdrawalState>

export const WithdrawalView = Type.Object({
  id: Type.String(),
  address: Type.String(),
  amountSats: Type.Integer({ minimum: 1 }),
  feeSats: Type.Integer({ minimum: 1 }),
  receiveSats: Type.Integer({ minimum: 1 }),
  state: WithdrawalState,
  txid: Type.Union([Type.String({ pattern: '^[0-9a-f]{64}$' }), Type.Null()]),
  attempts: Type.Integer({ minimum: 0, description: 'Payout attempts that failed so far.' }),
  createdAt: Type.String({ format: 'date-time' }),
  confirmedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  refundedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})
export type WithdrawalView = Static<typeof WithdrawalView>

export const WithdrawalQuoteQuery = Type.Object({
  amountSats: Type.Number(),
  address: Type.Optional(Type.String({ maxLength: 100 })),
})
export type WithdrawalQuoteQuery = Static<typeof WithdrawalQuoteQuery>

export const WithdrawalQuote = Type.Object({
  amountSats: Type.Integer(),
  feeSats: Type.Integer({ description: 'The network fee, deducted from the amount.' }),
  receiveSats: Type.Integer({ description: 'What the address receives.' }),
  minimumSats: Type.Integer(),
})
export type WithdrawalQuote = Static<typeof WithdrawalQuote>

export const WithdrawalRequestBody = Type.Object(
  {
    amountSats: Type.Number({ description: 'Whole satoshis, fee included.' }),
    address: Type.String({ maxLength: 100, description: 'A P2PKH address on the platform network.' }),
    idempotencyKey: Type.String({
      maxLength: 100,
      description:
        'Made by the client, 8-64 of [A-Za-z0-9_-]; a retry with the same key and body returns the same withdrawal.',
    }),
  },
  { additionalProperties: false },
)
export type WithdrawalRequestBody = Static<typeof WithdrawalRequestBody>

export const WithdrawalsResponse = Type.Object({
  minimumSats: Type.Integer(),
  feeSats: Type.Integer({ description: 'The network fee every withdrawal pays now.' }),
  withdrawals: Type.Array(WithdrawalView, { description: 'Recent withdrawals, newest first.' }),
})
export type WithdrawalsResponse = Static<typeof WithdrawalsResponse>

export const HistoryKind = Type.Union(
  [Type.Literal('all'), Type.Literal('deposits'), Type.Literal('withdrawals'), Type.Literal('other')],
  { default: 'all' },
)
export type HistoryKind = Static<typeof HistoryKind>

export const HistoryQuery = Type.Object({
  kind: Type.Optional(HistoryKind),
  beforeSeq: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Entries older than this ledger position.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
})
export type HistoryQuery = Static<typeof HistoryQuery>

export const HistoryEntry = Type.Object({
  transferId: Type.String({
    description: 'The ledger transfer; its proof is at /api/v1/proofs/transfers/{id}.',
  }),
  seq: Type.Integer({ minimum: 1 }),
  code: Type.String({ description: 'deposit, withdrawal, withdrawal_refund, deposit_reversal, ...' }),
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  amountSats: Type.Integer({ minimum: 1 }),
  counterparty: Type.String({ description: 'The other account of the transfer.' }),
  ref: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
})
export type HistoryEntry = Static<typeof HistoryEntry>

export const HistoryResponse = Type.Object({
  entries: Type.Array(HistoryEntry, { description: 'Newest first.' }),
  nextBeforeSeq: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Pass as beforeSeq for the next page.',
  }),
})
export type HistoryResponse = Static<typeof HistoryResponse>
