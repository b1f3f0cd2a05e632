/**
 * The deposit watcher against the real devnet, with real transactions: a payment to a user's
 * deposit address shows as pending at once and is credited exactly once after the configured
 * confirmations (1 or 3); a payment signed by another wallet is found like a faucet payment; a
 * reorganisation that removes the payment drops it before credit and reverses it after, freezing
 * the account and alerting admins when the balance no longer covers it (the reversal then waits
 * for funds); a reorganisation that keeps the transaction credits nothing twice. The ledger
 * sums to zero throughout.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { HD, P2PKH, PrivateKey, SatoshisPerKilobyte, Transaction } from '@bsv/sdk'
import { sql } from 'kysely'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { userAccountId } from '../../src/ledger/accounts.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import { createLogger } from '../../src/logger.ts'
import { DepositsRepository } from '../../src/services/wallet/deposits.repository.ts'
import {
  DEPOSIT_CLEARING_ACCOUNT,
  DEPOSIT_REVERSAL_UNCOVERED,
  DepositWatcher,
  depositTransferId,
} from '../../src/services/wallet/deposits.ts'
import { WalletKeys } from '../../src/services/wallet/keys.ts'
import { WalletService } from '../../src/services/wallet/wallet.service.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { uid } from '../support/ledger.ts'

/** The payer's faucet coin covers any test payment plus its fee. */
const PAYER_FUNDING_SATS = 1_000_000
/** 0.1 sat/byte, what the devnet relays. */
const FEE_SATS_PER_KB = 100
const OTHER_ACCOUNT = 'clearing:test-elsewhere'
/** Long enough that only bus messages trigger scans during a test. */
const MAX_SCAN_INTERVAL_S = 3600

/** One isolated world per test: its own database, devnet, keys, ledger and watcher. */
class WalletWorld {
  readonly source: DevnetChainSource
  readonly ledger: Ledger
  readonly repository: DepositsRepository
  readonly watcher: DepositWatcher
  readonly wallet: WalletService
  readonly logChunks: string[] = []
  /** Users whose balance the watcher announced as changed, in order. */
  readonly balanceChanges: string[] = []
  readonly xprv = HD.fromRandom().toString()

  private constructor(
    readonly db: TestDb,
    readonly devnet: Devnet,
    readonly dataDir: string,
    keys: WalletKeys,
    confirmations: number,
  ) {
    this.source = new DevnetChainSource(devnet)
    this.ledger = new Ledger(db.kysely)
    this.repository = new DepositsRepository(db.kysely)
    const logger = createLogger(
      'trace',
      new Writable({
        write: (chunk, _encoding, callback) => {
          this.logChunks.push(chunk.toString())
          callback()
        },
      }),
    )
    this.watcher = new DepositWatcher({
      source: this.source,
      repository: this.repository,
      ledger: this.ledger,
      confirmations,
      logger,
      onBalanceChanged: (userId) => this.balanceChanges.push(userId),
    })
    this.wallet = new WalletService({ keys, repository: this.repository, ledger: this.ledger, confirmations })
  }

  static async open(confirmations: number): Promise<WalletWorld> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'memepool-wallet-deposits-'))
    const db = await openTestDb()
    const devnet = await Devnet.open({ dataDir, blockIntervalSeconds: 0 })
    const keys = await WalletKeys.open({ masterKey: undefined, embedded: true, dataDir, chain: 'devnet' })
    const world = new WalletWorld(db, devnet, dataDir, keys, confirmations)
    await world.ledger.init()
    await world.watcher.init()
    await world.ledger.ensureAccounts([{ id: OTHER_ACCOUNT, kind: 'clearing', allowNegative: true }])
    return world
  }

  async close(): Promise<void> {
    await this.devnet.close()
    await this.db.close()
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

  /**
   * Pays `satoshis` to `address` from another wallet: a faucet coin to a fresh key is mined
   * first (so a reorganisation of the last block keeps it), then spent by a signed P2PKH
   * transaction that stays in the mempool. Returns the payment's txid.
   */
  async payFromWallet(address: string, satoshis: number): Promise<string> {
    const payer = PrivateKey.fromRandom()
    const payerAddress = payer.toPublicKey().toAddress()
    const funding = await this.devnet.faucet(payerAddress, PAYER_FUNDING_SATS)
    if (funding.status !== 'ok') throw new Error(`faucet: ${funding.status}`)
    await this.devnet.mine(1)
    const sourceTransaction = Transaction.fromHex(this.devnet.transaction(funding.txid)!.hex)
    const tx = new Transaction()
    tx.addInput({
      sourceTransaction,
      sourceOutputIndex: 0,
      unlockingScriptTemplate: new P2PKH().unlock(payer),
    })
    tx.addOutput({ lockingScript: new P2PKH().lock(address), satoshis })
    tx.addOutput({ lockingScript: new P2PKH().lock(payerAddress), change: true })
    await tx.fee(new SatoshisPerKilobyte(FEE_SATS_PER_KB))
    await tx.sign()
    const result = await this.devnet.submit(tx.toHex())
    if (result.status !== 'ok') throw new Error(`payment refused: ${result.code} ${result.message}`)
    return result.txid
  }

  async faucet(address: string, satoshis: number): Promise<string> {
    const result = await this.devnet.faucet(address, satoshis)
    if (result.status !== 'ok') throw new Error(`faucet: ${result.status}`)
    return result.txid
  }

  async deposit(txid: string, vout = 0) {
    return this.repository.findDeposit(txid, vout)
  }

  async available(userId: string): Promise<number> {
    return (await this.ledger.getAccount(userAccountId(userId)))?.availableSats ?? 0
  }

  async transfersWithId(id: string): Promise<number> {
    const rows = await this.db.kysely.selectFrom('transfers').select('id').where('id', '=', id).execute()
    return rows.length
  }

  logs(): Record<string, unknown>[] {
    return this.logChunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  }
}

let world: WalletWorld | undefined
async function open(confirmations: number): Promise<WalletWorld> {
  world = await WalletWorld.open(confirmations)
  return world
}
afterEach(async () => {
  if (world) await world.ledger.sumOfBalances().then((sum) => expect(sum).toBe(0))
  await world?.close()
  world = undefined
})

describe('a faucet payment to a deposit address', () => {
  it('is pending at once and credited exactly once after one confirmation', async () => {
    const w = await open(1)
    const user = await w.newUser()
    const txid = await w.faucet(user.address, 50_000)

    const first = await w.watcher.scan()
    expect(first).toMatchObject({ seen: 1, credited: 0 })
    expect(await w.deposit(txid)).toMatchObject({ state: 'seen', satoshis: 50_000, confirmations: 0 })
    let view = await w.wallet.view(user.id)
    expect(view.balance).toEqual({ availableSats: 0, heldSats: 0, pendingDepositSats: 50_000 })
    expect(view.deposits).toMatchObject([{ txid, vout: 0, state: 'seen', confirmations: 0 }])

    expect(w.balanceChanges).toEqual([])
    const tip = await w.devnet.mine(1)
    expect(await w.watcher.scan()).toMatchObject({ seen: 0, credited: 1 })
    // The credit is announced once, for the header's live balance.
    expect(w.balanceChanges).toEqual([user.id])
    expect(await w.deposit(txid)).toMatchObject({
      state: 'credited',
      confirmations: 1,
      blockHeight: tip.height,
      blockHash: tip.hash,
    })
    view = await w.wallet.view(user.id)
    expect(view.balance).toEqual({ availableSats: 50_000, heldSats: 0, pendingDepositSats: 0 })

    await w.devnet.mine(2)
    expect(await w.watcher.scan()).toMatchObject({ seen: 0, credited: 0 })
    await w.watcher.scan()
    expect(w.balanceChanges).toEqual([user.id])
    expect(await w.available(user.id)).toBe(50_000)
    expect(await w.transfersWithId(depositTransferId(txid, 0))).toBe(1)
    expect(await w.deposit(txid)).toMatchObject({ state: 'credited', confirmations: 3 })
    expect((await w.ledger.getAccount(DEPOSIT_CLEARING_ACCOUNT))?.balanceSats).toBe(-50_000)
  })

  it('waits for three confirmations when configured so', async () => {
    const w = await open(3)
    const user = await w.newUser()
    const txid = await w.faucet(user.address, 7_000)
    await w.devnet.mine(1)
    await w.watcher.scan()
    expect(await w.deposit(txid)).toMatchObject({ state: 'seen', confirmations: 1 })
    await w.devnet.mine(1)
    await w.watcher.scan()
    expect(await w.deposit(txid)).toMatchObject({ state: 'seen', confirmations: 2 })
    expect(await w.available(user.id)).toBe(0)
    expect((await w.wallet.view(user.id)).balance.pendingDepositSats).toBe(7_000)
    await w.devnet.mine(1)
    expect(await w.watcher.scan()).toMatchObject({ credited: 1 })
    expect(await w.deposit(txid)).toMatchObject({ state: 'credited', confirmations: 3 })
    expect(await w.available(user.id)).toBe(7_000)
  })

  it('credits concurrent scans once', async () => {
    const w = await open(1)
    const user = await w.newUser()
    const txid = await w.faucet(user.address, 9_000)
    await w.devnet.mine(1)
    await Promise.all([w.watcher.scan(), w.watcher.scan(), w.watcher.scan()])
    expect(await w.transfersWithId(depositTransferId(txid, 0))).toBe(1)
    expect(await w.available(user.id)).toBe(9_000)
  })

  it('keeps deposits of different users apart', async () => {
    const w = await open(1)
    const alice = await w.newUser()
    const bob = await w.newUser()
    expect(alice.address).not.toBe(bob.address)
    await w.faucet(alice.address, 1_000)
    await w.faucet(alice.address, 2_000)
    await w.faucet(bob.address, 4_000)
    await w.devnet.mine(1)
    expect(await w.watcher.scan()).toMatchObject({ seen: 3, credited: 3 })
    expect(await w.available(alice.id)).toBe(3_000)
    expect(await w.available(bob.id)).toBe(4_000)
  })
})

describe('started on the bus', () => {
  it('scans when a block is announced, and stops', async () => {
    const w = await open(1)
    const user = await w.newUser()
    const bus = new InProcessBus()
    const stop = w.watcher.start(bus, MAX_SCAN_INTERVAL_S)
    const txid = await w.faucet(user.address, 6_000)
    const tip = await w.devnet.mine(1)
    bus.publish('chain.block', tip)
    await vi.waitFor(async () => expect(await w.deposit(txid)).toMatchObject({ state: 'credited' }))
    await stop()
    const later = await w.faucet(user.address, 1_000)
    bus.publish('chain.block', await w.devnet.mine(1))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await w.deposit(later)).toBeUndefined()
  })
})

describe('a payment signed by another wallet', () => {
  it('is detected and credited like any other', async () => {
    const w = await open(1)
    const user = await w.newUser()
    const txid = await w.payFromWallet(user.address, 12_345)
    expect(await w.watcher.scan()).toMatchObject({ seen: 1 })
    expect(await w.deposit(txid)).toMatchObject({ state: 'seen', satoshis: 12_345, vout: 0 })
    await w.devnet.mine(1)
    await w.watcher.scan()
    expect(await w.deposit(txid)).toMatchObject({ state: 'credited' })
    expect(await w.available(user.id)).toBe(12_345)
  })
})

describe('a reorganisation', () => {
  it('that removes the payment before it was credited drops it', async () => {
    const w = await open(3)
    const user = await w.newUser()
    const txid = await w.payFromWallet(user.address, 20_000)
    await w.devnet.mine(1)
    await w.watcher.scan()
    expect(await w.deposit(txid)).toMatchObject({ state: 'seen', confirmations: 1 })
    await w.devnet.reorg(1, { dropTxids: [txid] })
    expect(await w.watcher.scan()).toMatchObject({ dropped: 1 })
    expect(await w.deposit(txid)).toMatchObject({ state: 'dropped' })
    await w.devnet.mine(3)
    await w.watcher.scan()
    expect(await w.available(user.id)).toBe(0)
    expect((await w.wallet.view(user.id)).balance.pendingDepositSats).toBe(0)
    expect(await w.transfersWithId(depositTransferId(txid, 0))).toBe(0)
  })

  it('that dropped a payment later mined after all makes it pending again, then credited', async () => {
    const w = await open(3)
    const user = await w.newUser()
    const txid = await w.payFromWallet(user.address, 8_000)
    const hex = w.devnet.transaction(txid)!.hex
    await w.devnet.mine(1)
    await w.watcher.scan()
    await w.devnet.reorg(1, { dropTxids: [txid] })
    await w.watcher.scan()
    expect(await w.deposit(txid)).toMatchObject({ state: 'dropped' })
    expect((await w.devnet.submit(hex)).status).toBe('ok')
    expect(await w.watcher.scan()).toMatchObject({ seen: 1 })
    expect(await w.deposit(txid)).toMatchObject({ state: 'seen' })
    await w.devnet.mine(3)
    await w.watcher.scan()
    expect(await w.deposit(txid)).toMatchObject({ state: 'credited', confirmations: 3 })
    expect(await w.available(user.id)).toBe(8_000)
  })

  it('that removes a faucet payment before credit drops it too', async () => {
    const w = await open(3)
    const user = await w.newUser()
    const txid = await w.faucet(user.address, 3_000)
    await w.devnet.mine(1)
    await w.watcher.scan()
    // A faucet payment, like a coinbase, is only valid in its own block.
    await w.devnet.reorg(1)
    await w.watcher.scan()
    expect(await w.deposit(txid)).toMatchObject({ state: 'dropped' })
  })

  it('that removes a credited payment reverses the credit', async () => {
    const w = await open(1)
    const user = await w.newUser()
    const txid = await w.payFromWallet(user.address, 30_000)
    await w.devnet.mine(1)
    await w.watcher.scan()
    expect(await w.available(user.id)).toBe(30_000)
    await w.devnet.reorg(1, { dropTxids: [txid] })
    expect(await w.watcher.scan()).toMatchObject({ reversed: 1 })
    expect(w.balanceChanges).toEqual([user.id, user.id])
    expect(await w.deposit(txid)).toMatchObject({ state: 'reversed' })
    expect(await w.available(user.id)).toBe(0)
    expect((await w.ledger.getAccount(DEPOSIT_CLEARING_ACCOUNT))?.balanceSats).toBe(0)
    expect((await w.wallet.view(user.id)).frozen).toBe(false)
    await w.watcher.scan()
    expect(await w.available(user.id)).toBe(0)
  })

  it('that removes a credited payment already spent freezes the account, alerts and retries the reversal', async () => {
    const w = await open(1)
    const user = await w.newUser()
    const txid = await w.payFromWallet(user.address, 40_000)
    await w.devnet.mine(1)
    await w.watcher.scan()
    const spend = await w.ledger.transfer([
      {
        id: uid('spend-'),
        debitAccountId: userAccountId(user.id),
        creditAccountId: OTHER_ACCOUNT,
        amountSats: 35_000,
        code: 'test',
      },
    ])
    expect(spend.status).toBe('ok')

    await w.devnet.reorg(1, { dropTxids: [txid] })
    expect(await w.watcher.scan()).toMatchObject({ reversed: 0, reversalsPending: 1 })
    expect(await w.deposit(txid)).toMatchObject({ state: 'reversal_pending' })
    expect(await w.available(user.id)).toBe(5_000)
    expect((await w.wallet.view(user.id)).frozen).toBe(true)
    const alerts = await w.db.kysely.selectFrom('alerts').selectAll().execute()
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ code: DEPOSIT_REVERSAL_UNCOVERED, user_id: user.id })
    const errorLines = w.logs().filter((l) => l.code === DEPOSIT_REVERSAL_UNCOVERED)
    expect(errorLines).toHaveLength(1)
    expect(errorLines[0]).toMatchObject({ level: 50, userId: user.id, txid, satoshis: 40_000 })

    // Still short: the reversal waits, and nothing is raised twice.
    expect(await w.watcher.scan()).toMatchObject({ reversalsPending: 1 })
    expect(await w.db.kysely.selectFrom('alerts').selectAll().execute()).toHaveLength(1)
    expect(w.logs().filter((l) => l.code === DEPOSIT_REVERSAL_UNCOVERED)).toHaveLength(1)

    // Funds arrive (another deposit), and the next scan completes the reversal.
    await w.faucet(user.address, 50_000)
    await w.devnet.mine(1)
    expect(await w.watcher.scan()).toMatchObject({ credited: 1, reversed: 1, reversalsPending: 0 })
    expect(await w.deposit(txid)).toMatchObject({ state: 'reversed' })
    expect(await w.available(user.id)).toBe(5_000 + 50_000 - 40_000)
    // Unfreezing is an admin's decision after review.
    expect((await w.wallet.view(user.id)).frozen).toBe(true)
  })

  it('that keeps the transaction (re-mined in the new branch) credits nothing twice', async () => {
    const w = await open(1)
    const user = await w.newUser()
    const txid = await w.payFromWallet(user.address, 15_000)
    const mined = await w.devnet.mine(1)
    await w.watcher.scan()
    expect(await w.deposit(txid)).toMatchObject({ state: 'credited', blockHash: mined.hash })

    await w.devnet.reorg(1)
    const remined = w.devnet.transaction(txid)!
    expect(remined.blockHash).not.toBe(mined.hash)
    expect(await w.watcher.scan()).toMatchObject({ credited: 0, reversed: 0, dropped: 0 })
    expect(await w.deposit(txid)).toMatchObject({ state: 'credited', blockHash: remined.blockHash })
    await w.devnet.mine(1)
    await w.watcher.scan()
    expect(await w.transfersWithId(depositTransferId(txid, 0))).toBe(1)
    expect(await w.available(user.id)).toBe(15_000)
  })
})
