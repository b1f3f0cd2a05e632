/**
 * Devnet blocks and coinbase-style transactions in real Bitcoin form: an 80-byte header hashed
 * with double SHA-256, and coinbase transactions whose single input spends the null outpoint.
 * There is no proof of work: `bits` is regtest's easiest target and the nonce is random, which is
 * all a new block needs to differ from a rival at the same height.
 */
import { LockingScript, OP, P2PKH, Random, Transaction, UnlockingScript, Utils } from '@bsv/sdk'
import { hash256Display, hashToInternal, NULL_HASH_HEX } from '../bytes.ts'

export const HEADER_BYTES = 80
export const BLOCK_VERSION = 0x20000000
/** Regtest's proof-of-work limit: every hash meets it, so mining is instant. */
export const REGTEST_BITS = 0x207fffff
/** Work per block at REGTEST_BITS (2^256 / (target + 1), rounded down), for chainwork. */
export const REGTEST_WORK_PER_BLOCK = 2
export const REGTEST_DIFFICULTY = 4.656542373906925e-10
/** The coinbase input spends this outpoint index (with the null txid). */
export const COINBASE_OUTPUT_INDEX = 0xffffffff
export const FINAL_SEQUENCE = 0xffffffff
const EXTRA_NONCE_BYTES = 8
const UINT32_RANGE = 2 ** 32

/** The same genesis for every devnet: a fixed time and message, so its hash is a constant. */
export const GENESIS_TIME_SECONDS = 1_735_689_600
const GENESIS_MESSAGE = 'Memepool devnet genesis'
const COINBASE_TAG = '/memepool-devnet/'
const FAUCET_TAG = 'memepool devnet faucet'

export interface HeaderFields {
  version: number
  /** Display hex of the previous block's hash; the null hash for genesis. */
  prevHash: string
  merkleRoot: string
  /** Seconds since 1970. */
  time: number
  bits: number
  nonce: number
}

export function serializeHeader(header: HeaderFields): number[] {
  const writer = new Utils.Writer()
  writer.writeUInt32LE(header.version)
  writer.write(hashToInternal(header.prevHash))
  writer.write(hashToInternal(header.merkleRoot))
  writer.writeUInt32LE(header.time)
  writer.writeUInt32LE(header.bits)
  writer.writeUInt32LE(header.nonce)
  const bytes = writer.toArray()
  if (bytes.length !== HEADER_BYTES) throw new Error(`header serialized to ${bytes.length} bytes`)
  return bytes
}

export function headerHash(header: HeaderFields): string {
  return hash256Display(serializeHeader(header))
}

export function randomNonce(): number {
  return Math.floor(Math.random() * UINT32_RANGE)
}

function coinbaseStyleTx(
  unlocking: UnlockingScript,
  output: { lockingScript: LockingScript; satoshis: number },
) {
  return new Transaction(
    1,
    [
      {
        sourceTXID: NULL_HASH_HEX,
        sourceOutputIndex: COINBASE_OUTPUT_INDEX,
        unlockingScript: unlocking,
        sequence: FINAL_SEQUENCE,
      },
    ],
    [output],
    0,
  )
}

/** An unspendable, empty output: devnet blocks carry no reward anyone could spend. */
function burnOutput(message: string): { lockingScript: LockingScript; satoshis: number } {
  const script = new LockingScript()
  script.writeOpCode(OP.OP_FALSE)
  script.writeOpCode(OP.OP_RETURN)
  script.writeBin(Utils.toArray(message, 'utf8'))
  return { lockingScript: script, satoshis: 0 }
}

/**
 * The coinbase of the block at `height`: the height first (BIP34), then a random extra nonce so a
 * replacement block at the same height (after a reorg) has a different coinbase and Merkle root.
 */
export function blockCoinbase(height: number): Transaction {
  const unlocking = new UnlockingScript()
  unlocking.writeNumber(height)
  unlocking.writeBin(Random(EXTRA_NONCE_BYTES))
  unlocking.writeBin(Utils.toArray(COINBASE_TAG, 'utf8'))
  return coinbaseStyleTx(unlocking, burnOutput(COINBASE_TAG))
}

export function genesisCoinbase(): Transaction {
  const unlocking = new UnlockingScript()
  unlocking.writeNumber(0)
  unlocking.writeBin(Utils.toArray(GENESIS_MESSAGE, 'utf8'))
  return coinbaseStyleTx(unlocking, burnOutput(GENESIS_MESSAGE))
}

/** A faucet payment: a coinbase-style transaction (no real inputs) paying `satoshis` to `pubKeyHash`. */
export function faucetTx(pubKeyHash: number[], satoshis: number): Transaction {
  const unlocking = new UnlockingScript()
  unlocking.writeBin(Utils.toArray(FAUCET_TAG, 'utf8'))
  unlocking.writeBin(Random(EXTRA_NONCE_BYTES))
  return coinbaseStyleTx(unlocking, { lockingScript: new P2PKH().lock(pubKeyHash), satoshis })
}

/** True for a transaction whose only input spends the null outpoint (block coinbases and faucet payments). */
export function isCoinbaseStyle(tx: Transaction): boolean {
  const input = tx.inputs[0]
  return (
    tx.inputs.length === 1 &&
    input?.sourceTXID === NULL_HASH_HEX &&
    input.sourceOutputIndex === COINBASE_OUTPUT_INDEX
  )
}
