/**
 * The audit (SPEC 3): recomputes a period's root from its records, read from the database or
 * from an exported file, and checks it against the anchor transaction on chain: the transaction
 * the anchor names exists, its OP_RETURN holds this root for this period, and it is confirmed in
 * a block whose Merkle root the chain's proof leads to. The CLI prints the result; nothing here
 * writes anything.
 */

import type { RecordsExport } from '../../../contracts/proofs.ts'
import { rootFromBranch } from '../../adapters/chain/merkle.ts'
import type { ChainSource } from '../../adapters/chain/source.ts'
import { buildRecordTree, RECORD_FORMAT_VERSION, type TransferRecord } from '../../domain/record-tree.ts'
import { findAnchorPayload, periodLabel } from './anchor-payload.ts'
import type { Anchor, AnchorsRepository } from './anchors.repository.ts'

export type AuditTarget = { period: number } | { anchorId: number }

export interface AuditDeps {
  anchors: Pick<AnchorsRepository, 'byId' | 'livePeriod' | 'records'>
  chain: Pick<ChainSource, 'rawTx' | 'txStatus' | 'merkleProof' | 'headerByHash'>
}

export interface AuditReport {
  anchorId: number
  period: string
  txid: string | null
  recordCount: number
  /** The root of the records audited. */
  computedRoot: string | null
  /** The root the anchor row recorded. */
  recordedRoot: string
  /** The root found in the transaction's OP_RETURN. */
  onChainRoot: string | null
  confirmed: boolean
  blockHeight: number | null
  /** Every check that failed, in words; empty when the audit passes. */
  problems: string[]
}

export type AuditResult =
  | { status: 'no_anchor'; target: AuditTarget }
  | { status: 'checked'; ok: boolean; report: AuditReport }

async function findAnchor(deps: AuditDeps, target: AuditTarget): Promise<Anchor | undefined> {
  return 'anchorId' in target
    ? deps.anchors.byId(target.anchorId)
    : deps.anchors.livePeriod('block', target.period)
}

/** The period's records as the export file holds them. */
export async function exportRecords(
  deps: AuditDeps,
  target: AuditTarget,
): Promise<RecordsExport | undefined> {
  const anchor = await findAnchor(deps, target)
  if (!anchor) return undefined
  return {
    format: 'memepool-records',
    version: 1,
    anchorId: anchor.id,
    period: periodLabel(anchor.periodKind, anchor.periodKey),
    records: await deps.anchors.records(anchor),
  }
}

function rangeProblems(anchor: Anchor, records: readonly TransferRecord[]): string[] {
  const problems: string[] = []
  if (records.length !== anchor.recordCount) {
    problems.push(`the anchor holds ${anchor.recordCount} records, the audited set ${records.length}`)
  }
  if (records[0]?.seq !== anchor.firstSeq || records[records.length - 1]?.seq !== anchor.lastSeq) {
    problems.push(`the anchor covers seq ${anchor.firstSeq}..${anchor.lastSeq}, the records do not`)
  }
  for (let i = 1; i < records.length; i++) {
    if (records[i]!.seq <= records[i - 1]!.seq) {
      problems.push(`records are not in increasing seq order at position ${i}`)
      break
    }
  }
  return problems
}

/** The chain side: the anchor transaction, its payload, its confirmation and its block proof. */
async function chainChecks(
  deps: AuditDeps,
  anchor: Anchor,
  computedRoot: string | null,
): Promise<Pick<AuditReport, 'onChainRoot' | 'confirmed' | 'blockHeight' | 'problems'>> {
  const problems: string[] = []
  const none = { onChainRoot: null, confirmed: false, blockHeight: null }
  if (anchor.txid === null) return { ...none, problems: ['the anchor has no transaction yet'] }
  const rawTx = await deps.chain.rawTx(anchor.txid)
  if (rawTx === undefined)
    return { ...none, problems: [`the chain does not know transaction ${anchor.txid}`] }
  const payload = findAnchorPayload(rawTx)
  if (!payload) problems.push(`transaction ${anchor.txid} holds no memepool anchor`)
  else {
    if (payload.version !== RECORD_FORMAT_VERSION) problems.push(`unknown anchor version ${payload.version}`)
    if (payload.period !== periodLabel(anchor.periodKind, anchor.periodKey)) {
      problems.push(`the transaction anchors ${payload.period}, not this period`)
    }
    if (payload.root !== computedRoot) problems.push('the root on chain differs from the root of the records')
  }
  const [status] = await deps.chain.txStatus([anchor.txid])
  const confirmed = status?.state === 'confirmed'
  if (!confirmed) problems.push('the anchor transaction is not confirmed')
  else {
    const proof = await deps.chain.merkleProof(anchor.txid)
    const header = proof && (await deps.chain.headerByHash(proof.blockHash))
    if (!proof || !header || rootFromBranch(anchor.txid, proof.index, proof.nodes) !== header.merkleRoot) {
      problems.push('the chain gives no valid Merkle proof of the anchor transaction in its block')
    }
  }
  return { onChainRoot: payload?.root ?? null, confirmed, blockHeight: status?.blockHeight ?? null, problems }
}

/**
 * Audits one anchor. `records` replaces the database's records (an export, possibly from
 * someone else's copy); without it the database's are used.
 */
export async function auditAnchor(
  deps: AuditDeps,
  target: AuditTarget,
  records?: readonly TransferRecord[],
): Promise<AuditResult> {
  const anchor = await findAnchor(deps, target)
  if (!anchor) return { status: 'no_anchor', target }
  const audited = records ?? (await deps.anchors.records(anchor))
  const problems = rangeProblems(anchor, audited)
  let computedRoot: string | null = null
  if (problems.length === 0) computedRoot = buildRecordTree(audited).root
  if (computedRoot !== null && computedRoot !== anchor.root) {
    problems.push('the root of the records differs from the root the anchor recorded')
  }
  const chain = await chainChecks(deps, anchor, computedRoot)
  const report: AuditReport = {
    anchorId: anchor.id,
    period: periodLabel(anchor.periodKind, anchor.periodKey),
    txid: anchor.txid,
    recordCount: audited.length,
    computedRoot,
    recordedRoot: anchor.root,
    onChainRoot: chain.onChainRoot,
    confirmed: chain.confirmed,
    blockHeight: chain.blockHeight,
    problems: [...problems, ...chain.problems],
  }
  return { status: 'checked', ok: report.problems.length === 0, report }
}
