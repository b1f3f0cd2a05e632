/**
 * Builders for chain tests: temporary data directories, devnets, wallets, and real signed P2PKH
 * transactions made with @bsv/sdk. Fees always use an explicit model: the SDK's default one makes
 * a network call.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { P2PKH, PrivateKey, SatoshisPerKilobyte, Transaction } from '@bsv/sdk'
import { Devnet, type DevnetOptions } from '../../src/adapters/chain/devnet/devnet.ts'

export const FEE_MODEL = new SatoshisPerKilobyte(100)

export interface TempDir {
  path: string
  remove: () => Promise<void>
}

export async function tempDataDir(): Promise<TempDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'memepool-chain-'))
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/** A devnet in its own temporary data directory that mines only on demand. */
export async function openTestDevnet(
  options: Partial<DevnetOptions> = {},
): Promise<{ devnet: Devnet; dir: TempDir; close: () => Promise<void> }> {
  const dir = await tempDataDir()
  const devnet = await Devnet.open({ dataDir: dir.path, blockIntervalSeconds: 0, ...options })
  return {
    devnet,
    dir,
    close: async () => {
      await devnet.close()
      await dir.remove()
    },
  }
}

export interface Wallet {
  key: PrivateKey
  address: string
}

export function newWallet(): Wallet {
  const key = PrivateKey.fromRandom()
  return { key, address: key.toAddress() }
}

/** The devnet's copy of a transaction, as a Transaction to spend from. */
export function txFromDevnet(devnet: Devnet, txid: string): Transaction {
  const found = devnet.transaction(txid)
  if (!found) throw new Error(`the devnet does not know ${txid}`)
  return Transaction.fromHex(found.hex)
}

/** Pays `satoshis` from the faucet to `address` and mines it; returns the faucet transaction. */
export async function fund(devnet: Devnet, address: string, satoshis: number): Promise<Transaction> {
  const result = await devnet.faucet(address, satoshis)
  if (result.status !== 'ok') throw new Error(`faucet refused: ${result.status}`)
  await devnet.mine(1)
  return txFromDevnet(devnet, result.txid)
}

export interface SpendOptions {
  source: Transaction
  vout?: number
  /** The key that signs; the owner's key for a valid spend. */
  key: PrivateKey
  to: string
  satoshis: number
  /** Where the change goes; no change output when omitted. */
  change?: string
  /** A fixed fee in satoshis instead of the 100 sat/kB model. */
  fixedFeeSats?: number
}

/** A signed P2PKH transaction spending one output of `source`. */
export async function buildSpend(options: SpendOptions): Promise<Transaction> {
  const tx = new Transaction()
  tx.addInput({
    sourceTransaction: options.source,
    sourceOutputIndex: options.vout ?? 0,
    unlockingScriptTemplate: new P2PKH().unlock(options.key),
  })
  tx.addP2PKHOutput(options.to, options.satoshis)
  if (options.change) tx.addP2PKHOutput(options.change)
  await tx.fee(options.fixedFeeSats ?? FEE_MODEL)
  await tx.sign()
  return tx
}
