/**
 * What the platform needs from a BSV chain (ARCHITECTURE "Chain"). Two implementations: the
 * WhatsOnChain client for main and test networks, and the local devnet. Amounts are integer
 * satoshis, hashes and txids lowercase hex in display byte order (as block explorers show them).
 */

export type ChainNetwork = 'devnet' | 'main' | 'test'

export interface BlockHeader {
  height: number
  hash: string
  prevHash: string
  merkleRoot: string
  /** Seconds since 1970. */
  time: number
  txCount: number
}

export interface Utxo {
  txid: string
  vout: number
  satoshis: number
  /** Height of the block that holds it; null while unconfirmed. */
  height: number | null
}

export interface HistoryItem {
  txid: string
  height: number | null
}

export type BroadcastResult =
  | { status: 'ok'; txid: string }
  /** The network refused the transaction; retrying the same bytes will not help. */
  | { status: 'rejected'; txid: string; code: string; message: string }

export interface TxStatus {
  txid: string
  state: 'unknown' | 'mempool' | 'confirmed'
  blockHash?: string
  blockHeight?: number
  confirmations?: number
}

/** A Merkle proof in the TSC form WhatsOnChain serves: the sibling hashes from leaf to root. */
export interface MerkleProof {
  txid: string
  blockHash: string
  blockHeight: number
  index: number
  /** Sibling hashes, display hex, leaf level first; '*' means "the node itself" (duplicated last node). */
  nodes: string[]
}

/** Stable codes for what can go wrong talking to a chain source. */
export type ChainErrorCode =
  | 'CHAIN_UNAVAILABLE'
  | 'CHAIN_TIMEOUT'
  | 'CHAIN_RATE_LIMITED'
  | 'CHAIN_BAD_RESPONSE'

export class ChainError extends Error {
  override name = 'ChainError'
  constructor(
    readonly code: ChainErrorCode,
    message: string,
    readonly retryable: boolean = code !== 'CHAIN_BAD_RESPONSE',
  ) {
    super(message)
  }
}

export interface ChainSource {
  readonly network: ChainNetwork
  tip(): Promise<BlockHeader>
  headerByHeight(height: number): Promise<BlockHeader | undefined>
  headerByHash(hash: string): Promise<BlockHeader | undefined>
  /** Confirmed and unconfirmed unspent outputs of an address. */
  utxos(address: string): Promise<Utxo[]>
  /** The same for many addresses, in as few requests as the source allows. */
  utxosOfMany(addresses: readonly string[]): Promise<Map<string, Utxo[]>>
  history(address: string): Promise<HistoryItem[]>
  rawTx(txid: string): Promise<string | undefined>
  broadcast(rawTxHex: string): Promise<BroadcastResult>
  txStatus(txids: readonly string[]): Promise<TxStatus[]>
  merkleProof(txid: string): Promise<MerkleProof | undefined>
  /**
   * Calls `listener` when the source learns of a new tip, for sources that can push (the devnet);
   * block sync still polls, so a source that cannot push returns a no-op unsubscribe.
   */
  onNewTip(listener: (tip: BlockHeader) => void): () => void
}
