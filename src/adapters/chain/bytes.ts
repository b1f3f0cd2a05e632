/**
 * Byte and hash helpers shared by the devnet and the WhatsOnChain client. Bitcoin hashes are
 * computed over bytes in "internal" order but shown reversed ("display" hex, as explorers and the
 * ChainSource interface use); these helpers keep that conversion in one place.
 */
import { Hash, Utils } from '@bsv/sdk'

/** A txid or block hash in display hex, lowercase, as ChainSource uses them. */
export const HASH_HEX_PATTERN = '^[0-9a-f]{64}$'
const HASH_HEX = new RegExp(HASH_HEX_PATTERN)
const HEX_BYTES = /^(?:[0-9a-fA-F]{2})+$/

export const NULL_HASH_HEX = '0'.repeat(64)

export function isHashHex(value: string): boolean {
  return HASH_HEX.test(value)
}

/** Non-empty hex with a whole number of bytes (either case). */
export function isByteHex(value: string): boolean {
  return HEX_BYTES.test(value)
}

export function hexToBytes(hex: string): number[] {
  return Utils.toArray(hex, 'hex')
}

export function bytesToHex(bytes: readonly number[] | Uint8Array): string {
  return Utils.toHex(Array.from(bytes))
}

/** Display hex → internal byte order. */
export function hashToInternal(displayHex: string): number[] {
  return hexToBytes(displayHex).reverse()
}

/** Internal byte order → display hex. */
export function internalToHash(bytes: readonly number[]): string {
  return bytesToHex([...bytes].reverse())
}

/** Double SHA-256 of `bytes`, in display hex: a txid for a raw transaction, a block hash for a header. */
export function hash256Display(bytes: readonly number[] | Uint8Array): string {
  return internalToHash(Hash.hash256(Array.from(bytes)))
}

/** The txid of a raw transaction given as hex, or undefined when the text is not hex bytes. */
export function txidOfRawHex(rawHex: string): string | undefined {
  if (!isByteHex(rawHex)) return undefined
  return hash256Display(hexToBytes(rawHex))
}
