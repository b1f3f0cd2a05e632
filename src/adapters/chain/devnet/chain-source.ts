/**
 * The devnet as a ChainSource, in process: what the server uses when CHAIN=devnet. It answers
 * from the Devnet's memory, so nothing here can time out or be rate limited; an invalid address
 * fails the way the WhatsOnChain client fails on one (CHAIN_BAD_RESPONSE, not retryable).
 */
import {
  type BlockHeader,
  type BroadcastResult,
  ChainError,
  type ChainSource,
  type HistoryItem,
  type MerkleProof,
  type TxStatus,
  type Utxo,
} from '../source.ts'
import { type Devnet, type DevnetUtxo, toBlockHeader } from './devnet.ts'

function invalidAddress(address: string): ChainError {
  return new ChainError('CHAIN_BAD_RESPONSE', `not a P2PKH address: ${address}`, false)
}

function toUtxo(utxo: DevnetUtxo): Utxo {
  return { txid: utxo.txid, vout: utxo.vout, satoshis: utxo.satoshis, height: utxo.height }
}

export class DevnetChainSource implements ChainSource {
  readonly network = 'devnet' as const

  constructor(private readonly devnet: Devnet) {}

  async tip(): Promise<BlockHeader> {
    return this.devnet.tip()
  }

  async headerByHeight(height: number): Promise<BlockHeader | undefined> {
    const block = this.devnet.blockAt(height)
    return block && toBlockHeader(block)
  }

  async headerByHash(hash: string): Promise<BlockHeader | undefined> {
    const block = this.devnet.blockByHash(hash)
    return block && toBlockHeader(block)
  }

  async utxos(address: string): Promise<Utxo[]> {
    const unspent = this.devnet.unspentOf(address)
    if (!unspent) throw invalidAddress(address)
    // Outputs already spent by a mempool transaction are not spendable, confirmed or not.
    return [...unspent.confirmed, ...unspent.unconfirmed].filter((utxo) => !utxo.spentInMempool).map(toUtxo)
  }

  async utxosOfMany(addresses: readonly string[]): Promise<Map<string, Utxo[]>> {
    const result = new Map<string, Utxo[]>()
    for (const address of addresses) result.set(address, await this.utxos(address))
    return result
  }

  async history(address: string): Promise<HistoryItem[]> {
    const history = this.devnet.historyOf(address)
    if (!history) throw invalidAddress(address)
    return history
  }

  async rawTx(txid: string): Promise<string | undefined> {
    return this.devnet.transaction(txid)?.hex
  }

  broadcast(rawTxHex: string): Promise<BroadcastResult> {
    return this.devnet.submit(rawTxHex)
  }

  async txStatus(txids: readonly string[]): Promise<TxStatus[]> {
    return txids.map((txid) => this.devnet.txStatus(txid))
  }

  async merkleProof(txid: string): Promise<MerkleProof | undefined> {
    return this.devnet.merkleProof(txid)
  }

  onNewTip(listener: (tip: BlockHeader) => void): () => void {
    return this.devnet.onNewTip(listener)
  }
}
