/**
 * Client-only state of wallet sign-in: whether the Connect wallet dialog is open, which browser
 * wallets the page has found, and which wallet signed the current session in. Who is signed in
 * is server data (authApi `me`); keys, words and passwords are never put in the store.
 * Actions are named after what happened.
 */
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { authApi } from './authApi.ts'

export type WalletKind = 'builtin' | 'yours' | 'brc100'

export const WALLET_NAMES: Record<WalletKind, string> = {
  builtin: 'Built-in wallet',
  yours: 'Yours Wallet',
  brc100: 'BRC-100 wallet',
}

/** Wallets that announce themselves by a global the extension injects into the page. */
export interface DetectedWallets {
  /** Yours Wallet v4 (`window.yours`, or its older name `window.panda`). */
  yours: boolean
  /** A BRC-100 wallet bound to `window.CWI` (Yours Wallet v5 and others). */
  cwi: boolean
}

interface AuthState {
  dialogOpen: boolean
  detected: DetectedWallets
  /** Searches still polling for wallets that inject late (page load and dialog may overlap). */
  searchesRunning: number
  /** Known only in the tab that signed in; a reload keeps the session but not this. */
  connectedWith: WalletKind | null
}

const initialState: AuthState = {
  dialogOpen: false,
  detected: { yours: false, cwi: false },
  searchesRunning: 0,
  connectedWith: null,
}

export const authSlice = createSlice({
  name: 'auth',
  initialState,
  reducers: {
    connectDialogOpened(state) {
      state.dialogOpen = true
    },
    /** Closed by the user (Close, Escape) without signing in. */
    connectDialogDismissed(state) {
      state.dialogOpen = false
    },
    walletSearchStarted(state) {
      state.searchesRunning += 1
    },
    walletsDetected(state, action: PayloadAction<DetectedWallets>) {
      state.detected = action.payload
    },
    walletSearchEnded(state) {
      state.searchesRunning = Math.max(0, state.searchesRunning - 1)
    },
    /** A wallet signed the challenge and the server started a session. */
    walletConnected(state, action: PayloadAction<{ wallet: WalletKind }>) {
      state.connectedWith = action.payload.wallet
      state.dialogOpen = false
    },
    signedOut(state) {
      state.connectedWith = null
    },
  },
  extraReducers: (builder) => {
    // The server says nobody is signed in (expired or revoked session): forget the wallet too.
    builder.addMatcher(authApi.endpoints.me.matchFulfilled, (state, action) => {
      if (action.payload === null) state.connectedWith = null
    })
  },
  selectors: {
    selectConnectDialogOpen: (state) => state.dialogOpen,
    selectDetectedWallets: (state) => state.detected,
    selectSearchingForWallets: (state) => state.searchesRunning > 0,
    selectConnectedWith: (state) => state.connectedWith,
  },
})

export const {
  connectDialogOpened,
  connectDialogDismissed,
  walletSearchStarted,
  walletsDetected,
  walletSearchEnded,
  walletConnected,
  signedOut,
} = authSlice.actions
export const {
  selectConnectDialogOpen,
  selectDetectedWallets,
  selectSearchingForWallets,
  selectConnectedWith,
} = authSlice.selectors
