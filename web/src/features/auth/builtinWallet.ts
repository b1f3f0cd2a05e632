/**
 * The built-in wallet's key work, all in the browser: a BIP39 recovery phrase, one key derived
 * from it, and a Bitcoin Signed Message over the server's challenge. Nothing here touches the
 * network; the caller sends only the signature, address and public key.
 */
// Module paths rather than the package root: the root re-exports the whole SDK, and the bundler
// then keeps parts of it (overlay, auth) that the dialog never runs.
import * as BSM from '@bsv/sdk/compat/BSM'
import HD from '@bsv/sdk/compat/HD'
import Mnemonic from '@bsv/sdk/compat/Mnemonic'
import type PrivateKey from '@bsv/sdk/primitives/PrivateKey'
import { toArray } from '@bsv/sdk/primitives/utils'

/**
 * The one key the built-in wallet signs in with: BIP44 purpose 44', coin type 236' (BSV in
 * SLIP-44), first account, external chain, first address. Fixed, so the same words always give
 * the same Memepool account, on any device.
 */
export const BUILTIN_DERIVATION_PATH = "m/44'/236'/0'/0/0"

/** 12 words: 128 bits of entropy, BIP39's default and what most wallets show. */
const MNEMONIC_ENTROPY_BITS = 128

/** How many words the user re-enters to show they wrote the phrase down. */
export const CONFIRM_WORD_COUNT = 3

export function generateMnemonic(): string {
  return Mnemonic.fromRandom(MNEMONIC_ENTROPY_BITS).toString()
}

/** Words as typed or pasted: any case, any spacing, line breaks or numbering tolerated. */
export function normalizeMnemonic(input: string): string {
  return input
    .toLowerCase()
    .replace(/\d+[.)]/g, ' ')
    .split(/\s+/)
    .filter((word) => word !== '')
    .join(' ')
}

export function isValidMnemonic(mnemonic: string): boolean {
  const count = mnemonic.split(' ').length
  // isValid also accepts odd lengths that no wallet produces; 12 to 24 in steps of 3 is BIP39.
  return count >= 12 && count <= 24 && count % 3 === 0 && Mnemonic.isValid(mnemonic)
}

export function deriveSigningKey(mnemonic: string): PrivateKey {
  return HD.fromSeed(Mnemonic.fromString(mnemonic).toSeed()).derive(BUILTIN_DERIVATION_PATH).privKey
}

export function addressOf(key: PrivateKey): string {
  return key.toPublicKey().toAddress()
}

export interface BsmSignature {
  /** Base64 compact signature (65 bytes) over the UTF-8 message. */
  signature: string
  address: string
  publicKey: string
}

export function signMessage(message: string, key: PrivateKey): BsmSignature {
  const signature = BSM.sign(toArray(message, 'utf8'), key, 'base64')
  if (typeof signature !== 'string') throw new Error('BSM.sign returned a raw signature in base64 mode.')
  const publicKey = key.toPublicKey()
  return { signature, address: publicKey.toAddress(), publicKey: publicKey.toString() }
}

/**
 * Distinct word positions (0-based, ascending) for the user to re-enter, chosen with the
 * browser's cryptographic random source so they cannot be predicted from the page.
 */
export function pickConfirmPositions(wordCount: number, count = CONFIRM_WORD_COUNT): number[] {
  const picked = new Set<number>()
  const draw = new Uint32Array(1)
  while (picked.size < Math.min(count, wordCount)) {
    crypto.getRandomValues(draw)
    picked.add((draw[0] ?? 0) % wordCount)
  }
  return [...picked].sort((a, b) => a - b)
}
