/**
 * Any BRC-100 wallet through @bsv/sdk's WalletClient: Yours Wallet v5 and other extensions bind
 * one to `window.CWI`; desktop wallets such as Metanet Desktop listen on localhost, where the
 * client's 'auto' mode looks for them. The SDK's wallet code is loaded only when the user picks
 * this option, so the app's first load stays small.
 *
 * The login signature is createSignature over the challenge's UTF-8 bytes with a key the wallet
 * derives for (LOGIN_PROTOCOL_ID, challenge id, counterparty 'anyone') from its identity key;
 * anyone, the server included, can check it against that identity key (BRC-42/43).
 */
import type { WalletInterface } from '@bsv/sdk'
import { WalletFlowError } from './walletErrors.ts'

/** Must equal contracts/auth.ts LOGIN_PROTOCOL_ID (a unit test checks); copied so the app bundle stays free of the schema library. */
export const LOGIN_PROTOCOL_ID: [2, string] = [2, 'memepool login']

declare global {
  interface Window {
    /** A BRC-100 wallet injected by a browser extension. */
    CWI?: unknown
  }
}

export function hasInjectedBrc100Wallet(): boolean {
  return typeof window !== 'undefined' && typeof window.CWI === 'object' && window.CWI !== null
}

export class NoBrc100WalletError extends WalletFlowError {
  override name = 'NoBrc100WalletError'
  constructor() {
    super(
      'No BRC-100 wallet answered. Install Yours Wallet 5 in this browser or start Metanet Desktop on this computer, then try again.',
    )
  }
}

export interface Brc100Connection {
  wallet: WalletInterface
  identityKey: string
}

/**
 * Finds the wallet and waits until the user is logged in to it. An injected wallet is used
 * directly: 'auto' would also probe the localhost ports, and the page would log a failed request
 * for every desktop wallet that is not running.
 */
export async function connectBrc100(onWaitingForUser: () => void): Promise<Brc100Connection> {
  const { default: WalletClient } = await import('@bsv/sdk/wallet/WalletClient')
  const wallet = new WalletClient(hasInjectedBrc100Wallet() ? 'window.CWI' : 'auto', window.location.host)
  try {
    await wallet.connectToSubstrate()
  } catch {
    throw new NoBrc100WalletError()
  }
  const { authenticated } = await wallet.isAuthenticated({})
  if (!authenticated) {
    onWaitingForUser()
    await wallet.waitForAuthentication({})
  }
  const { publicKey } = await wallet.getPublicKey({ identityKey: true })
  return { wallet, identityKey: publicKey }
}

function toHex(bytes: readonly number[]): string {
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** DER signature as hex, the form the login endpoint takes. */
export async function signChallengeWithBrc100(
  { wallet }: Brc100Connection,
  challenge: { challengeId: string; message: string },
): Promise<string> {
  const { signature } = await wallet.createSignature({
    data: Array.from(new TextEncoder().encode(challenge.message)),
    protocolID: LOGIN_PROTOCOL_ID,
    keyID: challenge.challengeId,
    counterparty: 'anyone',
  })
  return toHex(signature)
}
