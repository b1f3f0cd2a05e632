/**
 * The devnet's view of its chain in memory: blocks, every known transaction, every spendable
 * output (spent ones stay, marked with their spender, so a second spend is told apart from an
 * unknown input) and an index by public key hash for address queries. It only records: whether a
 * transaction may enter is decided by the Devnet before `addTx` is called.
 *
 * Nothing is ever removed. A reorganisation builds a new state from the surviving blocks and
 * re-admits the surviving transactions, which is simpler to get right than undoing in place.
 */
import type { Transaction } from '@bsv/sdk'
import type { HeaderFields } from './block.ts'
import { isCoinbaseStyle } from './block.ts'
import { isUnspendable, p2pkhHashOf } from './tx-parse.ts'

export type TxKind = 'coinbase' | 'faucet' | 'standard'

export interface TxRecord {
  txid: string
  hex: string
  tx: Transaction
  kind: TxKind
  /** Set once mined. */
  block?: { height: number; hash: string; index: number }
}

export interface DevnetBlock extends HeaderFields {
  height: number
  hash: string
  /** Block order; the coinbase first. */
  txids: string[]
}

export interface OutputRecord {
  txid: string
  vout: number
  satoshis: number
  /** Height of the block holding it; null while in the mempool. */
  height: number | null
  pubKeyHash: string | undefined
  spentBy?: { txid: string; height: number | null }
}

export function outpointKey(txid: string, vout: number): string {
  return `${txid}:${vout}`
}

function addToIndex(index: Map<string, Set<string>>, key: string, value: string): void {
  let values = index.get(key)
  if (!values) {
    values = new Set()
    index.set(key, values)
  }
  values.add(value)
}

export class ChainState {
  readonly blocks: DevnetBlock[] = []
  readonly txs = new Map<string, TxRecord>()
  readonly outputs = new Map<string, OutputRecord>()
  /** Mempool txids in arrival order, which is also a valid mining order (parents first). */
  readonly mempool: string[] = []
  readonly outpointsByHash = new Map<string, Set<string>>()
  readonly txidsByHash = new Map<string, Set<string>>()
  private readonly blocksByHash = new Map<string, DevnetBlock>()

  get tip(): DevnetBlock {
    const tip = this.blocks[this.blocks.length - 1]
    if (!tip) throw new Error('the devnet has no blocks; genesis is created when it opens')
    return tip
  }

  blockAt(height: number): DevnetBlock | undefined {
    return this.blocks[height]
  }

  blockByHash(hash: string): DevnetBlock | undefined {
    return this.blocksByHash.get(hash)
  }

  /** Records an admitted transaction in the mempool: its inputs become spent, its outputs spendable. */
  addToMempool(record: TxRecord): void {
    this.record(record, null)
    this.mempool.push(record.txid)
  }

  /** Appends a block whose coinbase is new and whose other transactions are all in the mempool. */
  appendBlock(block: DevnetBlock, coinbase: TxRecord): void {
    if (block.height !== this.blocks.length) throw new Error(`block ${block.height} does not extend the tip`)
    if (block.txids[0] !== coinbase.txid) throw new Error('the coinbase must come first')
    this.blocks.push(block)
    this.blocksByHash.set(block.hash, block)
    this.record(coinbase, block.height)
    const mined = new Set(block.txids.slice(1))
    for (const [index, txid] of block.txids.entries()) this.confirm(txid, block, index)
    const remaining = this.mempool.filter((txid) => !mined.has(txid))
    if (remaining.length + mined.size !== this.mempool.length)
      throw new Error('a block holds a tx not in the mempool')
    this.mempool.splice(0, this.mempool.length, ...remaining)
  }

  private record(record: TxRecord, height: number | null): void {
    if (this.txs.has(record.txid)) throw new Error(`transaction ${record.txid} is already recorded`)
    this.txs.set(record.txid, record)
    const { tx, txid } = record
    if (!isCoinbaseStyle(tx)) {
      for (const input of tx.inputs) {
        const spent = this.outputs.get(outpointKey(input.sourceTXID!, input.sourceOutputIndex))
        if (!spent || spent.spentBy)
          throw new Error(`input ${input.sourceTXID}:${input.sourceOutputIndex} is not spendable`)
        spent.spentBy = { txid, height }
        if (spent.pubKeyHash) addToIndex(this.txidsByHash, spent.pubKeyHash, txid)
      }
    }
    for (const [vout, output] of tx.outputs.entries()) {
      const scriptHex = output.lockingScript.toHex()
      if (isUnspendable(scriptHex)) continue
      const pubKeyHash = p2pkhHashOf(scriptHex)
      const key = outpointKey(txid, vout)
      this.outputs.set(key, { txid, vout, satoshis: output.satoshis ?? 0, height, pubKeyHash })
      if (pubKeyHash) {
        addToIndex(this.outpointsByHash, pubKeyHash, key)
        addToIndex(this.txidsByHash, pubKeyHash, txid)
      }
    }
  }

  private confirm(txid: string, block: DevnetBlock, index: number): void {
    const record = this.txs.get(txid)
    if (!record || record.block) throw new Error(`transaction ${txid} is unknown or already mined`)
    record.block = { height: block.height, hash: block.hash, index }
    for (const [vout] of record.tx.outputs.entries()) {
      const output = this.outputs.get(outpointKey(txid, vout))
      if (output) output.height = block.height
    }
    if (isCoinbaseStyle(record.tx)) return
    for (const input of record.tx.inputs) {
      const spent = this.outputs.get(outpointKey(input.sourceTXID!, input.sourceOutputIndex))
      if (spent?.spentBy?.txid !== txid) throw new Error(`input of ${txid} lost its spender`)
      spent.spentBy.height = block.height
    }
  }
}
