/**
 * Finding browser wallets. Extensions inject their globals (`window.yours`, `window.CWI`) some
 * time after the page starts, not always before the app's first render, so the app looks again
 * every quarter second for a few seconds: once when the page loads and again whenever the
 * Connect wallet dialog opens.
 */
import { useEffect } from 'react'
import { useAppDispatch } from '../../app/hooks.ts'
import { type DetectedWallets, walletSearchEnded, walletSearchStarted, walletsDetected } from './authSlice.ts'
import { hasInjectedBrc100Wallet } from './brc100Wallet.ts'
import { findYoursProvider } from './yoursWallet.ts'

export const DETECT_INTERVAL_MS = 250
export const DETECT_TIMEOUT_MS = 3_000

export function detectWallets(): DetectedWallets {
  return { yours: findYoursProvider() !== null, cwi: hasInjectedBrc100Wallet() }
}

interface PollOptions {
  onChange(found: DetectedWallets): void
  onDone(): void
  intervalMs?: number
  timeoutMs?: number
}

/** Polls until every wallet kind is found or time is up; returns a function that stops early. */
export function pollForWallets({
  onChange,
  onDone,
  intervalMs = DETECT_INTERVAL_MS,
  timeoutMs = DETECT_TIMEOUT_MS,
}: PollOptions): () => void {
  const deadline = Date.now() + timeoutMs
  let last: DetectedWallets | null = null
  let timer: ReturnType<typeof setTimeout> | undefined

  const look = () => {
    const found = detectWallets()
    if (!last || last.yours !== found.yours || last.cwi !== found.cwi) onChange(found)
    last = found
    if ((found.yours && found.cwi) || Date.now() >= deadline) {
      timer = undefined
      onDone()
      return
    }
    timer = setTimeout(look, intervalMs)
  }
  look()
  return () => {
    if (timer === undefined) return
    clearTimeout(timer)
    timer = undefined
    onDone()
  }
}

/** Runs one search when the calling component mounts, reporting what it finds to the store. */
export function useWalletSearch() {
  const dispatch = useAppDispatch()
  useEffect(() => {
    dispatch(walletSearchStarted())
    return pollForWallets({
      onChange: (found) => dispatch(walletsDetected(found)),
      onDone: () => dispatch(walletSearchEnded()),
    })
  }, [dispatch])
}
