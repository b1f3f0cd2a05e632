/**
 * Admin views of money (SPEC 3): alerts that need a person (a reversed deposit the balance did
 * not cover freezes the account), lifting a freeze, and the hot wallet's state.
 */
import { type Static, Type } from '@sinclair/typebox'

export const AlertView = Type.Object({
  id: Type.String(),
  code: Type.String({ description: 'e.g. DEPOSIT_REVERSAL_UNCOVERED' }),
  userId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Unknown(),
  createdAt: Type.String({ format: 'date-time' }),
})
export type AlertView = Static<typeof AlertView>

export const AlertsResponse = Type.Object({
  alerts: Type.Array(AlertView, { description: 'Open alerts, newest first.' }),
})
export type AlertsResponse = Static<typeof AlertsResponse>

export const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
export type UserParams = Static<typeof UserParams>

export const UnfreezeResponse = Type.Object({
  userId: Type.String(),
  wasFrozen: Type.Boolean(),
  alertsResolved: Type.Integer({ minimum: 0 }),
})
export type UnfreezeResponse = Static<typeof UnfreezeResponse>

export const HotWalletResponse = Type.Object({
  address: Type.String(),
  spendableSats: Type.Integer({ description: 'Confirmed, unreserved: what the next payout can spend.' }),
  unconfirmedSats: Type.Integer(),
  outputs: Type.Integer(),
  queuedWithdrawals: Type.Integer(),
  queuedSats: Type.Integer(),
  inFlight: Type.Array(
    Type.Object({
      id: Type.String(),
      purpose: Type.String(),
      state: Type.String(),
      txid: Type.String(),
      troubles: Type.Integer({ description: 'Failed sends or checks so far.' }),
    }),
  ),
})
export type HotWalletResponse = Static<typeof HotWalletResponse>
