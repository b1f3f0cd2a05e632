/**
 * The wallet as the API serves it (shared by server and web app): the user's deposit address,
 * balance and recent deposits (SPEC 3).
 */
import { type Static, Type } from '@sinclair/typebox'

export const DepositState = Type.Union(
  [
    Type.Literal('seen'),
    Type.Literal('credited'),
    Type.Literal('dropped'),
    Type.Literal('reversal_pending'),
    Type.Literal('reversed'),
  ],
  {
    description:
      'seen: on its way, not yet credited; credited: in the balance; dropped: vanished before it was credited; reversal_pending/reversed: a reorganisation removed it after it was credited.',
  },
)
export type DepositState = Static<typeof DepositState>

export const DepositView = Type.Object({
  txid: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  vout: Type.Integer({ minimum: 0 }),
  satoshis: Type.Integer({ minimum: 1 }),
  state: DepositState,
  confirmations: Type.Integer({ minimum: 0 }),
  blockHeight: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  firstSeenAt: Type.String({ format: 'date-time' }),
  creditedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})
export type DepositView = Static<typeof DepositView>

export const WalletResponse = Type.Object({
  depositAddress: Type.String({ description: "The user's own BSV address for deposits (P2PKH)." }),
  requiredConfirmations: Type.Integer({
    minimum: 1,
    description: 'Confirmations after which a deposit is credited.',
  }),
  frozen: Type.Boolean({
    description: 'True when a reversed deposit was not covered by the balance; admins review it.',
  }),
  balance: Type.Object({
    availableSats: Type.Integer({ description: 'Spendable now.' }),
    heldSats: Type.Integer({ minimum: 0, description: 'Reserved by open watch sessions.' }),
    pendingDepositSats: Type.Integer({
      minimum: 0,
      description: 'Deposits seen on chain and not yet credited.',
    }),
  }),
  deposits: Type.Array(DepositView, { description: 'Recent deposits, newest first.' }),
})
export type WalletResponse = Static<typeof WalletResponse>
