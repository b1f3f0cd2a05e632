/**
 * The record tree: a Merkle tree over what the platform recorded in one period, whose root is
 * published on chain (SPEC 3 "Anchoring"). Anyone holding a record, its path and the anchor
 * transaction can check that the record was part of the period, without trusting the server.
 *
 * Canonical form of a record (version 1): the UTF-8 bytes of a JSON object with exactly these
 * keys in this order, no whitespace, as JSON.stringify writes them:
 *   {"kind":"transfer","seq":<int>,"id":<str>,"debit":<str>,"credit":<str>,
 *    "amountSats":<int>,"code":<str>,"ref":<str|null>}
 * JSON keeps the export readable in any language; the fixed key order and JSON.stringify's
 * fixed string escaping make the bytes deterministic. `kind` leaves room for trades and content
 * hashes in the same tree later without one kind's bytes ever equalling another's.
 *
 * Hashing: leaf = SHA-256(0x00 || canonical bytes), inner node = SHA-256(0x01 || left || right).
 * The distinct prefixes keep a leaf from ever being read as an inner node (the second-preimage
 * trick on Merkle trees). Leaves are ordered by `seq`, strictly increasing. On a level with an odd
 * number of nodes the last one is promoted unchanged to the next level, not paired with itself:
 * Bitcoin's duplication lets two different leaf lists share a root (CVE-2012-2459), promotion
 * does not. A promoted node adds no step to its path. Hashes are lowercase hex of the SHA-256
 * output as computed (no byte reversal, unlike Bitcoin's txids).
 */
import { createHash } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { assert } from './money.ts'

export const RECORD_FORMAT_VERSION = 1
const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01
const HASH_HEX = /^[0-9a-f]{64}$/

/** A ledger transfer as it is anchored. */
export interface TransferRecord {
  kind: 'transfer'
  seq: number
  id: string
  debit: string
  credit: string
  amountSats: number
  code: string
  ref: string | null
}

/** The sibling at one level of a path: `side` says where the sibling sits next to our node. */
export interface PathStep {
  side: 'left' | 'right'
  hash: string
}

export interface RecordTree {
  root: string
  /** Leaf hashes in seq order. */
  leaves: readonly string[]
  /** The path of leaf `index` (its position in seq order). */
  pathOf(index: number): PathStep[]
}

/** The record's canonical JSON text (see the file comment); its UTF-8 bytes are hashed. */
export function canonicalRecord(record: TransferRecord): string {
  assert(Number.isSafeInteger(record.seq) && record.seq > 0, `record seq must be a positive integer`)
  assert(
    Number.isSafeInteger(record.amountSats) && record.amountSats > 0,
    'record amount must be positive sats',
  )
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

// Node's native SHA-256: a period's tree hashes every transfer of the period, on the event loop
// that also answers viewers, so a JavaScript hash would stall it for the length of a block's tree.
const LEAF_PREFIX_BYTES = Buffer.from([LEAF_PREFIX])
const NODE_PREFIX_BYTES = Buffer.from([NODE_PREFIX])

export function leafHash(record: TransferRecord): string {
  return createHash('sha256').update(LEAF_PREFIX_BYTES).update(canonicalRecord(record), 'utf8').digest('hex')
}

export function nodeHash(left: string, right: string): string {
  return createHash('sha256')
    .update(NODE_PREFIX_BYTES)
    .update(Buffer.from(left, 'hex'))
    .update(Buffer.from(right, 'hex'))
    .digest('hex')
}

/** The parent of nodes i and i + 1 (i even); the last node of an odd level is promoted as it is. */
function parentAt(level: readonly string[], i: number): string {
  const right = level[i + 1]
  return right === undefined ? level[i]! : nodeHash(level[i]!, right)
}

function nextLevel(level: readonly string[]): string[] {
  const parents: string[] = []
  for (let i = 0; i < level.length; i += 2) parents.push(parentAt(level, i))
  return parents
}

/** Builds the tree over records in seq order; at least one record, seqs strictly increasing. */
export function buildRecordTree(records: readonly TransferRecord[]): RecordTree {
  assert(records.length > 0, 'a record tree needs at least one record')
  for (let i = 1; i < records.length; i++) {
    assert(records[i]!.seq > records[i - 1]!.seq, 'records must be in strictly increasing seq order')
  }
  const levels: string[][] = [records.map(leafHash)]
  while (levels[levels.length - 1]!.length > 1) levels.push(nextLevel(levels[levels.length - 1]!))
  return {
    root: levels[levels.length - 1]![0]!,
    leaves: levels[0]!,
    pathOf(index: number): PathStep[] {
      assert(Number.isInteger(index) && index >= 0 && index < records.length, `no leaf at ${index}`)
      const path: PathStep[] = []
      let position = index
      for (const level of levels.slice(0, -1)) {
        const isRight = (position & 1) === 1
        const sibling = level[isRight ? position - 1 : position + 1]
        // No sibling: the node is promoted as it is and the path has no step for this level.
        if (sibling !== undefined) path.push({ side: isRight ? 'left' : 'right', hash: sibling })
        position >>= 1
      }
      return path
    },
  }
}

/** Hashes per turn of the event loop in recordTreeRoot: a few milliseconds of work. */
const HASHES_PER_TURN = 2_000

/**
 * The same root as buildRecordTree(records).root, computed HASHES_PER_TURN hashes at a time with
 * a turn of the event loop between: a period of a busy platform holds hundreds of thousands of
 * transfers, and the process hashing them also answers viewers every second.
 */
export async function recordTreeRoot(records: readonly TransferRecord[]): Promise<string> {
  assert(records.length > 0, 'a record tree needs at least one record')
  let level: string[] = []
  for (let i = 0; i < records.length; i++) {
    assert(
      i === 0 || records[i]!.seq > records[i - 1]!.seq,
      'records must be in strictly increasing seq order',
    )
    level.push(leafHash(records[i]!))
    if ((i + 1) % HASHES_PER_TURN === 0) await nextTurn()
  }
  while (level.length > 1) {
    const parents: string[] = []
    for (let i = 0; i < level.length; i += 2) {
      parents.push(parentAt(level, i))
      if ((i / 2 + 1) % HASHES_PER_TURN === 0) await nextTurn()
    }
    level = parents
  }
  return level[0]!
}

/** The root a path leads to from a leaf, or undefined when a step is not well formed. */
export function rootFromPath(leaf: string, path: readonly PathStep[]): string | undefined {
  if (!HASH_HEX.test(leaf)) return undefined
  let node = leaf
  for (const step of path) {
    if (!HASH_HEX.test(step.hash) || (step.side !== 'left' && step.side !== 'right')) return undefined
    node = step.side === 'left' ? nodeHash(step.hash, node) : nodeHash(node, step.hash)
  }
  return node
}

export function verifyPath(leaf: string, path: readonly PathStep[], root: string): boolean {
  return rootFromPath(leaf, path) === root
}
