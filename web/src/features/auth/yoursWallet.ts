/**
 * Yours Wallet v4, the browser extension's legacy provider at `window.yours` (older builds:
 * `window.panda`). Types are declared here rather than taken from `yours-wallet-provider`,
 * which is only a React wrapper around the same object. Its signMessage is a Bitcoin Signed
 * Message made with the wallet's identity key, so the server checks it like the built-in
 * wallet's. Yours v5 dropped this object for BRC-100 (`window.CWI`, see brc100Wallet.ts).
 */
import { WalletDeclinedError, WalletMissingError } from './walletErrors.ts'

export interface YoursSignedMessage {
  address: string
  pubKey: string
  /** Base64 compact BSM signature. */
  sig: string
  message: string
  derivationTag?: unknown
}

export interface YoursProvider {
  isReady?: boolean
  /** Asks the user to connect this site; resolves to the identity public key (hex). */
  connect(): Promise<string | undefined>
  isConnected?(): Promise<boolean>
  signMessage(args: {
    message: string
    encoding?: 'utf8' | 'hex' | 'base64'
  }): Promise<YoursSignedMessage | undefined>
}

declare global {
  interface Window {
    yours?: YoursProvider
    panda?: YoursProvider
  }
}

export function findYoursProvider(): YoursProvider | null {
  if (typeof window === 'undefined') return null
  return window.yours ?? window.panda ?? null
}

/** Step one, before a challenge is fetched: the user may take a while to approve the site. */
export async function connectYours(): Promise<YoursProvider> {
  const provider = findYoursProvider()
  if (!provider) throw new WalletMissingError('Yours Wallet')
  const identityKey = await provider.connect()
  if (!identityKey) throw new WalletDeclinedError('Yours Wallet')
  return provider
}

export async function signWithYours(provider: YoursProvider, message: string): Promise<YoursSignedMessage> {
  const signed = await provider.signMessage({ message, encoding: 'utf8' })
  if (!signed?.sig || !signed.address || !signed.pubKey) throw new WalletDeclinedError('Yours Wallet')
  return signed
}
