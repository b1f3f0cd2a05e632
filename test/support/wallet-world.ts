/**
 * A whole money path on the real devnet for medium tests: database, devnet, keys, ledger,
 * deposit watcher, withdrawal and payout services, and a chain source that can be made to fail
 * on demand (refusals, outages, timeouts). Builders fund users through real deposits, and
 * `conservation()` reads the figures the ledger law is stated in.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { HD, PrivateKey, Spend, Transaction } from '@bsv/sdk'
import { sql } from 'kysely'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { type BroadcastResult, ChainError, type TxStatus } from '../../src/adapters/chain/source.ts'
import { userAccountId } from '../../src/ledger/accounts.ts'
import { Ledger, type LedgerOptions } from '../../src/ledger/ledger.ts'
import { DepositsRepository } from '../../src/services/wallet/deposits.repository.ts'
import { DEPOSIT_CLEARING_ACCOUNT, DepositWatcher } from '../../src/services/wallet/deposits.ts'
import { WalletKeys } from '../../src/services/wallet/keys.ts'
import { PayoutService } from '../../src/services/wallet/payouts.ts'
import { WalletService } from '../../src/services/wallet/wallet.service.ts'
import { WithdrawalsRepository } from '../../src/services/wallet/withdrawals.repository.ts'
import {
  CHAIN_NETWORK_FEES_ACCOUNT,
  CHAIN_WITHDRAWN_ACCOUNT,
  WithdrawalService,
} from '../../src/services/wallet/withdrawals.ts'
import { openTestDb, type TestDb } from './db.ts'
import { uid } from './ledger.ts'

export const FEE_RATE_SATS_PER_KB = 100
export const WITHDRAW_MIN_SATS = 1000

/** The devnet, with faults a test switches on: each counter fails that many calls, then clears. */
export class FaultyChain extends DevnetChainSource {
  refuseBroadcasts = 0
  failBroadcasts = 0
  /** Accept the transaction but answer with a timeout, as a slow WhatsOnChain might. */
  acceptThenTimeout = 0
  failStatus = 0
  broadcasts: string[] = []
  /** Called around each send that gets through, where a simulation can make the process die. */
  onSend: (moment: 'before' | 'after') => void = () => {}

  override async broadcast(rawTx: string): Promise<BroadcastResult> {
    this.onSend('before')
    const result = await this.send(rawTx)
    this.onSend('after')
    return result
  }

  private async send(rawTx: string): Promise<BroadcastResult> {
    this.broadcasts.push(rawTx)
    if (this.refuseBroadcasts > 0) {
      this.refuseBroadcasts--
      return { status: 'rejected', txid: '', code: 'bad_script', message: 'refused for the test' }
    }
    if (this.failBroadcasts > 0) {
      this.failBroadcasts--
      throw new ChainError('CHAIN_UNAVAILABLE', 'WhatsOnChain answered 503 (test)')
    }
    if (this.acceptThenTimeout > 0) {
      this.acceptThenTimeout--
      await super.broadcast(rawTx)
      throw new ChainError('CHAIN_TIMEOUT', 'WhatsOnChain did not answer in time (test)')
    }
    return super.broadcast(rawTx)
  }

  override async txStatus(txids: readonly string[]): Promise<TxStatus[]> {
    if (this.failStatus > 0) {
      this.failStatus--
      throw new ChainError('CHAIN_TIMEOUT', 'status request timed out (test)')
    }
    return super.txStatus(txids)
  }
}

export interface Conservation {
  /** Σ of user accounts, platform accounts and internal clearing (views, withdrawals). */
  inside: number
  deposits: number
  withdrawn: number
  networkFees: number
}

export class WalletWorld {
  readonly chain: FaultyChain
  readonly ledger: Ledger
  readonly deposits: DepositsRepository
  readonly withdrawalsRepository: WithdrawalsRepository
  readonly watcher: DepositWatcher
  readonly wallet: WalletService
  readonly withdrawals: WithdrawalService
  readonly payouts: PayoutService

  private constructor(
    readonly db: TestDb,
    readonly devnet: Devnet,
    readonly dataDir: string,
    readonly keys: WalletKeys,
    private readonly ownsDb: boolean,
    ledgerOptions: LedgerOptions,
  ) {
    this.chain = new FaultyChain(devnet)
    this.ledger = new Ledger(db.kysely, ledgerOptions)
    this.deposits = new DepositsRepository(db.kysely)
    this.withdrawalsRepository = new WithdrawalsRepository(db.kysely)
    this.watcher = new DepositWatcher({
      source: this.chain,
      repository: this.deposits,
      ledger: this.ledger,
      confirmations: 1,
    })
    this.wallet = new WalletService({
      keys,
      repository: this.deposits,
      ledger: this.ledger,
      confirmations: 1,
    })
    this.withdrawals = new WithdrawalService({
      repository: this.withdrawalsRepository,
      deposits: this.deposits,
      ledger: this.ledger,
      network: 'devnet',
      minimumSats: WITHDRAW_MIN_SATS,
      feeRateSatsPerKb: FEE_RATE_SATS_PER_KB,
    })
    this.payouts = this.newPayoutService()
  }

  /** A world of its own; pass `db` to share one database (with its own schema) between worlds in a file. */
  static async open(db?: TestDb, ledgerOptions: LedgerOptions = {}): Promise<WalletWorld> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'memepool-wallet-'))
    const database = db ?? (await openTestDb())
    const devnet = await Devnet.open({ dataDir, blockIntervalSeconds: 0 })
    const keys = await WalletKeys.open({
      masterKey: HD.fromRandom().toString(),
      embedded: false,
      dataDir,
      chain: 'devnet',
    })
    const world = new WalletWorld(database, devnet, dataDir, keys, db === undefined, ledgerOptions)
    await world.ledger.init()
    await world.watcher.init()
    await world.withdrawals.init()
    return world
  }

  /** Another payout worker on the same database and chain, as a second process would be. */
  newPayoutService(): PayoutService {
    return new PayoutService({
      repository: this.withdrawalsRepository,
      ledger: this.ledger,
      chain: this.chain,
      keys: this.keys,
      feeRateSatsPerKb: FEE_RATE_SATS_PER_KB,
      sweepConfirmations: 1,
    })
  }

  async close(): Promise<void> {
    await this.devnet.close()
    if (this.ownsDb) await this.db.close()
    rmSync(this.dataDir, { recursive: true, force: true })
  }

  async newUser(): Promise<{ id: string; address: string }> {
    const id = uid('u-')
    await sql`insert into users (id, identity_key, created_at)
              values (${id}, ${PrivateKey.fromRandom().toPublicKey().toString()}, ${new Date()})`.execute(
      this.db.kysely,
    )
    return { id, address: await this.wallet.depositAddress(id) }
  }

  /** A user whose real on-chain deposit of `sats` is credited. */
  async fundedUser(sats: number): Promise<{ id: string; address: string }> {
    const user = await this.newUser()
    const paid = await this.devnet.faucet(user.address, sats)
    if (paid.status !== 'ok') throw new Error(`faucet: ${paid.status}`)
    await this.devnet.mine(1)
    await this.watcher.scan()
    return user
  }

  async available(userId: string): Promise<number> {
    return (await this.ledger.getAccount(userAccountId(userId)))?.availableSats ?? 0
  }

  async balanceOf(accountId: string): Promise<number> {
    return (await this.ledger.getAccount(accountId))?.balanceSats ?? 0
  }

  /** Mines a block and runs a payout tick and a deposit scan, as a new block does in the server. */
  async block(): Promise<void> {
    await this.devnet.mine(1)
    await this.watcher.scan()
    await this.payouts.tick()
  }

  /** Unspent sats at `address` on the devnet, confirmed or not. */
  onChainSats(address: string): number {
    const unspent = this.devnet.unspentOf(address)
    if (!unspent) throw new Error(`not an address: ${address}`)
    return [...unspent.confirmed, ...unspent.unconfirmed]
      .filter((u) => !u.spentInMempool)
      .reduce((sum, u) => sum + u.satoshis, 0)
  }

  /**
   * The ledger law's terms. Deposits, withdrawals and fees are read from the external accounts,
   * which only move with the chain; `inside` is every other account.
   */
  async conservation(): Promise<Conservation> {
    const rows = await this.db.kysely.selectFrom('accounts').select(['id', 'balance_sats']).execute()
    const external = new Set([DEPOSIT_CLEARING_ACCOUNT, CHAIN_WITHDRAWN_ACCOUNT, CHAIN_NETWORK_FEES_ACCOUNT])
    const inside = rows
      .filter((r) => !external.has(r.id) && !r.id.startsWith('clearing:test'))
      .reduce((sum, r) => sum + Number(r.balance_sats), 0)
    const balance = (id: string) => Number(rows.find((r) => r.id === id)?.balance_sats ?? 0)
    return {
      inside,
      deposits: 0 - balance(DEPOSIT_CLEARING_ACCOUNT),
      withdrawn: balance(CHAIN_WITHDRAWN_ACCOUNT),
      networkFees: balance(CHAIN_NETWORK_FEES_ACCOUNT),
    }
  }

  /**
   * Checks a transaction the platform built, as a node would: every input's script against the
   * output it spends, outputs no more than inputs, and a fee of at least the rate for its size.
   * Returns the fee.
   */
  verifyTx(rawTx: string): number {
    const tx = Transaction.fromHex(rawTx)
    let inputSats = 0
    for (const [index, input] of tx.inputs.entries()) {
      const source = this.devnet.transaction(input.sourceTXID!)
      if (!source) throw new Error(`unknown source ${input.sourceTXID}`)
      const output = Transaction.fromHex(source.hex).outputs[input.sourceOutputIndex]!
      inputSats += output.satoshis!
      const spend = new Spend({
        sourceTXID: input.sourceTXID!,
        sourceOutputIndex: input.sourceOutputIndex,
        sourceSatoshis: output.satoshis!,
        lockingScript: output.lockingScript,
        transactionVersion: tx.version,
        otherInputs: tx.inputs.filter((_, other) => other !== index),
        outputs: tx.outputs,
        unlockingScript: input.unlockingScript!,
        inputSequence: input.sequence ?? 0xffffffff,
        inputIndex: index,
        lockTime: tx.lockTime,
      })
      if (!spend.validate()) throw new Error(`input ${index} does not unlock its output`)
    }
    const outputSats = tx.outputs.reduce((sum, o) => sum + o.satoshis!, 0)
    const feeSats = inputSats - outputSats
    const sizeBytes = rawTx.length / 2
    if (feeSats < Math.ceil((sizeBytes * FEE_RATE_SATS_PER_KB) / 1000)) {
      throw new Error(`fee ${feeSats} is below the rate for ${sizeBytes} bytes`)
    }
    return feeSats
  }

  /** Every transaction the hot wallet recorded, oldest first. */
  async walletTxs() {
    return this.db.kysely.selectFrom('wallet_txs').selectAll().orderBy('created_at').orderBy('id').execute()
  }
}

export function newExternalAddress(): string {
  return PrivateKey.fromRandom().toPublicKey().toAddress()
}
