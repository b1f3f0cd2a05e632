/**
 * The deposit watcher (SPEC 3): finds payments to users' deposit addresses, shows them as
 * pending at once, credits each output exactly once after the configured confirmations, and
 * undoes what a reorganisation took back.
 *
 * main calls `scan()` on every new block, every reorganisation and on a timer. One scan:
 *  1. asks the chain source for the unspent outputs of the addresses that may receive (asked for
 *     or paid recently; chunks of 20, the bulk limit of WhatsOnChain) and records new ones 'seen';
 *  2. asks where the transaction of every deposit that may still move now is, and
 *       - credits a 'seen' deposit once it has enough confirmations,
 *       - drops a 'seen' deposit whose transaction vanished,
 *       - reverses a credited deposit whose transaction vanished;
 *  3. retries reversals the balance could not cover before.
 *
 * Exactly once: the ledger transfer's id is the outpoint (`deposit:<txid>:<vout>`), so a second
 * credit of the same output, from a re-mined transaction, a retried scan or another process,
 * answers 'exists' and moves nothing. The deposit row follows the ledger, never leads it.
 */
import type { Bus } from '../../adapters/bus/bus.ts'
import type { ChainSource, TxStatus, Utxo } from '../../adapters/chain/source.ts'
import { assert } from '../../domain/money.ts'
import { userAccountId } from '../../ledger/accounts.ts'
import type { Ledger } from '../../ledger/ledger.ts'
import type { AppLogger } from '../../logger.ts'
import type { Deposit, DepositAddress, DepositsRepository, NewDeposit } from './deposits.repository.ts'

/** Pays deposits into user accounts; it runs negative by everything ever deposited. */
export const DEPOSIT_CLEARING_ACCOUNT = 'clearing:deposits'
export const DEPOSIT_CLEARING_ACCOUNT_SPEC = {
  id: DEPOSIT_CLEARING_ACCOUNT,
  kind: 'clearing',
  allowNegative: true,
} as const

/** The code of the alert and error log line of a reversal the balance did not cover. */
export const DEPOSIT_REVERSAL_UNCOVERED = 'DEPOSIT_REVERSAL_UNCOVERED'

/** WhatsOnChain's bulk endpoints take at most 20 addresses or txids per request. */
export const CHAIN_BATCH_SIZE = 20
/** An address is watched this long after its user last asked for it or was last paid to it. */
export const ADDRESS_WATCH_DAYS = 30
/**
 * A credited deposit is watched for reorganisations until it is this deep (a day of blocks,
 * far beyond any BSV reorganisation on record; bsv.md section 6 notes 14 blocks in 2021).
 */
export const FINAL_CONFIRMATIONS = 144
const MS_PER_DAY = 86_400_000
const MS_PER_SECOND = 1000

export function depositTransferId(txid: string, vout: number): string {
  return `deposit:${txid}:${vout}`
}

export function depositReversalTransferId(txid: string, vout: number): string {
  return `deposit-reversal:${txid}:${vout}`
}

export interface DepositWatcherOptions {
  source: ChainSource
  repository: DepositsRepository
  ledger: Ledger
  /** config.money.depositConfirmations */
  confirmations: number
  logger?: AppLogger
  now?: () => Date
  /** A user's balance changed (a deposit credited or taken back): for their live channel. */
  onBalanceChanged?: (userId: string) => void
}

/** What one scan did, for logs and tests. */
export interface ScanReport {
  tipHeight: number
  addresses: number
  seen: number
  credited: number
  dropped: number
  reversed: number
  reversalsPending: number
}

export class DepositWatcher {
  private readonly now: () => Date
  private running: Promise<ScanReport> | undefined
  private again = false

  constructor(private readonly options: DepositWatcherOptions) {
    assert(Number.isSafeInteger(options.confirmations) && options.confirmations >= 1, 'confirmations >= 1')
    this.now = options.now ?? (() => new Date())
  }

  /** Creates the clearing account deposits are paid from; safe at every start. */
  async init(): Promise<void> {
    await this.options.ledger.ensureAccounts([DEPOSIT_CLEARING_ACCOUNT_SPEC])
  }

  /**
   * Scans on every new block and reorganisation the bus announces and every `intervalSeconds`
   * besides (a missed message or a payment seen only in the mempool is then found anyway).
   * A failed scan is logged and the next trigger tries again. Returns the function that stops
   * it and waits for a scan in progress.
   */
  start(bus: Bus, intervalSeconds: number): () => Promise<void> {
    assert(intervalSeconds > 0, 'the deposit scan interval is positive')
    const trigger = () => {
      this.scan().catch((error: unknown) =>
        this.options.logger?.warn({ err: error }, 'deposit scan failed; the next block or tick retries'),
      )
    }
    const unsubscribe = [bus.subscribe('chain.block', trigger), bus.subscribe('chain.reorg', trigger)]
    const timer = setInterval(trigger, intervalSeconds * MS_PER_SECOND)
    // The timer alone must not keep a finished process alive.
    timer.unref()
    trigger()
    return async () => {
      clearInterval(timer)
      for (const end of unsubscribe) end()
      await this.running?.catch(() => {})
    }
  }

  /**
   * Runs a scan. Calls during a scan do not start a second one alongside: they get the running
   * scan's result, and one more scan follows it so that what triggered them is not missed.
   */
  scan(): Promise<ScanReport> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      try {
        let report: ScanReport
        do {
          this.again = false
          report = await this.scanOnce()
        } while (this.again)
        return report
      } finally {
        this.running = undefined
      }
    })()
    return this.running
  }

  private async scanOnce(): Promise<ScanReport> {
    const { source, repository } = this.options
    const tip = await source.tip()
    const since = new Date(this.now().getTime() - ADDRESS_WATCH_DAYS * MS_PER_DAY)
    const addresses = await repository.addressesActiveSince(since)
    const report: ScanReport = {
      tipHeight: tip.height,
      addresses: addresses.length,
      seen: await this.discover(addresses),
      credited: 0,
      dropped: 0,
      reversed: 0,
      reversalsPending: 0,
    }
    const pendingBefore = await repository.depositsInState('reversal_pending')
    await this.follow(tip.height, report)
    // Reversals that became pending in this scan were just tried; the older ones are retried
    // after the credits of this scan, which may be what now covers them.
    for (const deposit of pendingBefore) {
      if (await this.reverse(deposit)) report.reversed++
      else report.reversalsPending++
    }
    if (report.seen + report.credited + report.dropped + report.reversed > 0) {
      this.options.logger?.info(report, 'deposit scan')
    }
    return report
  }

  /** Step 1: unspent outputs of watched addresses that are not yet deposits become 'seen'. */
  private async discover(addresses: readonly DepositAddress[]): Promise<number> {
    const { source, repository } = this.options
    let seen = 0
    for (let start = 0; start < addresses.length; start += CHAIN_BATCH_SIZE) {
      const chunk = addresses.slice(start, start + CHAIN_BATCH_SIZE)
      const utxos = await source.utxosOfMany(chunk.map((a) => a.address))
      const known = await repository.statesOfOutputs([...utxos.values()].flat().map((u) => u.txid))
      const fresh: NewDeposit[] = []
      for (const address of chunk) {
        for (const utxo of utxos.get(address.address) ?? []) {
          const state = known.get(`${utxo.txid}:${utxo.vout}`)
          if (state === undefined) fresh.push(newDeposit(address, utxo))
          else if (state === 'dropped' && (await repository.reviveDropped(utxo.txid, utxo.vout))) seen++
        }
      }
      seen += await repository.insertSeen(fresh, this.now())
    }
    return seen
  }

  /** Step 2: where each tracked deposit's transaction is now, and what follows from it. */
  private async follow(tipHeight: number, report: ScanReport): Promise<void> {
    const { source, repository } = this.options
    const tracked = await repository.trackedDeposits(FINAL_CONFIRMATIONS)
    const txids = [...new Set(tracked.map((d) => d.txid))]
    const statuses = new Map<string, TxStatus>()
    for (let start = 0; start < txids.length; start += CHAIN_BATCH_SIZE) {
      for (const status of await source.txStatus(txids.slice(start, start + CHAIN_BATCH_SIZE))) {
        statuses.set(status.txid, status)
      }
    }
    for (const txid of txids) {
      const status = statuses.get(txid)
      if (status && status.state !== 'unknown') {
        await repository.setBlockPosition(txid, blockPosition(status, tipHeight))
      }
    }
    for (const deposit of tracked) {
      const status = statuses.get(deposit.txid)
      if (!status || status.state === 'unknown') {
        await this.vanished(deposit, report)
        continue
      }
      const confirmations = blockPosition(status, tipHeight).confirmations
      if (deposit.state === 'seen' && confirmations >= this.options.confirmations) {
        await this.credit(deposit)
        report.credited++
      }
      // A credited deposit whose block was replaced but whose transaction is back in the mempool
      // (or in another block) stays credited: the payment still stands.
    }
  }

  /** A deposit's transaction is no longer on the chain or in the mempool. */
  private async vanished(deposit: Deposit, report: ScanReport): Promise<void> {
    const { repository, source } = this.options
    if (deposit.state === 'seen') {
      if (await repository.changeState(deposit.txid, deposit.vout, ['seen'], 'dropped', this.now())) {
        report.dropped++
      }
      return
    }
    assert(deposit.state === 'credited', 'only seen and credited deposits are tracked')
    // Taking money back is drastic; make sure the source really has no such transaction, not
    // just a gap in one index.
    if ((await source.rawTx(deposit.txid)) !== undefined) return
    if (await this.reverse(deposit)) report.reversed++
    else report.reversalsPending++
  }

  private async credit(deposit: Deposit): Promise<void> {
    const { ledger, repository } = this.options
    const account = userAccountId(deposit.userId)
    await ledger.ensureAccounts([{ id: account, kind: 'user' }])
    const result = await ledger.transfer([
      {
        id: depositTransferId(deposit.txid, deposit.vout),
        debitAccountId: DEPOSIT_CLEARING_ACCOUNT,
        creditAccountId: account,
        amountSats: deposit.satoshis,
        code: 'deposit',
        ref: `${deposit.txid}:${deposit.vout}`,
      },
    ])
    assert(
      result.status === 'ok' || result.status === 'exists',
      `a deposit credit from a clearing account cannot fail (${result.status})`,
    )
    await repository.changeState(deposit.txid, deposit.vout, ['seen'], 'credited', this.now())
    this.options.onBalanceChanged?.(deposit.userId)
  }

  /**
   * Takes a credited deposit back. When the balance no longer covers it the account is frozen,
   * the admins are alerted, and the reversal waits for funds (true means it went through).
   */
  private async reverse(deposit: Deposit): Promise<boolean> {
    const { ledger, repository, logger } = this.options
    const result = await ledger.transfer([
      {
        id: depositReversalTransferId(deposit.txid, deposit.vout),
        debitAccountId: userAccountId(deposit.userId),
        creditAccountId: DEPOSIT_CLEARING_ACCOUNT,
        amountSats: deposit.satoshis,
        code: 'deposit_reversal',
        ref: `${deposit.txid}:${deposit.vout}`,
      },
    ])
    const now = this.now()
    if (result.status === 'ok' || result.status === 'exists') {
      await repository.changeState(
        deposit.txid,
        deposit.vout,
        ['credited', 'reversal_pending'],
        'reversed',
        now,
      )
      logger?.warn(
        { userId: deposit.userId, txid: deposit.txid, vout: deposit.vout, satoshis: deposit.satoshis },
        'deposit reversed after a reorganisation removed it',
      )
      this.options.onBalanceChanged?.(deposit.userId)
      return true
    }
    assert(
      result.status === 'insufficient_funds',
      `a deposit reversal fails only for funds (${result.status})`,
    )
    if (deposit.state === 'credited') {
      await repository.changeState(deposit.txid, deposit.vout, ['credited'], 'reversal_pending', now)
      await repository.freezeUser(deposit.userId, now)
      const details = { txid: deposit.txid, vout: deposit.vout, satoshis: deposit.satoshis }
      await repository.raiseAlert(
        {
          id: `${DEPOSIT_REVERSAL_UNCOVERED}:${deposit.txid}:${deposit.vout}`,
          code: DEPOSIT_REVERSAL_UNCOVERED,
          userId: deposit.userId,
          details,
        },
        now,
      )
      logger?.error(
        { code: DEPOSIT_REVERSAL_UNCOVERED, userId: deposit.userId, ...details },
        'a reorganisation removed a credited deposit the balance no longer covers; account frozen',
      )
    }
    return false
  }
}

function newDeposit(address: DepositAddress, utxo: Utxo): NewDeposit {
  return {
    txid: utxo.txid,
    vout: utxo.vout,
    userId: address.userId,
    address: address.address,
    satoshis: utxo.satoshis,
    blockHeight: utxo.height,
  }
}

/** Confirmations = tip height − block height + 1, from our tip so every deposit counts alike. */
function blockPosition(status: TxStatus, tipHeight: number) {
  if (status.state !== 'confirmed' || status.blockHeight === undefined) {
    return { blockHeight: null, blockHash: null, confirmations: 0 }
  }
  return {
    blockHeight: status.blockHeight,
    blockHash: status.blockHash ?? null,
    confirmations: Math.max(0, tipHeight - status.blockHeight + 1),
  }
}
