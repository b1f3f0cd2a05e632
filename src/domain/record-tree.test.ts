/**
 * The record tree: every leaf's path leads to the root for trees of 1 to 40 records (odd sizes
 * included); a changed record, a changed or dropped path step, a flipped side and a reordering of
 * the records all fail; the canonical form is fixed byte for byte; and leaves and inner nodes are
 * hashed apart, so a leaf can never stand in for a subtree. The root computed in slices (for the
 * event loop's sake) equals the tree's root, below and across the slice size.
 */
import { Hash, Utils } from '@bsv/sdk'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  buildRecordTree,
  canonicalRecord,
  leafHash,
  nodeHash,
  recordTreeRoot,
  type TransferRecord,
  verifyPath,
} from './record-tree.ts'

const MAX_RECORDS = 40

const recordArb = fc.record({
  id: fc.string({ minLength: 1, maxLength: 20 }),
  debit: fc.string({ minLength: 1, maxLength: 20 }),
  credit: fc.string({ minLength: 1, maxLength: 20 }),
  amountSats: fc.integer({ min: 1, max: 2_100_000_000_000_000 }),
  code: fc.constantFrom('deposit', 'withdrawal', 'trade', 'view'),
  ref: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
})

/** Records with strictly increasing seqs (gaps allowed, as a bigserial has them). */
const recordsArb = fc
  .array(fc.tuple(recordArb, fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: MAX_RECORDS })
  .map((items) => {
    let seq = 0
    return items.map(([fields, gap]): TransferRecord => {
      seq += gap
      return { kind: 'transfer', seq, ...fields }
    })
  })

/** `size` transfers with seqs 1..size. */
function sequentialRecords(size: number): TransferRecord[] {
  return Array.from(
    { length: size },
    (_, i): TransferRecord => ({
      kind: 'transfer',
      seq: i + 1,
      id: `t${i}`,
      debit: 'a',
      credit: 'b',
      amountSats: 1,
      code: 'c',
      ref: null,
    }),
  )
}

const withIndex = recordsArb.chain((records) =>
  fc.tuple(fc.constant(records), fc.integer({ min: 0, max: records.length - 1 })),
)

describe('record tree', () => {
  it('proves every leaf of trees of every size', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const tree = buildRecordTree(records)
        records.forEach((record, index) => {
          expect(tree.leaves[index]).toBe(leafHash(record))
          expect(verifyPath(leafHash(record), tree.pathOf(index), tree.root)).toBe(true)
        })
      }),
    )
  })

  it('computes the same root in slices as all at once', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, async (records) => {
        expect(await recordTreeRoot(records)).toBe(buildRecordTree(records).root)
      }),
    )
    // Sizes around the slice of 2,000 hashes, odd ones included.
    for (const size of [1_999, 2_000, 2_001, 4_001, 6_003]) {
      const records = sequentialRecords(size)
      expect(await recordTreeRoot(records)).toBe(buildRecordTree(records).root)
    }
    await expect(recordTreeRoot([])).rejects.toThrow(/at least one record/)
  })

  it('has paths no longer than the tree is deep', () => {
    for (let size = 1; size <= MAX_RECORDS; size++) {
      const records = sequentialRecords(size)
      const tree = buildRecordTree(records)
      const depth = Math.ceil(Math.log2(size))
      for (let i = 0; i < size; i++) {
        expect(tree.pathOf(i).length).toBeLessThanOrEqual(depth)
        expect(verifyPath(tree.leaves[i]!, tree.pathOf(i), tree.root)).toBe(true)
      }
      if (size === 1) expect(tree.root).toBe(leafHash(records[0]!))
    }
  })

  it('refuses a changed record', () => {
    fc.assert(
      fc.property(withIndex, fc.integer({ min: 1, max: 1000 }), ([records, index], delta) => {
        const tree = buildRecordTree(records)
        const record = records[index]!
        const changed = { ...record, amountSats: record.amountSats + delta }
        expect(verifyPath(leafHash(changed), tree.pathOf(index), tree.root)).toBe(false)
        const renamed = { ...record, credit: `${record.credit}x` }
        expect(verifyPath(leafHash(renamed), tree.pathOf(index), tree.root)).toBe(false)
      }),
    )
  })

  it('refuses a changed, dropped or flipped path step', () => {
    fc.assert(
      fc.property(
        withIndex.filter(([records]) => records.length > 1),
        fc.nat(),
        ([records, index], pick) => {
          const tree = buildRecordTree(records)
          const path = tree.pathOf(index)
          const at = pick % path.length
          const leaf = tree.leaves[index]!
          const step = path[at]!
          const flippedHex = `${step.hash[0] === '0' ? '1' : '0'}${step.hash.slice(1)}`
          const changed = path.map((s, i) => (i === at ? { ...s, hash: flippedHex } : s))
          expect(verifyPath(leaf, changed, tree.root)).toBe(false)
          expect(verifyPath(leaf, path.toSpliced(at, 1), tree.root)).toBe(false)
          const flipped = path.map((s, i) =>
            i === at ? { ...s, side: s.side === 'left' ? ('right' as const) : ('left' as const) } : s,
          )
          expect(verifyPath(leaf, flipped, tree.root)).toBe(false)
        },
      ),
    )
  })

  it('gives a different root when two records swap places', () => {
    fc.assert(
      fc.property(
        withIndex.filter(([records]) => records.length > 1),
        ([records, index]) => {
          const other = index === 0 ? 1 : index - 1
          const swapped = [...records]
          // Keep the seqs where they are so the tree still accepts the order; swap the contents.
          swapped[index] = { ...records[other]!, seq: records[index]!.seq }
          swapped[other] = { ...records[index]!, seq: records[other]!.seq }
          expect(buildRecordTree(swapped).root).not.toBe(buildRecordTree(records).root)
          expect(() => buildRecordTree(records.toReversed())).toThrow(/increasing seq/)
        },
      ),
    )
  })

  it('writes the canonical form byte for byte and hashes leaves and nodes apart', () => {
    const record: TransferRecord = {
      kind: 'transfer',
      seq: 7,
      id: 'dep-1',
      debit: 'clearing:deposits',
      credit: 'user:42',
      amountSats: 5000,
      code: 'deposit',
      ref: 'é"\n',
    }
    const text =
      '{"kind":"transfer","seq":7,"id":"dep-1","debit":"clearing:deposits","credit":"user:42",' +
      '"amountSats":5000,"code":"deposit","ref":"é\\"\\n"}'
    expect(canonicalRecord(record)).toBe(text)
    expect(leafHash(record)).toBe(Utils.toHex(Hash.sha256([0x00, ...Utils.toArray(text, 'utf8')])))
    const a = leafHash(record)
    const b = leafHash({ ...record, seq: 8 })
    expect(nodeHash(a, b)).toBe(Utils.toHex(Hash.sha256([0x01, ...Utils.toArray(a + b, 'hex')])))
    // Two leaves' concatenation as one record's bytes never gives the parent: different prefixes.
    expect(nodeHash(a, b)).not.toBe(Utils.toHex(Hash.sha256([0x00, ...Utils.toArray(a + b, 'hex')])))
  })
})
