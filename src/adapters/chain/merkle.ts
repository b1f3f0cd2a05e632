/**
 * The standard Bitcoin Merkle tree over a block's txids (the last node of an odd level is paired
 * with itself) and the TSC proof form WhatsOnChain serves: the sibling of the node on each level,
 * leaf level first, '*' where the sibling is the node itself. The devnet builds roots and proofs
 * with it; the WhatsOnChain client checks proofs it receives against the block's root.
 */
import { Hash } from '@bsv/sdk'
import { hashToInternal, internalToHash, isHashHex } from './bytes.ts'

/** TSC's marker for "the sibling is this node itself" (duplicated last node of an odd level). */
export const DUPLICATE_NODE = '*'

function parentOf(left: readonly number[], right: readonly number[]): number[] {
  return Hash.hash256([...left, ...right])
}

function nextLevel(level: readonly number[][]): number[][] {
  const parents: number[][] = []
  for (let i = 0; i < level.length; i += 2) {
    const left = level[i]!
    parents.push(parentOf(left, level[i + 1] ?? left))
  }
  return parents
}

/** Every level of the tree, leaves first (internal byte order); the last level holds the root. */
function levelsOf(txids: readonly string[]): number[][][] {
  if (txids.length === 0) throw new Error('a Merkle tree needs at least one txid')
  const levels = [txids.map(hashToInternal)]
  while (levels[levels.length - 1]!.length > 1) levels.push(nextLevel(levels[levels.length - 1]!))
  return levels
}

/** The Merkle root (display hex) of txids in block order. */
export function merkleRoot(txids: readonly string[]): string {
  const levels = levelsOf(txids)
  return internalToHash(levels[levels.length - 1]![0]!)
}

/** The TSC `nodes` proving txids[index]: one sibling per level below the root, leaf level first. */
export function merkleBranch(txids: readonly string[], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= txids.length) {
    throw new Error(`index ${index} is outside a block of ${txids.length} transactions`)
  }
  const levels = levelsOf(txids)
  const nodes: string[] = []
  let position = index
  for (const level of levels.slice(0, -1)) {
    const sibling = level[position ^ 1]
    nodes.push(sibling === undefined ? DUPLICATE_NODE : internalToHash(sibling))
    position >>= 1
  }
  return nodes
}

/**
 * The root that a TSC proof leads to, or undefined when the proof is not well formed (a node that
 * is not a hash, a duplicate marker on a left sibling, or an index too large for the path).
 */
export function rootFromBranch(txid: string, index: number, nodes: readonly string[]): string | undefined {
  if (!isHashHex(txid) || !Number.isInteger(index) || index < 0) return undefined
  if (index >= 2 ** nodes.length) return undefined
  let node = hashToInternal(txid)
  let position = index
  for (const sibling of nodes) {
    const isRightChild = (position & 1) === 1
    if (sibling === DUPLICATE_NODE) {
      // Only the last node of a level is paired with itself, and it is always a left child.
      if (isRightChild) return undefined
      node = parentOf(node, node)
    } else {
      if (!isHashHex(sibling)) return undefined
      const other = hashToInternal(sibling)
      node = isRightChild ? parentOf(other, node) : parentOf(node, other)
    }
    position >>= 1
  }
  return internalToHash(node)
}
