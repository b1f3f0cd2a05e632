/**
 * An in-memory chain of headers linked by hash, for block-sync tests that need exact control:
 * extend, reorganise to any depth, and fail on demand. Only the header part of ChainSource is
 * served; the rest answers "not here" so a test that needs it uses the devnet instead.
 */
import { createHash } from 'node:crypto'
import { type BlockHeader, ChainError, type ChainSource } from '../../src/adapters/chain/source.ts'

export class FakeChain implements ChainSource {
  readonly network = 'devnet' as const
  headers: BlockHeader[] = []
  /** While positive, every call fails with CHAIN_UNAVAILABLE and counts down. */
  failNext = 0
  calls = 0
  private branch = 0
  private listeners = new Set<(tip: BlockHeader) => void>()

  constructor(length = 1) {
    this.extend(length)
  }

  extend(count: number): void {
    for (let i = 0; i < count; i++) {
      const previous = this.headers[this.headers.length - 1]
      const height = previous ? previous.height + 1 : 0
      const prevHash = previous?.hash ?? '0'.repeat(64)
      const hash = createHash('sha256').update(`${prevHash}:${height}:${this.branch}`).digest('hex')
      this.headers.push({
        height,
        hash,
        prevHash,
        merkleRoot: hash,
        time: 1_700_000_000 + height * 600,
        txCount: 1,
      })
    }
    const tip = this.headers[this.headers.length - 1]!
    for (const listener of this.listeners) listener(tip)
  }

  /** Replaces the last `depth` blocks with `depth + extra` blocks of a new branch. */
  reorg(depth: number, extra = 1): void {
    this.headers.splice(this.headers.length - depth, depth)
    this.branch++
    this.extend(depth + extra)
  }

  private gate(): void {
    this.calls++
    if (this.failNext > 0) {
      this.failNext--
      throw new ChainError('CHAIN_UNAVAILABLE', 'fake outage')
    }
  }

  async tip() {
    this.gate()
    return this.headers[this.headers.length - 1]!
  }
  async headerByHeight(height: number) {
    this.gate()
    return this.headers[height]
  }
  async headerByHash(hash: string) {
    this.gate()
    return this.headers.find((h) => h.hash === hash)
  }
  onNewTip(listener: (tip: BlockHeader) => void) {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  async utxos(): Promise<never> {
    throw new ChainError('CHAIN_BAD_RESPONSE', 'the fake chain has no transactions')
  }
  utxosOfMany = this.utxos
  history = this.utxos
  rawTx = this.utxos
  broadcast = this.utxos
  txStatus = this.utxos
  merkleProof = this.utxos
}
