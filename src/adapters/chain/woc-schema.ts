/**
 * WhatsOnChain response shapes (reference/bsv.md section 2), as TypeBox schemas. The devnet's
 * WhatsOnChain-compatible API serves them (they are its response schemas) and the client checks
 * every answer against them before reading a field, so a garbage or changed answer becomes
 * CHAIN_BAD_RESPONSE instead of a wrong number. Objects allow extra fields: WoC adds some over time.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { HASH_HEX_PATTERN } from './bytes.ts'

const Hash = Type.String({ pattern: HASH_HEX_PATTERN })
const Count = Type.Integer({ minimum: 0 })

export const WocChainInfo = Type.Object({
  chain: Type.String(),
  blocks: Count,
  headers: Count,
  bestblockhash: Hash,
  difficulty: Type.Number(),
  mediantime: Count,
  verificationprogress: Type.Number(),
  pruned: Type.Boolean(),
  chainwork: Type.String(),
})
export type WocChainInfo = Static<typeof WocChainInfo>

/** The fields the client relies on are required; the rest WoC may or may not send. */
const headerFields = {
  hash: Hash,
  height: Count,
  merkleroot: Hash,
  time: Count,
  /** Absent on the genesis block. */
  previousblockhash: Type.Optional(Hash),
  /** Absent on the tip. */
  nextblockhash: Type.Optional(Hash),
  confirmations: Type.Optional(Type.Integer()),
  version: Type.Optional(Type.Integer()),
  versionHex: Type.Optional(Type.String()),
  mediantime: Type.Optional(Count),
  nonce: Type.Optional(Count),
  // bitcoind sends hex text, some WoC answers a number.
  bits: Type.Optional(Type.Union([Type.String(), Count])),
  difficulty: Type.Optional(Type.Number()),
  chainwork: Type.Optional(Type.String()),
  // WoC has used all three names for the transaction count.
  txcount: Type.Optional(Count),
  num_tx: Type.Optional(Count),
  nTx: Type.Optional(Count),
}

export const WocHeader = Type.Object(headerFields)
export type WocHeader = Static<typeof WocHeader>

export const WocHeaders = Type.Array(WocHeader, { minItems: 1 })

export const WocBlock = Type.Object({
  ...headerFields,
  size: Type.Optional(Count),
  tx: Type.Array(Hash),
})
export type WocBlock = Static<typeof WocBlock>

export const WocUtxo = Type.Object({
  /** Missing or 0 for unconfirmed outputs. */
  height: Type.Optional(Count),
  tx_pos: Count,
  tx_hash: Hash,
  value: Count,
  isSpentInMempoolTx: Type.Optional(Type.Boolean()),
})
export type WocUtxo = Static<typeof WocUtxo>

export const WocUnspentWrapped = Type.Object({
  address: Type.Optional(Type.String()),
  script: Type.Optional(Type.String()),
  result: Type.Array(WocUtxo),
  error: Type.Optional(Type.String()),
})
export type WocUnspentWrapped = Static<typeof WocUnspentWrapped>

/** Sources disagree on the wrapper; both forms are accepted. */
export const WocUnspent = Type.Union([Type.Array(WocUtxo), WocUnspentWrapped])
export type WocUnspent = Static<typeof WocUnspent>

export const WocBulkUnspentItem = Type.Object({
  address: Type.String(),
  unspent: Type.Array(WocUtxo),
  error: Type.Optional(Type.String()),
})
export const WocBulkUnspent = Type.Array(WocBulkUnspentItem)
export type WocBulkUnspent = Static<typeof WocBulkUnspent>

export const WocHistoryItem = Type.Object({
  tx_hash: Hash,
  /** Missing or 0 while unconfirmed. */
  height: Type.Optional(Count),
})
export const WocHistoryWrapped = Type.Object({
  address: Type.Optional(Type.String()),
  script: Type.Optional(Type.String()),
  result: Type.Array(WocHistoryItem),
  error: Type.Optional(Type.String()),
  nextPageToken: Type.Optional(Type.String()),
})
export type WocHistoryWrapped = Static<typeof WocHistoryWrapped>
export const WocHistory = Type.Union([Type.Array(WocHistoryItem), WocHistoryWrapped])
export type WocHistory = Static<typeof WocHistory>

export const WocTxOut = Type.Object({
  n: Count,
  /** In BSV, not satoshis (a float, as WoC serves it). */
  value: Type.Number(),
  scriptPubKey: Type.Object({
    hex: Type.String(),
    type: Type.Optional(Type.String()),
    addresses: Type.Optional(Type.Array(Type.String())),
  }),
})

export const WocTxIn = Type.Object({
  coinbase: Type.Optional(Type.String()),
  txid: Type.Optional(Hash),
  vout: Type.Optional(Count),
  scriptSig: Type.Optional(Type.Object({ hex: Type.String() })),
  sequence: Count,
})

export const WocTx = Type.Object({
  txid: Hash,
  hash: Hash,
  version: Type.Integer(),
  size: Count,
  locktime: Count,
  vin: Type.Array(WocTxIn),
  vout: Type.Array(WocTxOut),
  blockhash: Type.Optional(Hash),
  blockheight: Type.Optional(Count),
  blocktime: Type.Optional(Count),
  time: Type.Optional(Count),
  confirmations: Type.Optional(Count),
})
export type WocTx = Static<typeof WocTx>

export const WocTxStatusItem = Type.Object({
  txid: Hash,
  blockhash: Type.Optional(Hash),
  blockheight: Type.Optional(Count),
  blocktime: Type.Optional(Count),
  confirmations: Type.Optional(Count),
  /** 'unknown' when the network has never seen the txid. */
  error: Type.Optional(Type.String()),
})
export type WocTxStatusItem = Static<typeof WocTxStatusItem>
export const WocTxStatus = Type.Array(WocTxStatusItem)
export type WocTxStatus = Static<typeof WocTxStatus>

export const WocTscProof = Type.Object({
  index: Count,
  nodes: Type.Array(Type.String({ pattern: '^(?:[0-9a-f]{64}|\\*)$' })),
  /** The block hash (WoC's default target type). */
  target: Hash,
  /** The txid, or the whole transaction in hex. */
  txOrId: Type.String({ pattern: '^[0-9a-f]+$' }),
})
export type WocTscProof = Static<typeof WocTscProof>
/** One proof, a list of them (one per block holding the tx), or nothing while unmined. */
export const WocTscAnswer = Type.Union([Type.Array(WocTscProof), WocTscProof, Type.Null()])

/** The body of a successful POST /tx/raw: the txid as a JSON string. */
export const WocBroadcastOk = Hash

/** A compiled check for `schema`: schemas are checked on every response, so compile them once. */
export function compileCheck<T extends TSchema>(schema: T) {
  return TypeCompiler.Compile(schema)
}
