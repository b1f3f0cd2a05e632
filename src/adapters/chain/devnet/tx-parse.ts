/**
 * Reading transactions and addresses without trusting them. The SDK's parser reads past the end
 * of short input (as zeros) and ignores trailing bytes, and a forged input count could make it
 * loop for billions of inputs, so the byte layout is walked with bounds checks first; only bytes
 * that are exactly one transaction reach `Transaction.fromBinary`.
 */
import { Transaction, Utils } from '@bsv/sdk'
import { MAINNET_P2PKH_VERSION, parseP2pkhAddress } from '../../../domain/address.ts'
import { bytesToHex, hash256Display, hexToBytes, isByteHex } from '../bytes.ts'

const OUTPOINT_BYTES = 36
const SEQUENCE_BYTES = 4
const SATOSHIS_BYTES = 8
const VERSION_BYTES = 4
const LOCKTIME_BYTES = 4

/** A bounds-checked cursor: every read that would pass the end fails instead of inventing zeros. */
class Cursor {
  position = 0
  constructor(private readonly bytes: readonly number[]) {}

  skip(count: number): boolean {
    if (count < 0 || this.position + count > this.bytes.length) return false
    this.position += count
    return true
  }

  /** A Bitcoin varint, or undefined if it runs past the end or exceeds the remaining bytes. */
  varInt(): number | undefined {
    const first = this.bytes[this.position]
    if (first === undefined) return undefined
    const width = first < 0xfd ? 0 : first === 0xfd ? 2 : first === 0xfe ? 4 : 8
    if (!this.skip(1 + width)) return undefined
    if (width === 0) return first
    let value = 0
    for (let i = width; i >= 1; i--) value = value * 256 + this.bytes[this.position - width + i - 1]!
    // No count or length can exceed the bytes that are left; this also bounds every loop below.
    return value <= this.bytes.length - this.position ? value : undefined
  }

  get atEnd(): boolean {
    return this.position === this.bytes.length
  }
}

function layoutIsExact(bytes: readonly number[]): boolean {
  const cursor = new Cursor(bytes)
  if (!cursor.skip(VERSION_BYTES)) return false
  const inputs = cursor.varInt()
  if (inputs === undefined) return false
  for (let i = 0; i < inputs; i++) {
    if (!cursor.skip(OUTPOINT_BYTES)) return false
    const scriptBytes = cursor.varInt()
    if (scriptBytes === undefined || !cursor.skip(scriptBytes) || !cursor.skip(SEQUENCE_BYTES)) return false
  }
  const outputs = cursor.varInt()
  if (outputs === undefined) return false
  for (let i = 0; i < outputs; i++) {
    if (!cursor.skip(SATOSHIS_BYTES)) return false
    const scriptBytes = cursor.varInt()
    if (scriptBytes === undefined || !cursor.skip(scriptBytes)) return false
  }
  return cursor.skip(LOCKTIME_BYTES) && cursor.atEnd
}

export interface ParsedTx {
  tx: Transaction
  txid: string
  /** Lowercase hex of exactly the bytes received. */
  hex: string
  sizeBytes: number
}

/** The transaction in `rawHex`, or undefined when it is not exactly one well-formed transaction. */
export function parseRawTx(rawHex: string): ParsedTx | undefined {
  if (!isByteHex(rawHex)) return undefined
  const bytes = hexToBytes(rawHex)
  if (!layoutIsExact(bytes)) return undefined
  let tx: Transaction
  try {
    tx = Transaction.fromBinary(bytes)
  } catch {
    return undefined
  }
  return { tx, txid: hash256Display(bytes), hex: bytesToHex(bytes), sizeBytes: bytes.length }
}

/** The 20-byte public key hash (hex) a P2PKH locking script pays, or undefined for other scripts. */
export function p2pkhHashOf(lockingScriptHex: string): string | undefined {
  const match = /^76a914([0-9a-f]{40})88ac$/.exec(lockingScriptHex)
  return match?.[1]
}

/** True for OP_RETURN data outputs (with or without the leading OP_FALSE): nobody can spend them. */
export function isUnspendable(lockingScriptHex: string): boolean {
  return lockingScriptHex.startsWith('6a') || lockingScriptHex.startsWith('006a')
}

/**
 * The public key hash (hex) of a P2PKH address, mainnet or testnet form, or undefined when the
 * text is not one (wrong checksum, prefix or length). The devnet indexes by this hash, so both
 * forms of an address find the same outputs.
 */
export function pubKeyHashOfAddress(address: string): string | undefined {
  const parsed = parseP2pkhAddress(address)
  return parsed && bytesToHex(parsed.pubKeyHash)
}

/** The mainnet-form address of a public key hash: how the devnet names addresses it shows. */
export function addressOfPubKeyHash(pubKeyHashHex: string): string {
  return Utils.toBase58Check(hexToBytes(pubKeyHashHex), [MAINNET_P2PKH_VERSION])
}
