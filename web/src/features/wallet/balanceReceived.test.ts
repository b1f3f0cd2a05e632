/**
 * Proves, on a real store, that a balance event from the user's channel updates the cached
 * wallet's available and held figures and leaves pending deposits alone, and that with no wallet
 * cached it changes nothing.
 */
import { describe, expect, test } from 'vitest'
import type { WalletResponse } from '../../../../contracts/wallet.ts'
import { makeStore } from '../../app/store.ts'
import { balanceReceived, type WalletDispatch, type WalletState, walletApi } from './walletApi.ts'

const wallet: WalletResponse = {
  depositAddress: '1BoatSLRHtKNngkdXEeobR76b53LETtpyT',
  requiredConfirmations: 1,
  frozen: false,
  balance: { availableSats: 1_000, heldSats: 0, pendingDepositSats: 50 },
  deposits: [],
}

function held(store: ReturnType<typeof makeStore>) {
  return walletApi.endpoints.getWallet.select()(store.getState() as WalletState).data
}

describe('balanceReceived', () => {
  test('updates available and held, keeps pending deposits', async () => {
    const store = makeStore()
    const dispatch = store.dispatch as WalletDispatch
    await dispatch(walletApi.util.upsertQueryData('getWallet', undefined, wallet))
    dispatch(balanceReceived({ balanceSats: 990, availableSats: 960 }))
    expect(held(store)?.balance).toEqual({ availableSats: 960, heldSats: 30, pendingDepositSats: 50 })
  })

  test('with no wallet cached, nothing is made up', () => {
    const store = makeStore()
    ;(store.dispatch as WalletDispatch)(balanceReceived({ balanceSats: 5, availableSats: 5 }))
    expect(held(store)).toBeUndefined()
  })
})
