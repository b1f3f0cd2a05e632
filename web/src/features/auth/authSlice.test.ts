/**
 * Proves how sign-in state answers what happened: the dialog opens and is dismissed, a wallet
 * connecting closes it and is remembered, signing out or the server reporting no session forgets
 * it, and overlapping wallet searches count as searching until the last one ends.
 */
import { describe, expect, test } from 'vitest'
import { LOGIN_PROTOCOL_ID } from '../../../../contracts/auth.ts'
import { makeStore } from '../../app/store.ts'
import { authApi } from './authApi.ts'
import {
  connectDialogDismissed,
  connectDialogOpened,
  selectConnectDialogOpen,
  selectConnectedWith,
  selectDetectedWallets,
  selectSearchingForWallets,
  signedOut,
  walletConnected,
  walletSearchEnded,
  walletSearchStarted,
  walletsDetected,
} from './authSlice.ts'
import { LOGIN_PROTOCOL_ID as WEB_LOGIN_PROTOCOL_ID } from './brc100Wallet.ts'

describe('auth slice', () => {
  test('the dialog opens, is dismissed, and closes when a wallet connects', () => {
    const store = makeStore()
    expect(selectConnectDialogOpen(store.getState())).toBe(false)
    store.dispatch(connectDialogOpened())
    expect(selectConnectDialogOpen(store.getState())).toBe(true)
    store.dispatch(connectDialogDismissed())
    expect(selectConnectDialogOpen(store.getState())).toBe(false)
    store.dispatch(connectDialogOpened())
    store.dispatch(walletConnected({ wallet: 'yours' }))
    expect(selectConnectDialogOpen(store.getState())).toBe(false)
    expect(selectConnectedWith(store.getState())).toBe('yours')
  })

  test('signing out, or the server finding no session, forgets the wallet', async () => {
    const store = makeStore()
    store.dispatch(walletConnected({ wallet: 'builtin' }))
    store.dispatch(signedOut())
    expect(selectConnectedWith(store.getState())).toBeNull()
    store.dispatch(walletConnected({ wallet: 'brc100' }))
    await store.dispatch(authApi.util.upsertQueryData('me', undefined, null))
    expect(selectConnectedWith(store.getState())).toBeNull()
  })

  test('overlapping searches are one search until the last ends', () => {
    const store = makeStore()
    store.dispatch(walletSearchStarted())
    store.dispatch(walletSearchStarted())
    store.dispatch(walletsDetected({ yours: true, cwi: false }))
    store.dispatch(walletSearchEnded())
    expect(selectSearchingForWallets(store.getState())).toBe(true)
    store.dispatch(walletSearchEnded())
    expect(selectSearchingForWallets(store.getState())).toBe(false)
    expect(selectDetectedWallets(store.getState())).toEqual({ yours: true, cwi: false })
  })

  test("the app's copy of the login protocol id is the contract's", () => {
    expect(WEB_LOGIN_PROTOCOL_ID).toEqual(LOGIN_PROTOCOL_ID)
  })
})
