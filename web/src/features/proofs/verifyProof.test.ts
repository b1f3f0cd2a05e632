/**
 * Proves the browser's proof check against the rules of src/domain/record-tree.ts: a tree of
 * three records hashed here by hand with node:crypto (including the promoted odd node, which adds
 * no step), every leaf of the server's own trees of 1 to 9 records, and proofs that were tampered
 * with in each of their parts.
 */
import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import type { TransferRecord } from '../../../../contracts/proofs.ts'
import { buildRecordTree, canonicalRecord } from '../../../../src/domain/record-tree.ts'
import { canonicalText, checkTransferProof, foldPath, leafHashOf, proofFailure } from './verifyProof.ts'

function record(seq: number, overrides: Partial<TransferRecord> = {}): TransferRecord {
  return {
    kind: 'transfer',
    seq,
    id: `withdrawal:wd_${seq}`,
    debit: 'user:7',
    credit: 'clearing:withdrawals',
    amountSats: 1_000 * seq,
    code: 'withdrawal',
    ref: seq % 2 === 0 ? null : `wd_${seq}`,
    ...overrides,
  }
}

function sha256(...parts: Buffer[]): string {
  return createHash('sha256').update(Buffer.concat(parts)).digest('hex')
}

const leaf = (text: string) => sha256(Buffer.from([0x00]), Buffer.from(text, 'utf8'))
const node = (left: string, right: string) =>
  sha256(Buffer.from([0x01]), Buffer.from(left, 'hex'), Buffer.from(right, 'hex'))

describe('a tree of three records hashed by hand', () => {
  // Leaves a, b, c: the root is node(node(a, b), c); c is promoted past the first level unpaired.
  const records = [record(1), record(2), record(3, { debit: 'user:é', ref: 'quote "x"' })]
  const texts = records.map(canonicalText)
  const [a, b, c] = texts.map(leaf) as [string, string, string]
  const ab = node(a, b)
  const root = node(ab, c)

  test('the canonical text is the fixed-order JSON the server hashes', () => {
    expect(texts[0]).toBe(
      '{"kind":"transfer","seq":1,"id":"withdrawal:wd_1","debit":"user:7","credit":"clearing:withdrawals","amountSats":1000,"code":"withdrawal","ref":"wd_1"}',
    )
    expect(texts).toEqual(records.map(canonicalRecord))
  })

  test('leaf hashes are SHA-256 of 0x00 and the UTF-8 text', async () => {
    expect(await leafHashOf(texts[2]!)).toBe(c)
  })

  test('a left leaf folds with its sibling on the right, then the promoted node', async () => {
    const path = [
      { side: 'right' as const, hash: b },
      { side: 'right' as const, hash: c },
    ]
    const steps = await foldPath(a, path)
    expect(steps?.map((step) => step.node)).toEqual([ab, root])
    const check = await checkTransferProof({
      record: records[0]!,
      canonical: texts[0]!,
      leafHash: a,
      path,
      root,
    })
    expect(check).toMatchObject({ textIsRecord: true, leafMatches: true, rootMatches: true, verified: true })
    expect(proofFailure(check)).toBeNull()
  })

  test('the promoted leaf has one step, with its sibling on the left', async () => {
    const check = await checkTransferProof({
      record: records[2]!,
      canonical: texts[2]!,
      leafHash: c,
      path: [{ side: 'left', hash: ab }],
      root,
    })
    expect(check.verified).toBe(true)
  })

  test('a single record is its own root', async () => {
    const check = await checkTransferProof({
      record: records[0]!,
      canonical: texts[0]!,
      leafHash: a,
      path: [],
      root: a,
    })
    expect(check.verified).toBe(true)
  })
})

describe('against the server’s own trees', () => {
  test('every leaf of trees of 1 to 9 records verifies', async () => {
    for (let size = 1; size <= 9; size++) {
      const records = Array.from({ length: size }, (_, i) => record(i + 1))
      const tree = buildRecordTree(records)
      for (let index = 0; index < size; index++) {
        const proof = {
          record: records[index]!,
          canonical: canonicalRecord(records[index]!),
          leafHash: tree.leaves[index]!,
          path: tree.pathOf(index),
          root: tree.root,
        }
        expect((await checkTransferProof(proof)).verified, `leaf ${index} of ${size}`).toBe(true)
      }
    }
  })
})

describe('a tampered proof', () => {
  const records = [record(1), record(2), record(3), record(4)]
  const tree = buildRecordTree(records)
  const good = {
    record: records[1]!,
    canonical: canonicalRecord(records[1]!),
    leafHash: tree.leaves[1]!,
    path: tree.pathOf(1),
    root: tree.root,
  }

  test('fails on the first thing that does not hold, and says which', async () => {
    const otherAmount = { ...good, record: { ...good.record, amountSats: 999_999 } }
    expect(proofFailure(await checkTransferProof(otherAmount))).toBe('the canonical text is not this record.')

    const otherLeaf = { ...good, leafHash: tree.leaves[0]! }
    expect(proofFailure(await checkTransferProof(otherLeaf))).toBe(
      'the canonical text does not hash to the leaf hash.',
    )

    const flipped = { ...good, path: good.path.map((step) => ({ ...step, side: 'right' as const })) }
    expect(proofFailure(await checkTransferProof(flipped))).toBe(
      'the path does not lead to the anchored root.',
    )

    const malformed = { ...good, path: [{ side: 'left' as const, hash: 'ABC' }] }
    expect(proofFailure(await checkTransferProof(malformed))).toBe(
      'a step of the path is not a well-formed hash.',
    )

    const otherRoot = { ...good, root: tree.leaves[3]! }
    expect(proofFailure(await checkTransferProof(otherRoot))).toBe(
      'the path does not lead to the anchored root.',
    )
  })
})
