/**
 * Anchoring (SPEC 3): publishes the Merkle root of each period's ledger transfers in one
 * OP_RETURN transaction and follows it to confirmation, and serves the proofs that tie a
 * transfer to such a transaction.
 *
 * A period's anchor moves built → broadcast → confirmed, or to failed when the network refuses
 * the transaction. The row is recorded (with its range and root) before any transaction is
 * made, and the signed transaction is stored before it is sent, so a retry after a crash or an
 * outage sends the same bytes again and a period is never paid for twice. A failed anchor gives
 * its records back: the next period's anchor starts after the last anchor that did not fail.
 * A new anchor waits until every earlier one has been sent, so that a failure can only hit the
 * newest range and no record is left behind.
 *
 * Fleet. Only the leader anchors (src/services/leader/leader.ts). Given its `fence`, a new
 * anchor is neither created, signed nor sent without checking the leader's token first, so a
 * leader that lost its lease while paused stops there (the repository's writes are idempotent
 * per period, so the check sits before them rather than inside their transactions).
 */
import { P2PKH, SatoshisPerKilobyte, Transaction } from '@bsv/sdk'
import { ChainError, type ChainSource, type MerkleProof } from '../../adapters/chain/source.ts'
import { assert } from '../../domain/money.ts'
import {
  buildRecordTree,
  canonicalRecord,
  leafHash,
  type PathStep,
  RECORD_FORMAT_VERSION,
  recordTreeRoot,
  type TransferRecord,
} from '../../domain/record-tree.ts'
import type { Fence } from '../leader/leader.ts'
import { anchorScript, periodLabel } from './anchor-payload.ts'
import type { Anchor, AnchorsRepository, PeriodKind } from './anchors.repository.ts'
import type { AnchorFunder } from './funder.ts'

/** 0.1 sat/byte, the usual BSV relay fee (and the devnet's minimum). */
export const DEFAULT_ANCHOR_FEE_RATE_SATS_PER_KB = 100
/** An anchor spends at most this many funding outputs; more means the funder needs consolidating. */
const MAX_FUNDING_INPUTS = 50
/** Sizes for the fee estimate that picks inputs; the SDK's fee model computes the real fee. */
const TX_OVERHEAD_BYTES = 10
const P2PKH_INPUT_BYTES = 148
const P2PKH_OUTPUT_BYTES = 34
const OUTPUT_VALUE_AND_LENGTH_BYTES = 9
const BYTES_PER_KB = 1000
/** The change output must be worth something, or the SDK drops it and the fee math breaks. */
const MIN_CHANGE_SATS = 1

export interface Period {
  kind: PeriodKind
  key: number
}

export type AnchorOutcome =
  | { status: 'nothing_to_anchor' }
  /** Sent (state broadcast) or already in a block (confirmed). */
  | { status: 'anchored'; anchor: Anchor }
  /** An earlier anchor has not been sent yet; this period waits for it. */
  | { status: 'waiting_for_earlier'; anchor: Anchor }
  | { status: 'insufficient_funds'; anchor: Anchor; neededSats: number; availableSats: number }
  /** The chain source could not be reached; the anchor is kept and a retry sends it. */
  | { status: 'chain_unavailable'; anchor: Anchor; message: string }
  | { status: 'rejected'; anchor: Anchor; message: string }

export interface TransferProof {
  record: TransferRecord
  /** The exact text whose UTF-8 bytes were hashed into the leaf. */
  canonical: string
  leafHash: string
  path: PathStep[]
  root: string
  anchor: {
    id: number
    period: string
    txid: string
    state: Anchor['state']
    blockHeight: number | null
    blockHash: string | null
    /** The chain's proof that the anchor transaction is in its block, once confirmed. */
    txMerkleProof: MerkleProof | null
  }
}

/** Who asks for a proof: an admin sees every transfer, a user those touching their accounts. */
export type ProofViewer = { role: 'admin' } | { role: 'user'; accountIds: readonly string[] }

export type TransferProofResult =
  | { status: 'not_found' }
  | { status: 'not_anchored'; seq: number }
  | { status: 'ok'; proof: TransferProof }

export interface AnchoringServiceOptions {
  anchors: AnchorsRepository
  chain: ChainSource
  funder: AnchorFunder
  feeRateSatsPerKb?: number
  now?: () => Date
  /** The leader's fence; without one (a single node) nothing is fenced. */
  fence?: Fence
}

/** Where one anchor stands after an attempt to move it on. */
export type AnchorProgress = Exclude<
  AnchorOutcome,
  { status: 'nothing_to_anchor' } | { status: 'waiting_for_earlier' }
>

type FundedTx =
  | { status: 'ok'; rawTx: string; txid: string }
  | { status: 'insufficient_funds'; neededSats: number; availableSats: number }

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export class AnchoringService {
  private readonly anchors: AnchorsRepository
  private readonly chain: ChainSource
  private readonly funder: AnchorFunder
  private readonly feeRateSatsPerKb: number
  private readonly now: () => Date
  private readonly fence: Fence | undefined

  constructor(options: AnchoringServiceOptions) {
    this.fence = options.fence
    this.anchors = options.anchors
    this.chain = options.chain
    this.funder = options.funder
    this.feeRateSatsPerKb = options.feeRateSatsPerKb ?? DEFAULT_ANCHOR_FEE_RATE_SATS_PER_KB
    this.now = options.now ?? (() => new Date())
  }

  /**
   * Anchors everything recorded since the last anchor under `period`, or carries on with the
   * period's anchor if it already exists (a retry). Nothing new to anchor makes no transaction.
   */
  async anchorPeriod(period: Period): Promise<AnchorOutcome> {
    const existing = await this.anchors.livePeriod(period.kind, period.key)
    if (existing) return this.advance(existing)

    for (const earlier of await this.anchors.pending()) {
      if (earlier.state !== 'built') continue
      const outcome = await this.advance(earlier)
      if (outcome.status !== 'anchored' && outcome.status !== 'rejected') {
        return { status: 'waiting_for_earlier', anchor: outcome.anchor }
      }
    }

    await this.fence?.verify()
    const created = await this.anchors.createForUnanchored(period.kind, period.key, recordTreeRoot)
    if (created.status === 'created') return this.advance(created.anchor)
    // Another worker may have anchored this period since our first look: then that is our anchor.
    const winner = await this.anchors.livePeriod(period.kind, period.key)
    return winner ? this.advance(winner) : { status: 'nothing_to_anchor' }
  }

  /** Sends anchors not yet sent and records the confirmations of those sent; returns them as they now are. */
  async refresh(): Promise<AnchorProgress[]> {
    const outcomes: AnchorProgress[] = []
    for (const anchor of await this.anchors.pending()) outcomes.push(await this.advance(anchor))
    return outcomes
  }

  /** Moves one anchor as far as it can go now. */
  private async advance(initial: Anchor): Promise<AnchorProgress> {
    let anchor = initial
    if (anchor.state === 'confirmed') return { status: 'anchored', anchor }
    if (anchor.state === 'failed')
      return { status: 'rejected', anchor, message: anchor.lastError ?? 'refused' }
    try {
      if (anchor.rawTx === null) {
        const funded = await this.fundedTx(anchor)
        if (funded.status === 'insufficient_funds') return { ...funded, anchor }
        await this.fence?.verify()
        anchor = await this.anchors.setSignedTx(anchor.id, funded.rawTx, funded.txid)
      }
      if (anchor.state === 'built') return await this.send(anchor)
      return await this.follow(anchor)
    } catch (error) {
      if (!(error instanceof ChainError) || !error.retryable) throw error
      await this.anchors.noteError(anchor.id, errorText(error))
      return { status: 'chain_unavailable', anchor: await this.reload(anchor), message: error.message }
    }
  }

  private async reload(anchor: Anchor): Promise<Anchor> {
    const current = await this.anchors.byId(anchor.id)
    assert(current !== undefined, `anchor ${anchor.id} vanished`)
    return current
  }

  /** Only a node still leading sends: a deposed leader's anchor would race the new leader's. */
  private async broadcast(rawTx: string) {
    await this.fence?.verify()
    return this.chain.broadcast(rawTx)
  }

  private async send(anchor: Anchor): Promise<AnchorProgress> {
    assert(anchor.rawTx !== null && anchor.txid !== null, 'an anchor is sent only once signed')
    const result = await this.broadcast(anchor.rawTx)
    if (result.status === 'rejected') {
      const message = `${result.code}: ${result.message}`
      await this.anchors.markFailed(anchor.id, message)
      return { status: 'rejected', anchor: await this.reload(anchor), message }
    }
    assert(result.txid === anchor.txid, `the chain names anchor ${anchor.id}'s transaction ${result.txid}`)
    await this.anchors.markBroadcast(anchor.id, this.now())
    return this.follow(await this.reload(anchor))
  }

  /** Checks a sent anchor's transaction; one the chain has forgotten (evicted, reorganised) is sent again. */
  private async follow(anchor: Anchor): Promise<AnchorProgress> {
    assert(anchor.txid !== null && anchor.rawTx !== null, 'a sent anchor has its transaction')
    const [status] = await this.chain.txStatus([anchor.txid])
    if (status?.state === 'confirmed' && status.blockHeight !== undefined && status.blockHash !== undefined) {
      await this.anchors.markConfirmed(anchor.id, status.blockHeight, status.blockHash, this.now())
      return { status: 'anchored', anchor: await this.reload(anchor) }
    }
    if (status === undefined || status.state === 'unknown') {
      const result = await this.broadcast(anchor.rawTx)
      if (result.status === 'rejected') {
        const message = `${result.code}: ${result.message}`
        await this.anchors.markFailed(anchor.id, message)
        return { status: 'rejected', anchor: await this.reload(anchor), message }
      }
    }
    return { status: 'anchored', anchor }
  }

  private feeEstimateSats(inputs: number, dataScriptBytes: number): number {
    const bytes =
      TX_OVERHEAD_BYTES +
      inputs * P2PKH_INPUT_BYTES +
      OUTPUT_VALUE_AND_LENGTH_BYTES +
      dataScriptBytes +
      P2PKH_OUTPUT_BYTES
    return Math.ceil((bytes * this.feeRateSatsPerKb) / BYTES_PER_KB)
  }

  /** The signed anchor transaction: the data output and change back to the funder. */
  private async fundedTx(anchor: Anchor): Promise<FundedTx> {
    const script = anchorScript({
      version: RECORD_FORMAT_VERSION,
      root: anchor.root,
      period: periodLabel(anchor.periodKind, anchor.periodKey),
    })
    const scriptBytes = script.toBinary().length
    // Confirmed outputs first (they cannot vanish in a reorganisation of the mempool), larger first.
    const utxos = (await this.chain.utxos(this.funder.address)).sort(
      (a, b) => Number(a.height === null) - Number(b.height === null) || b.satoshis - a.satoshis,
    )
    const chosen: typeof utxos = []
    let totalSats = 0
    for (const utxo of utxos) {
      if (totalSats >= this.feeEstimateSats(chosen.length, scriptBytes) + MIN_CHANGE_SATS) break
      if (chosen.length === MAX_FUNDING_INPUTS) break
      chosen.push(utxo)
      totalSats += utxo.satoshis
    }
    const neededSats = this.feeEstimateSats(Math.max(chosen.length, 1), scriptBytes) + MIN_CHANGE_SATS
    if (chosen.length === 0 || totalSats < neededSats) {
      return { status: 'insufficient_funds', neededSats, availableSats: totalSats }
    }

    const tx = new Transaction()
    for (const utxo of chosen) {
      const raw = await this.chain.rawTx(utxo.txid)
      if (raw === undefined) {
        throw new ChainError(
          'CHAIN_BAD_RESPONSE',
          `the chain lists ${utxo.txid}:${utxo.vout} but not its transaction`,
          true,
        )
      }
      tx.addInput({
        sourceTransaction: Transaction.fromHex(raw),
        sourceOutputIndex: utxo.vout,
        unlockingScriptTemplate: this.funder.unlock(),
      })
    }
    tx.addOutput({ lockingScript: script, satoshis: 0 })
    tx.addOutput({ lockingScript: new P2PKH().lock(this.funder.address), change: true })
    await tx.fee(new SatoshisPerKilobyte(this.feeRateSatsPerKb))
    await tx.sign()
    const paidSats = tx.outputs.reduce((sum, output) => sum + (output.satoshis ?? 0), 0)
    assert(paidSats <= totalSats, 'an anchor transaction never spends more than its inputs')
    return { status: 'ok', rawTx: tx.toHex(), txid: tx.id('hex') }
  }

  /** The proof that transfer `id` is in an anchored tree, for a viewer allowed to see it. */
  async transferProof(id: string, viewer: ProofViewer): Promise<TransferProofResult> {
    const record = await this.anchors.transfer(id)
    if (!record) return { status: 'not_found' }
    // Someone else's transfer answers exactly as a missing one, so ids reveal nothing.
    if (
      viewer.role !== 'admin' &&
      !viewer.accountIds.some((a) => a === record.debit || a === record.credit)
    ) {
      return { status: 'not_found' }
    }
    const anchor = await this.anchors.covering(record.seq)
    if (!anchor || anchor.txid === null) return { status: 'not_anchored', seq: record.seq }

    const records = await this.anchors.records(anchor)
    const tree = buildRecordTree(records)
    assert(tree.root === anchor.root, `anchor ${anchor.id}'s records no longer give its root`)
    const index = records.findIndex((r) => r.id === record.id)
    assert(index >= 0, `transfer ${id} is inside anchor ${anchor.id}'s range but not among its records`)
    return {
      status: 'ok',
      proof: {
        record,
        canonical: canonicalRecord(record),
        leafHash: leafHash(record),
        path: tree.pathOf(index),
        root: tree.root,
        anchor: {
          id: anchor.id,
          period: periodLabel(anchor.periodKind, anchor.periodKey),
          txid: anchor.txid,
          state: anchor.state,
          blockHeight: anchor.blockHeight,
          blockHash: anchor.blockHash,
          txMerkleProof: anchor.state === 'confirmed' ? await this.txMerkleProof(anchor.txid) : null,
        },
      },
    }
  }

  /** The chain's proof, or null while the chain source cannot be reached: the rest of the proof still stands. */
  private async txMerkleProof(txid: string): Promise<MerkleProof | null> {
    try {
      return (await this.chain.merkleProof(txid)) ?? null
    } catch (error) {
      if (error instanceof ChainError) return null
      throw error
    }
  }
}
