/**
 * The devnet: a local BSV chain inside the process, the default chain of the embedded mode
 * (ARCHITECTURE "Chain"). Real transactions, real scripts, real block headers and Merkle trees;
 * no proof of work and no peers. It keeps a mempool, mines on a timer or on demand, pays test
 * coins from a faucet, reorganises on request (for tests) and saves itself to
 * `${dataDir}/devnet/` after every change, so a restart keeps the chain.
 *
 * Every change to the chain happens synchronously inside one method call (check, then record),
 * so two submissions can never both spend the same output; only the save to disk is awaited.
 */
import type { Transaction } from '@bsv/sdk'
import { MAX_SUPPLY_SATS } from '../../../domain/money.ts'
import type { AppLogger } from '../../../logger.ts'
import { hexToBytes, NULL_HASH_HEX, txidOfRawHex } from '../bytes.ts'
import { merkleBranch, merkleRoot } from '../merkle.ts'
import { NODE_REJECT_TEXT } from '../reject.ts'
import type { BlockHeader, BroadcastResult, HistoryItem, MerkleProof, TxStatus } from '../source.ts'
import { admit } from './admission.ts'
import {
  BLOCK_VERSION,
  blockCoinbase,
  faucetTx,
  GENESIS_TIME_SECONDS,
  genesisCoinbase,
  headerHash,
  isCoinbaseStyle,
  REGTEST_BITS,
  randomNonce,
} from './block.ts'
import { ChainState, type DevnetBlock, type TxKind, type TxRecord } from './state.ts'
import { DEVNET_FILE_FORMAT, DEVNET_FILE_VERSION, DevnetStore, type StoredChain } from './store.ts'
import { parseRawTx, pubKeyHashOfAddress } from './tx-parse.ts'

/** 0.1 sat/byte, the usual BSV relay fee, and what `new SatoshisPerKilobyte(100)` pays. */
export const DEFAULT_FEE_RATE_SATS_PER_KB = 100
/** 10 BSV: plenty for tests and demos, small enough that nobody mistakes devnet coins for a balance. */
export const DEFAULT_MAX_FAUCET_SATS = 1_000_000_000
/** One `mine` call makes at most this many blocks. */
export const MAX_BLOCKS_PER_MINE = 10_000
const MS_PER_SECOND = 1000
/** Ranks transactions for sorting: far more than any devnet block holds. */
const MAX_TXS_PER_BLOCK = 2 ** 20
/** Bitcoin's median-time-past window. */
const MEDIAN_TIME_BLOCKS = 11

export interface DevnetOptions {
  /** The process's data directory; the devnet keeps its state in `${dataDir}/devnet/`. */
  dataDir: string
  /** Seconds between mined blocks once started; 0 mines only on demand. */
  blockIntervalSeconds: number
  feeRateSatsPerKb?: number
  maxFaucetSats?: number
  logger?: AppLogger
  /** Milliseconds since 1970; tests may fix it. */
  nowMs?: () => number
}

export type FaucetResult =
  | { status: 'ok'; txid: string }
  | { status: 'invalid_address' }
  | { status: 'invalid_amount'; maxSats: number }

export interface ReorgOptions {
  /** Transactions of the removed blocks (or the mempool) that vanish, with everything spending them. */
  dropTxids?: readonly string[]
}

/** A transaction as the devnet knows it. */
export interface DevnetTx {
  txid: string
  hex: string
  /** Parsed; treat as read-only, it is the devnet's own copy. */
  tx: Transaction
  /** Height of its block; null while in the mempool. */
  height: number | null
  blockHash: string | undefined
  confirmations: number
}

export interface DevnetUtxo {
  txid: string
  vout: number
  satoshis: number
  height: number | null
  /** Confirmed or not, a mempool transaction already spends it. */
  spentInMempool: boolean
}

export interface AddressUnspent {
  /** Outputs in blocks not spent in a block (WhatsOnChain's "confirmed unspent"). */
  confirmed: DevnetUtxo[]
  /** Outputs of mempool transactions. */
  unconfirmed: DevnetUtxo[]
}

type TipListener = (tip: BlockHeader) => void

export function toBlockHeader(block: DevnetBlock): BlockHeader {
  return {
    height: block.height,
    hash: block.hash,
    prevHash: block.prevHash,
    merkleRoot: block.merkleRoot,
    time: block.time,
    txCount: block.txids.length,
  }
}

function newRecord(txid: string, hex: string, tx: TxRecord['tx'], kind: TxKind): TxRecord {
  return { txid, hex, tx, kind }
}

export class Devnet {
  readonly network = 'devnet' as const
  readonly feeRateSatsPerKb: number
  readonly maxFaucetSats: number
  private state: ChainState
  private readonly listeners = new Set<TipListener>()
  private timer: NodeJS.Timeout | undefined
  private closed = false

  private constructor(
    private readonly options: DevnetOptions,
    private readonly store: DevnetStore,
    state: ChainState,
  ) {
    this.state = state
    this.feeRateSatsPerKb = options.feeRateSatsPerKb ?? DEFAULT_FEE_RATE_SATS_PER_KB
    this.maxFaucetSats = options.maxFaucetSats ?? DEFAULT_MAX_FAUCET_SATS
  }

  /** Opens the devnet saved in `dataDir`, or creates one holding only the genesis block. */
  static async open(options: DevnetOptions): Promise<Devnet> {
    const store = new DevnetStore(options.dataDir)
    const saved = await store.load()
    const devnet = new Devnet(options, store, saved ? restoreBlocks(saved, store.file) : genesisState())
    if (saved) devnet.readmitMempool(saved.mempool)
    else await devnet.save()
    options.logger?.info({ height: devnet.state.tip.height, restored: saved !== undefined }, 'devnet open')
    return devnet
  }

  // ---- Queries ----

  tip(): BlockHeader {
    return toBlockHeader(this.state.tip)
  }

  blockAt(height: number): DevnetBlock | undefined {
    return this.state.blockAt(height)
  }

  blockByHash(hash: string): DevnetBlock | undefined {
    return this.state.blockByHash(hash)
  }

  /** Median of the last 11 block times up to `height` (bitcoind's mediantime). */
  medianTimePast(height: number): number {
    const times = this.state.blocks
      .slice(Math.max(0, height + 1 - MEDIAN_TIME_BLOCKS), height + 1)
      .map((block) => block.time)
      .sort((a, b) => a - b)
    return times[Math.floor(times.length / 2)] ?? 0
  }

  transaction(txid: string): DevnetTx | undefined {
    const record = this.state.txs.get(txid)
    if (!record) return undefined
    const height = record.block?.height ?? null
    return {
      txid,
      hex: record.hex,
      tx: record.tx,
      height,
      blockHash: record.block?.hash,
      confirmations: height === null ? 0 : this.state.tip.height - height + 1,
    }
  }

  mempoolTxids(): readonly string[] {
    return [...this.state.mempool]
  }

  /** Unspent outputs paying `address`, split as WhatsOnChain splits them; undefined for an invalid address. */
  unspentOf(address: string): AddressUnspent | undefined {
    const pubKeyHash = pubKeyHashOfAddress(address)
    if (pubKeyHash === undefined) return undefined
    const result: AddressUnspent = { confirmed: [], unconfirmed: [] }
    for (const key of this.state.outpointsByHash.get(pubKeyHash) ?? []) {
      const output = this.state.outputs.get(key)!
      const spentInMempool = output.spentBy?.height === null
      if (output.spentBy && !spentInMempool) continue
      const { txid, vout, satoshis, height } = output
      const list = height === null ? result.unconfirmed : result.confirmed
      list.push({ txid, vout, satoshis, height, spentInMempool })
    }
    const byPosition = (a: DevnetUtxo, b: DevnetUtxo) =>
      this.position(a.txid) - this.position(b.txid) || a.vout - b.vout
    result.confirmed.sort(byPosition)
    result.unconfirmed.sort(byPosition)
    return result
  }

  /** Transactions paying or spending from `address`, oldest first; undefined for an invalid address. */
  historyOf(address: string): HistoryItem[] | undefined {
    const pubKeyHash = pubKeyHashOfAddress(address)
    if (pubKeyHash === undefined) return undefined
    const txids = [...(this.state.txidsByHash.get(pubKeyHash) ?? [])]
    txids.sort((a, b) => this.position(a) - this.position(b))
    return txids.map((txid) => ({ txid, height: this.state.txs.get(txid)!.block?.height ?? null }))
  }

  txStatus(txid: string): TxStatus {
    const found = this.transaction(txid)
    if (!found) return { txid, state: 'unknown' }
    if (found.height === null) return { txid, state: 'mempool' }
    return {
      txid,
      state: 'confirmed',
      blockHash: found.blockHash!,
      blockHeight: found.height,
      confirmations: found.confirmations,
    }
  }

  merkleProof(txid: string): MerkleProof | undefined {
    const block = this.state.txs.get(txid)?.block
    if (!block) return undefined
    const txids = this.state.blockAt(block.height)!.txids
    return {
      txid,
      blockHash: block.hash,
      blockHeight: block.height,
      index: block.index,
      nodes: merkleBranch(txids, block.index),
    }
  }

  /** A sortable rank: mined transactions by (height, index), then the mempool in arrival order. */
  private position(txid: string): number {
    const block = this.state.txs.get(txid)?.block
    if (block) return block.height * MAX_TXS_PER_BLOCK + block.index
    return (this.state.tip.height + 1) * MAX_TXS_PER_BLOCK + this.state.mempool.indexOf(txid)
  }

  // ---- Changes ----

  /** Offers a raw transaction to the mempool. A transaction the devnet already has is accepted again. */
  async submit(rawHex: string): Promise<BroadcastResult> {
    this.assertOpen()
    const parsed = parseRawTx(rawHex.trim())
    if (!parsed) {
      // The txid of bytes that are not a transaction still names them; text that is not hex has none.
      const txid = txidOfRawHex(rawHex.trim()) ?? ''
      return { status: 'rejected', txid, code: 'malformed', message: NODE_REJECT_TEXT.malformed }
    }
    if (this.state.txs.has(parsed.txid)) return { status: 'ok', txid: parsed.txid }
    const admission = admit(this.state, parsed, this.feeRateSatsPerKb)
    if (!admission.ok) {
      this.options.logger?.debug({ txid: parsed.txid, code: admission.code }, 'devnet refused a transaction')
      return { status: 'rejected', txid: parsed.txid, code: admission.code, message: admission.message }
    }
    this.state.addToMempool(newRecord(parsed.txid, parsed.hex, parsed.tx, 'standard'))
    await this.save()
    return { status: 'ok', txid: parsed.txid }
  }

  /** Pays `satoshis` to `address` from nowhere (a coinbase-style transaction) into the mempool. */
  async faucet(address: string, satoshis: number): Promise<FaucetResult> {
    this.assertOpen()
    const pubKeyHash = pubKeyHashOfAddress(address)
    if (pubKeyHash === undefined) return { status: 'invalid_address' }
    if (
      !Number.isSafeInteger(satoshis) ||
      satoshis < 1 ||
      satoshis > Math.min(this.maxFaucetSats, MAX_SUPPLY_SATS)
    ) {
      return { status: 'invalid_amount', maxSats: this.maxFaucetSats }
    }
    const tx = faucetTx(hexToBytes(pubKeyHash), satoshis)
    const txid = tx.id('hex')
    this.state.addToMempool(newRecord(txid, tx.toHex(), tx, 'faucet'))
    await this.save()
    this.options.logger?.info({ txid, satoshis }, 'devnet faucet paid')
    return { status: 'ok', txid }
  }

  /** Mines `count` blocks (the first takes the whole mempool) and returns the new tip. */
  async mine(count = 1): Promise<BlockHeader> {
    this.assertOpen()
    if (!Number.isInteger(count) || count < 1 || count > MAX_BLOCKS_PER_MINE) {
      throw new Error(`mine(count) takes 1..${MAX_BLOCKS_PER_MINE} blocks, got ${count}`)
    }
    for (let i = 0; i < count; i++) this.mineBlock()
    await this.save()
    return this.announceTip()
  }

  /**
   * Replaces the last `depth` blocks with `depth + 1` new ones (a longer rival branch). Their
   * ordinary transactions go back to the mempool and into the first new block, except those
   * named in `dropTxids`, which vanish together with every transaction spending them. Faucet
   * payments in removed blocks vanish too: a coinbase is only valid in its own block.
   */
  async reorg(depth: number, options: ReorgOptions = {}): Promise<BlockHeader> {
    this.assertOpen()
    const old = this.state
    if (!Number.isInteger(depth) || depth < 1 || depth > old.tip.height) {
      throw new Error(`reorg depth must be 1..${old.tip.height} (genesis stays), got ${depth}`)
    }
    const removed = old.blocks.slice(old.blocks.length - depth)
    const revived = removed.flatMap((block) => block.txids.slice(1)).map((txid) => old.txs.get(txid)!)
    const candidates = [
      ...revived.filter((record) => record.kind === 'standard'),
      ...old.mempool.map((txid) => old.txs.get(txid)!),
    ]
    const drop = new Set(options.dropTxids ?? [])
    for (const txid of drop) {
      if (!candidates.some((record) => record.txid === txid)) {
        throw new Error(`reorg can only drop transactions of removed blocks or the mempool: ${txid}`)
      }
    }
    this.state = replayBlocks(old, old.blocks.slice(0, old.blocks.length - depth))
    this.readmit(candidates.filter((record) => !drop.has(record.txid)))
    for (let i = 0; i <= depth; i++) {
      const replaced = removed[i]
      const block = this.mineBlock()
      // Random nonces and coinbase extra nonces make this practically impossible; check anyway.
      if (replaced && block.hash === replaced.hash) {
        throw new Error('a replacement block repeated a removed block')
      }
    }
    await this.save()
    this.options.logger?.info(
      { depth, dropped: drop.size, height: this.state.tip.height },
      'devnet reorganised',
    )
    return this.announceTip()
  }

  // ---- Timer, events, lifetime ----

  /** Mines a block every `blockIntervalSeconds` (nothing when 0) until stop() or close(). */
  start(): void {
    this.assertOpen()
    const intervalMs = this.options.blockIntervalSeconds * MS_PER_SECOND
    if (intervalMs <= 0 || this.timer) return
    this.timer = setInterval(() => {
      this.mine(1).catch((error: unknown) =>
        this.options.logger?.error({ err: error }, 'devnet mining failed'),
      )
    }, intervalMs)
    // The timer alone must not keep a finished process (or a test run) alive.
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Stops mining and waits until the state is on disk. */
  async close(): Promise<void> {
    this.stop()
    this.closed = true
    await this.store.flush()
  }

  onNewTip(listener: TipListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private announceTip(): BlockHeader {
    const tip = this.tip()
    for (const listener of this.listeners) {
      try {
        listener(tip)
      } catch (error) {
        this.options.logger?.error({ err: error }, 'a devnet tip listener failed')
      }
    }
    return tip
  }

  private mineBlock(): DevnetBlock {
    const previous = this.state.tip
    const height = previous.height + 1
    const coinbase = blockCoinbase(height)
    const coinbaseRecord = newRecord(coinbase.id('hex'), coinbase.toHex(), coinbase, 'coinbase')
    const txids = [coinbaseRecord.txid, ...this.state.mempool]
    const nowSeconds = Math.floor((this.options.nowMs ?? Date.now)() / MS_PER_SECOND)
    const fields = {
      version: BLOCK_VERSION,
      prevHash: previous.hash,
      merkleRoot: merkleRoot(txids),
      // Block times only move forward here, even when several blocks are mined in one second.
      time: Math.max(previous.time + 1, nowSeconds),
      bits: REGTEST_BITS,
      nonce: randomNonce(),
    }
    const block: DevnetBlock = { ...fields, height, hash: headerHash(fields), txids }
    this.state.appendBlock(block, coinbaseRecord)
    return block
  }

  /** Puts transactions back into the mempool, each checked again; those that no longer fit vanish. */
  private readmit(records: readonly TxRecord[]): void {
    for (const record of records) {
      const fresh = newRecord(record.txid, record.hex, record.tx, record.kind)
      if (record.kind === 'faucet') {
        this.state.addToMempool(fresh)
        continue
      }
      const parsed = parseRawTx(record.hex)
      if (parsed && admit(this.state, parsed, this.feeRateSatsPerKb).ok) {
        this.state.addToMempool(fresh)
      } else {
        this.options.logger?.info({ txid: record.txid }, 'devnet dropped a transaction that no longer fits')
      }
    }
  }

  private readmitMempool(hexes: readonly string[]): void {
    const records = hexes.map((hex) => {
      const parsed = parseRawTx(hex)
      if (!parsed) throw new Error(`${this.store.file}: a mempool transaction does not parse`)
      return newRecord(parsed.txid, parsed.hex, parsed.tx, isCoinbaseStyle(parsed.tx) ? 'faucet' : 'standard')
    })
    this.readmit(records)
  }

  private save(): Promise<void> {
    return this.store.save(() => this.snapshot())
  }

  private snapshot(): StoredChain {
    const hexOf = (txid: string) => this.state.txs.get(txid)!.hex
    return {
      format: DEVNET_FILE_FORMAT,
      version: DEVNET_FILE_VERSION,
      blocks: this.state.blocks.map((block) => ({
        hash: block.hash,
        version: block.version,
        prevHash: block.prevHash,
        merkleRoot: block.merkleRoot,
        time: block.time,
        bits: block.bits,
        nonce: block.nonce,
        txs: block.txids.map(hexOf),
      })),
      mempool: this.state.mempool.map(hexOf),
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the devnet is closed')
  }
}

function genesisState(): ChainState {
  const state = new ChainState()
  const coinbase = genesisCoinbase()
  const record = newRecord(coinbase.id('hex'), coinbase.toHex(), coinbase, 'coinbase')
  const fields = {
    version: BLOCK_VERSION,
    prevHash: NULL_HASH_HEX,
    merkleRoot: merkleRoot([record.txid]),
    time: GENESIS_TIME_SECONDS,
    bits: REGTEST_BITS,
    nonce: 0,
  }
  state.appendBlock({ ...fields, height: 0, hash: headerHash(fields), txids: [record.txid] }, record)
  return state
}

/** A new state holding `blocks` (taken from `from`), with an empty mempool. */
function replayBlocks(from: ChainState, blocks: readonly DevnetBlock[]): ChainState {
  const state = new ChainState()
  for (const block of blocks) {
    const records = block.txids.map((txid) => {
      const old = from.txs.get(txid)!
      return newRecord(old.txid, old.hex, old.tx, old.kind)
    })
    appendRecords(state, { ...block, txids: [...block.txids] }, records)
  }
  return state
}

function appendRecords(state: ChainState, block: DevnetBlock, records: readonly TxRecord[]): void {
  const [coinbase, ...rest] = records
  if (!coinbase) throw new Error(`block ${block.height} has no coinbase`)
  for (const record of rest) state.addToMempool(record)
  state.appendBlock(block, coinbase)
}

/** Rebuilds the chain from a state file, checking every link, hash and Merkle root on the way. */
function restoreBlocks(saved: StoredChain, file: string): ChainState {
  const state = new ChainState()
  for (const [height, stored] of saved.blocks.entries()) {
    const records = stored.txs.map((hex, index) => {
      const parsed = parseRawTx(hex)
      if (!parsed) throw new Error(`${file}: block ${height} holds a transaction that does not parse`)
      const coinbaseStyle = isCoinbaseStyle(parsed.tx)
      if (index === 0 && !coinbaseStyle)
        throw new Error(`${file}: block ${height} does not start with a coinbase`)
      const kind: TxKind = index === 0 ? 'coinbase' : coinbaseStyle ? 'faucet' : 'standard'
      return newRecord(parsed.txid, parsed.hex, parsed.tx, kind)
    })
    const txids = records.map((record) => record.txid)
    const { txs: _txs, ...fields } = stored
    const expectedPrev = height === 0 ? NULL_HASH_HEX : state.tip.hash
    if (
      fields.prevHash !== expectedPrev ||
      fields.merkleRoot !== merkleRoot(txids) ||
      headerHash(fields) !== fields.hash
    ) {
      throw new Error(`${file}: block ${height} does not link, hash or match its Merkle root`)
    }
    appendRecords(state, { ...fields, height, txids }, records)
  }
  return state
}
