/**
 * Checks a transfer proof in the browser, trusting nothing the server computed. The rules are
 * those of src/domain/record-tree.ts, mirrored here on Web Crypto because that file hashes with
 * server libraries:
 *   - the canonical text is JSON.stringify of the record with its keys in a fixed order;
 *   - leaf = SHA-256(0x00 || UTF-8 bytes of the canonical text);
 *   - inner node = SHA-256(0x01 || left || right), where a step whose sibling sits on the left
 *     hashes (sibling, node) and one on the right hashes (node, sibling);
 *   - hashes are lowercase hex of the digest as computed, with no byte reversal.
 * A proof holds when the text is the record, the text hashes to the leaf, and folding the path
 * from the leaf ends at the root. That the root is in the anchor transaction is for the chain to
 * show; the page names the transaction so anyone can look.
 */
import type { TransferProof, TransferRecord } from '../../../../contracts/proofs.ts'

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01
const HASH_HEX = /^[0-9a-f]{64}$/

type PathStep = TransferProof['path'][number]

/** The record's canonical text (record-tree.ts canonicalRecord): fixed key order, no whitespace. */
export function canonicalText(record: TransferRecord): string {
  return JSON.stringify({
    kind: record.kind,
    seq: record.seq,
    id: record.id,
    debit: record.debit,
    credit: record.credit,
    amountSats: record.amountSats,
    code: record.code,
    ref: record.ref,
  })
}

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

async function sha256Hex(prefix: number, ...parts: Uint8Array[]): Promise<string> {
  const length = parts.reduce((sum, part) => sum + part.length, 1)
  const message = new Uint8Array(length)
  message[0] = prefix
  let offset = 1
  for (const part of parts) {
    message.set(part, offset)
    offset += part.length
  }
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', message)))
}

export function leafHashOf(canonical: string): Promise<string> {
  return sha256Hex(LEAF_PREFIX, new TextEncoder().encode(canonical))
}

export function nodeHashOf(left: string, right: string): Promise<string> {
  return sha256Hex(NODE_PREFIX, hexToBytes(left), hexToBytes(right))
}

/** One step of the fold: the sibling it took in and the node it made. */
export interface FoldedStep extends PathStep {
  node: string
}

/** Every node on the way from the leaf to the root, or undefined when a hash is not well formed. */
export async function foldPath(leaf: string, path: readonly PathStep[]): Promise<FoldedStep[] | undefined> {
  if (!HASH_HEX.test(leaf)) return undefined
  const steps: FoldedStep[] = []
  let node = leaf
  for (const step of path) {
    if (!HASH_HEX.test(step.hash) || (step.side !== 'left' && step.side !== 'right')) return undefined
    node = step.side === 'left' ? await nodeHashOf(step.hash, node) : await nodeHashOf(node, step.hash)
    steps.push({ ...step, node })
  }
  return steps
}

export interface ProofCheck {
  /** The canonical text is exactly the record shown, so the record is what was hashed. */
  textIsRecord: boolean
  /** SHA-256 of the canonical text as this browser computed it. */
  leafHash: string
  leafMatches: boolean
  /** The fold from the computed leaf hash; undefined when the path is malformed. */
  steps: FoldedStep[] | undefined
  rootMatches: boolean
  verified: boolean
}

export async function checkTransferProof(
  proof: Pick<TransferProof, 'record' | 'canonical' | 'leafHash' | 'path' | 'root'>,
): Promise<ProofCheck> {
  const textIsRecord = canonicalText(proof.record) === proof.canonical
  const leafHash = await leafHashOf(proof.canonical)
  const leafMatches = leafHash === proof.leafHash
  const steps = await foldPath(leafHash, proof.path)
  // With no steps the leaf is the root: a period with a single record.
  const root = steps === undefined ? undefined : (steps[steps.length - 1]?.node ?? leafHash)
  const rootMatches = root === proof.root
  return {
    textIsRecord,
    leafHash,
    leafMatches,
    steps,
    rootMatches,
    verified: textIsRecord && leafMatches && rootMatches,
  }
}

/** The first thing that did not hold, in words; null when the proof holds. */
export function proofFailure(check: ProofCheck): string | null {
  if (!check.textIsRecord) return 'the canonical text is not this record.'
  if (!check.leafMatches) return 'the canonical text does not hash to the leaf hash.'
  if (check.steps === undefined) return 'a step of the path is not a well-formed hash.'
  if (!check.rootMatches) return 'the path does not lead to the anchored root.'
  return null
}
