/**
 * Proofs of anchored records (SPEC 3 "Anchoring"), as the API serves them and as the audit
 * command's export file holds them. How records are serialised and hashed, and how a path is
 * followed, is documented in src/domain/record-tree.ts; a client can check a proof with no
 * other knowledge: hash the canonical text into the leaf, fold the path into the root, find the
 * root in the anchor transaction's OP_RETURN, and the transaction in its block with txMerkleProof.
 */
import { type Static, Type } from '@sinclair/typebox'

const Hash = Type.String({ pattern: '^[0-9a-f]{64}$' })

export const TransferRecord = Type.Object(
  {
    kind: Type.Literal('transfer'),
    seq: Type.Integer({ minimum: 1, description: 'The ledger order; leaves are sorted by it.' }),
    id: Type.String(),
    debit: Type.String({ description: 'Account debited, e.g. user:42.' }),
    credit: Type.String({ description: 'Account credited.' }),
    amountSats: Type.Integer({ minimum: 1 }),
    code: Type.String(),
    ref: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
)
export type TransferRecord = Static<typeof TransferRecord>

export const PathStep = Type.Object({
  side: Type.Union([Type.Literal('left'), Type.Literal('right')], {
    description: 'Where the sibling sits: left means hash(sibling || node).',
  }),
  hash: Hash,
})

export const TxMerkleProof = Type.Object({
  txid: Hash,
  blockHash: Hash,
  blockHeight: Type.Integer({ minimum: 0 }),
  index: Type.Integer({ minimum: 0 }),
  nodes: Type.Array(Type.String(), {
    description: "Sibling txids, display hex, leaf level first; '*' means the node itself (TSC form).",
  }),
})

export const TransferProof = Type.Object({
  record: TransferRecord,
  canonical: Type.String({
    description: 'The exact text whose UTF-8 bytes, after a 0x00 byte, hash to leafHash.',
  }),
  leafHash: Hash,
  path: Type.Array(PathStep, {
    description: 'Siblings from the leaf up; inner nodes hash 0x01 || left || right.',
  }),
  root: Hash,
  anchor: Type.Object({
    id: Type.Integer(),
    period: Type.String({ description: 'e.g. block:812345, as written in the OP_RETURN.' }),
    txid: Hash,
    state: Type.Union([
      Type.Literal('built'),
      Type.Literal('broadcast'),
      Type.Literal('confirmed'),
      Type.Literal('failed'),
    ]),
    blockHeight: Type.Union([Type.Integer(), Type.Null()]),
    blockHash: Type.Union([Hash, Type.Null()]),
    txMerkleProof: Type.Union([TxMerkleProof, Type.Null()], {
      description: 'The chain proof of the anchor transaction in its block, once confirmed.',
    }),
  }),
})
export type TransferProof = Static<typeof TransferProof>

export const TransferProofParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })

/** The file `npm run cli -- export` writes and `audit --records` reads. */
export const RecordsExport = Type.Object({
  format: Type.Literal('memepool-records'),
  version: Type.Literal(1),
  anchorId: Type.Integer(),
  period: Type.String(),
  records: Type.Array(TransferRecord),
})
export type RecordsExport = Static<typeof RecordsExport>
