/**
 * One sign-in, whatever the wallet: the wallet's flow fetches a single-use challenge when it is
 * ready to sign (after the user has approved the site, so the 5 minutes are not spent waiting),
 * signs it and returns the login body; this hook sends it and reports progress and errors.
 * Closing the dialog mid-way abandons the attempt: a late answer from the wallet is dropped.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import type { ChallengeResponse, LoginRequest } from '../../../../contracts/auth.ts'
import { useAppDispatch } from '../../app/hooks.ts'
import { type DisplayError, isFetchError, toDisplayError } from '../../components/errorMessages.ts'
import { authApi, useGetChallengeMutation, useLoginMutation } from './authApi.ts'
import { WALLET_NAMES, type WalletKind, walletConnected } from './authSlice.ts'
import { WalletFlowError } from './walletErrors.ts'

export type SignInPhase =
  | 'idle'
  /** Asking the wallet to connect this site. */
  | 'connecting'
  /** The wallet is locked; the user has to log in to it first. */
  | 'unlocking-wallet'
  /** The wallet has the challenge and is asking the user to approve the signature. */
  | 'signing'
  /** The server is checking the signature. */
  | 'verifying'

export interface SignInTools {
  challenge(): Promise<ChallengeResponse>
  report(phase: SignInPhase): void
}

export type SignInFlow = (tools: SignInTools) => Promise<LoginRequest>

interface SignInState {
  phase: SignInPhase
  wallet: WalletKind | null
  error: DisplayError | null
}

const IDLE: SignInState = { phase: 'idle', wallet: null, error: null }

/**
 * Server errors are worded by code; this app's own wallet errors already say what to do; anything
 * else came from inside the wallet, in the wallet's words, so the user is told whose words they are.
 */
function describeSignInError(error: unknown, wallet: WalletKind): DisplayError {
  const shown = toDisplayError(error)
  if (typeof error === 'object' && error !== null && isFetchError(error)) return shown
  if (error instanceof WalletFlowError) return shown
  return { message: `${WALLET_NAMES[wallet]} reported a problem: ${shown.message}` }
}

export function useSignIn() {
  const dispatch = useAppDispatch()
  const [getChallenge] = useGetChallengeMutation()
  const [login] = useLoginMutation()
  const [state, setState] = useState<SignInState>(IDLE)
  const mounted = useRef(false)

  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])

  const signIn = useCallback(
    async (wallet: WalletKind, flow: SignInFlow): Promise<boolean> => {
      const report = (phase: SignInPhase) => {
        if (mounted.current) setState({ phase, wallet, error: null })
      }
      report('connecting')
      try {
        const body = await flow({ challenge: () => getChallenge().unwrap(), report })
        if (!mounted.current) return false
        report('verifying')
        const started = await login(body).unwrap()
        // The header must show the account before the dialog closes, so that focus can return
        // to it rather than to the Connect button it replaces.
        await dispatch(authApi.util.upsertQueryData('me', undefined, started))
        dispatch(walletConnected({ wallet }))
        return true
      } catch (error) {
        if (mounted.current) setState({ phase: 'idle', wallet, error: describeSignInError(error, wallet) })
        return false
      }
    },
    [dispatch, getChallenge, login],
  )

  const clearError = useCallback(() => setState(IDLE), [])

  return { ...state, busy: state.phase !== 'idle', signIn, clearError }
}
