/**
 * How each kind of wallet signs in: the steps before the challenge (connecting, unlocking), the
 * signature, and the login body it produces (contracts/auth.ts LoginRequest).
 */
import type PrivateKey from '@bsv/sdk/primitives/PrivateKey'
import { connectBrc100, signChallengeWithBrc100 } from './brc100Wallet.ts'
import { signMessage } from './builtinWallet.ts'
import type { SignInFlow } from './useSignIn.ts'
import { connectYours, signWithYours } from './yoursWallet.ts'

/** The key was derived from the unlocked words a moment ago and is dropped when this flow ends. */
export function builtinFlow(key: PrivateKey): SignInFlow {
  return async ({ challenge }) => {
    const { challengeId, message } = await challenge()
    const signed = signMessage(message, key)
    return {
      method: 'bsm',
      challengeId,
      signature: signed.signature,
      address: signed.address,
      publicKey: signed.publicKey,
      wallet: 'builtin',
    }
  }
}

export const yoursFlow: SignInFlow = async ({ challenge, report }) => {
  report('connecting')
  const provider = await connectYours()
  const { challengeId, message } = await challenge()
  report('signing')
  const signed = await signWithYours(provider, message)
  return {
    method: 'bsm',
    challengeId,
    signature: signed.sig,
    address: signed.address,
    publicKey: signed.pubKey,
    wallet: 'yours',
  }
}

export const brc100Flow: SignInFlow = async ({ challenge, report }) => {
  report('connecting')
  const connection = await connectBrc100(() => report('unlocking-wallet'))
  const issued = await challenge()
  report('signing')
  const signature = await signChallengeWithBrc100(connection, issued)
  return { method: 'brc100', challengeId: issued.challengeId, signature, identityKey: connection.identityKey }
}
