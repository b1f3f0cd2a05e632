/**
 * The hot wallet at work (SPEC 3): pays queued withdrawals in batches, sweeps credited deposits
 * into the hot wallet (consolidating small outputs on the way), and follows every transaction it
 * signs to confirmation. main runs `tick()` on every block and on a timer; ticks never overlap.
 *
 * One tick:
 *  1. moves every live transaction on: broadcasts what is built, settles what confirmed, sends
 *     again what the network forgot, and fails what it refuses;
 *  2. refunds withdrawals that failed MAX_WITHDRAWAL_ATTEMPTS times;
 *  3. pays the oldest queued withdrawals (up to 100 outputs) from confirmed hot-wallet outputs;
 *  4. sweeps credited deposits (and small hot-wallet outputs, when there are many) into one output.
 *
 * Spending only confirmed outputs means a payout never depends on another unconfirmed one: a
 * transaction that fails takes nothing else down with it. That makes it one batch per block.
 *
 * Lost transactions. A payout the network cannot be reached about, or forgot and will not take
 * back, may still be out there and confirm later; refunding it then would pay twice. So after
 * MAX_BROADCAST_TROUBLES such attempts the service signs a cancellation: the same inputs, paid
 * back to the hot wallet. Whichever of the two confirms decides: the payout (the withdrawals are
 * done) or the cancellation (they are queued again, then refunded after their last attempt).
 * A transaction the network refuses outright (bad script, inputs gone) can never confirm, so it
 * fails at once and its withdrawals are queued again.
 *
 * Ledger. A payout's confirmation moves each withdrawal's amount out of withdrawal clearing, to
 * `chain:withdrawn` (what the address received) and to the platform's network-fee account (the
 * quoted fee), and pays the transaction's real fee from that account to `chain:network-fees`.
 * Sweeps and cancellations pay their fee the same way. Each transfer's id names what it settles,
 * so settling twice is impossible.
 *
 * Fleet. Only the leader pays (src/services/leader/leader.ts). Given its `fence`, the ledger
 * writes (settling, refunding) check the leader's token inside their transaction, and a
 * transaction is neither recorded nor sent without checking it first, so a leader that lost its
 * lease while paused neither signs new payouts nor moves money.
 */
import { randomUUID } from 'node:crypto'
import type { Bus } from '../../adapters/bus/bus.ts'
import { ChainError, type ChainSource, type TxStatus } from '../../adapters/chain/source.ts'
import { assert } from '../../domain/money.ts'
import { userAccountId } from '../../ledger/accounts.ts'
import type { Ledger } from '../../ledger/ledger.ts'
import type { TransferInput } from '../../ledger/types.ts'
import type { AppLogger } from '../../logger.ts'
import { assertLeader, type Fence } from '../leader/leader.ts'
import type { WalletKeys } from './keys.ts'
import {
  type BuiltTx,
  buildSignedTx,
  P2PKH_INPUT_BYTES,
  type PaymentOutput,
  type SpendableOutput,
  selectInputs,
} from './tx-builder.ts'
import type { NewWalletTx, WalletTx, Withdrawal, WithdrawalsRepository } from './withdrawals.repository.ts'
import {
  CHAIN_NETWORK_FEES_ACCOUNT,
  CHAIN_WITHDRAWN_ACCOUNT,
  PLATFORM_NETWORK_FEES_ACCOUNT,
  WITHDRAWAL_ACCOUNTS,
  WITHDRAWAL_CLEARING_ACCOUNT,
  withdrawalRefundTransferId,
} from './withdrawals.ts'

/** SPEC 3: one payout transaction carries at most 100 withdrawals. */
export const MAX_PAYOUT_OUTPUTS = 100
/** Inputs one payout may spend; more means the hot wallet needs consolidating first. */
export const MAX_PAYOUT_INPUTS = 100
/** Payout attempts per withdrawal before it is refunded. */
export const MAX_WITHDRAWAL_ATTEMPTS = 3
/** Failed sends (or checks that find the transaction gone) before a payout is cancelled. */
export const MAX_BROADCAST_TROUBLES = 5
/** Inputs one sweep spends. */
export const MAX_SWEEP_INPUTS = 100
/** Hot-wallet outputs below this are gathered into one once there are CONSOLIDATE_MIN_OUTPUTS of them. */
export const CONSOLIDATE_BELOW_SATS = 100_000
export const CONSOLIDATE_MIN_OUTPUTS = 10
const MS_PER_SECOND = 1000

export const HOT_KEY_REF = 'hot'

export function depositKeyRef(derivationIndex: number): string {
  return `deposit:${derivationIndex}`
}

export interface PayoutServiceOptions {
  repository: WithdrawalsRepository
  ledger: Ledger
  chain: ChainSource
  keys: WalletKeys
  /** config.wallet.networkFeeRateSatsPerKb */
  feeRateSatsPerKb: number
  /** Deposits are swept once they have this many confirmations (config.money.depositConfirmations). */
  sweepConfirmations: number
  logger?: AppLogger
  now?: () => Date
  /** The leader's fence; without one (a single node) nothing is fenced. */
  fence?: Fence
}

export interface HotWalletStatus {
  address: string
  /** Confirmed and not reserved: what the next payout can spend. */
  spendableSats: number
  unconfirmedSats: number
  outputs: number
  queuedWithdrawals: number
  queuedSats: number
  inFlight: Array<{ id: string; purpose: string; state: string; txid: string; troubles: number }>
}

export interface TickReport {
  confirmed: number
  failed: number
  cancelling: number
  refunded: number
  paid: number
  swept: number
  /** Queued withdrawals the hot wallet could not cover this tick. */
  waitingForFunds: number
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export class PayoutService {
  private readonly now: () => Date
  private running: Promise<TickReport> | undefined
  private again = false

  constructor(private readonly options: PayoutServiceOptions) {
    this.now = options.now ?? (() => new Date())
  }

  async init(): Promise<void> {
    await this.options.ledger.ensureAccounts(WITHDRAWAL_ACCOUNTS)
  }

  get hotWalletAddress(): string {
    return this.options.keys.hotWalletAddress()
  }

  /** Ticks on every block and every `intervalSeconds`; returns the function that stops it. */
  start(bus: Bus, intervalSeconds: number): () => Promise<void> {
    const trigger = () => {
      this.tick().catch((error: unknown) =>
        this.options.logger?.warn({ err: error }, 'payout tick failed; the next block or tick retries'),
      )
    }
    const unsubscribe = bus.subscribe('chain.block', trigger)
    const timer = setInterval(trigger, intervalSeconds * MS_PER_SECOND)
    timer.unref()
    trigger()
    return async () => {
      clearInterval(timer)
      unsubscribe()
      await this.running?.catch(() => {})
    }
  }

  /** One tick; a call during a tick waits for it and then runs one more. */
  tick(): Promise<TickReport> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      try {
        let report: TickReport
        do {
          this.again = false
          report = await this.tickOnce()
        } while (this.again)
        return report
      } finally {
        this.running = undefined
      }
    })()
    return this.running
  }

  private async tickOnce(): Promise<TickReport> {
    const report: TickReport = {
      confirmed: 0,
      failed: 0,
      cancelling: 0,
      refunded: 0,
      paid: 0,
      swept: 0,
      waitingForFunds: 0,
    }
    for (const tx of await this.options.repository.liveWalletTxs()) await this.advance(tx, report)
    report.refunded = await this.refundExhausted()
    await this.payBatch(report)
    await this.sweep(report)
    if (Object.values(report).some((n) => n > 0)) this.options.logger?.info(report, 'payout tick')
    return report
  }

  /** What the operator needs to see of the hot wallet: its coins, the queue, and what is in flight. */
  async status(): Promise<HotWalletStatus> {
    const { repository, chain } = this.options
    const [utxos, reserved, queued, live] = await Promise.all([
      chain.utxos(this.hotWalletAddress),
      repository.reservedOutpoints(),
      repository.queuedTotals(),
      repository.liveWalletTxs(),
    ])
    const free = utxos.filter((u) => !reserved.has(`${u.txid}:${u.vout}`))
    const sum = (list: readonly { satoshis: number }[]) => list.reduce((total, u) => total + u.satoshis, 0)
    return {
      address: this.hotWalletAddress,
      spendableSats: sum(free.filter((u) => u.height !== null)),
      unconfirmedSats: sum(free.filter((u) => u.height === null)),
      outputs: free.length,
      queuedWithdrawals: queued.count,
      queuedSats: queued.sats,
      inFlight: live.map((t) => ({
        id: t.id,
        purpose: t.purpose,
        state: t.state,
        txid: t.txid,
        troubles: t.broadcastAttempts,
      })),
    }
  }

  // ---- 1. Following transactions ----

  private async advance(tx: WalletTx, report: TickReport): Promise<void> {
    const { chain } = this.options
    try {
      const [status] = await chain.txStatus([tx.txid])
      if (status?.state === 'confirmed') {
        await this.settle(tx, status)
        report.confirmed++
        return
      }
      if (status?.state === 'mempool') {
        if (tx.state === 'built') await this.options.repository.markBroadcast(tx.id, this.now())
        return
      }
      // Being cancelled: the cancellation's fate decides this one's, so it is not sent again.
      if (tx.purpose === 'payout' && (await this.options.repository.cancellationOf(tx.id))) return
      // Not known to the network: send it (again).
      await this.options.fence?.verify()
      const result = await chain.broadcast(tx.rawTx)
      if (result.status === 'ok') {
        await this.options.repository.markBroadcast(tx.id, this.now())
        return
      }
      await this.refused(tx, `${result.code}: ${result.message}`)
      report.failed++
    } catch (error) {
      if (!(error instanceof ChainError) || !error.retryable) throw error
      await this.trouble(tx, errorText(error), report)
    }
  }

  /** The network refused the bytes: this transaction can never confirm. */
  private async refused(tx: WalletTx, message: string): Promise<void> {
    await this.options.repository.markDead(tx.id, 'failed', message, this.now())
    this.options.logger?.warn(
      { walletTxId: tx.id, txid: tx.txid, purpose: tx.purpose, message },
      'transaction refused',
    )
  }

  /** The network could not be reached about `tx`; after enough of that a payout is cancelled. */
  private async trouble(tx: WalletTx, message: string, report: TickReport): Promise<void> {
    const { repository, logger } = this.options
    const troubles = await repository.noteBroadcastTrouble(tx.id, message)
    logger?.warn(
      { walletTxId: tx.id, txid: tx.txid, troubles, message },
      'could not send or check a transaction',
    )
    if (tx.purpose !== 'payout' || troubles < MAX_BROADCAST_TROUBLES) return
    if (await repository.cancellationOf(tx.id)) return
    const inputs = await repository.inputsOf(tx.id)
    const built = await this.build(inputs, [])
    if (built.status !== 'ok') return
    await this.options.fence?.verify()
    await repository.insertWalletTx(
      this.newWalletTx('cancel', built.tx, inputs, { cancelsId: tx.id }),
      this.now(),
    )
    report.cancelling++
    logger?.warn(
      { walletTxId: tx.id, txid: tx.txid },
      'payout lost; cancelling it by spending its inputs back',
    )
  }

  private async settle(tx: WalletTx, status: TxStatus): Promise<void> {
    const { repository, ledger } = this.options
    assert(
      status.blockHeight !== undefined && status.blockHash !== undefined,
      'a confirmed status names its block',
    )
    const block = { height: status.blockHeight, hash: status.blockHash }
    const withdrawals = tx.purpose === 'payout' ? await repository.ofWalletTx(tx.id) : []
    const transfers: TransferInput[] = [
      ...withdrawals.flatMap((w) => payoutTransfers(w)),
      {
        id: `network-fee:${tx.id}`,
        debitAccountId: PLATFORM_NETWORK_FEES_ACCOUNT,
        creditAccountId: CHAIN_NETWORK_FEES_ACCOUNT,
        amountSats: tx.feeSats,
        code: 'network_fee',
        ref: tx.txid,
      },
    ]
    const now = this.now()
    const result = await ledger.transfer(transfers, async (trx) => {
      await assertLeader(trx, this.options.fence)
      await repository.markConfirmed(trx, tx.id, block, now)
      if (tx.cancelsId)
        await repository.markDead(tx.cancelsId, 'cancelled', `cancelled by ${tx.txid}`, now, trx)
    })
    assert(result.status === 'ok' || result.status === 'exists', `settling ${tx.id}: ${result.status}`)
  }

  // ---- 2. Refunds ----

  private async refundExhausted(): Promise<number> {
    const { repository, ledger, logger } = this.options
    let refunded = 0
    for (const w of await repository.exhausted(MAX_WITHDRAWAL_ATTEMPTS)) {
      const result = await ledger.transfer(
        [
          {
            id: withdrawalRefundTransferId(w.id),
            debitAccountId: WITHDRAWAL_CLEARING_ACCOUNT,
            creditAccountId: userAccountId(w.userId),
            amountSats: w.amountSats,
            code: 'withdrawal_refund',
            ref: w.id,
          },
        ],
        async (trx) => {
          await assertLeader(trx, this.options.fence)
          await repository.markRefunded(trx, w.id, this.now())
        },
      )
      assert(result.status === 'ok' || result.status === 'exists', `refunding ${w.id}: ${result.status}`)
      logger?.warn(
        { withdrawalId: w.id, attempts: w.attempts, lastError: w.lastError },
        'withdrawal refunded',
      )
      refunded++
    }
    return refunded
  }

  // ---- 3. Paying ----

  private async payBatch(report: TickReport): Promise<void> {
    const { repository } = this.options
    const queued = await repository.queued(MAX_PAYOUT_OUTPUTS)
    if (queued.length === 0) return
    const available = await this.spendableHotOutputs()
    // The oldest withdrawals the hot wallet can cover go first; the rest wait for the next block.
    for (let count = queued.length; count > 0; count--) {
      const batch = queued.slice(0, count)
      const payments: PaymentOutput[] = batch.map((w) => ({
        address: w.address,
        satoshis: w.amountSats - w.feeSats,
      }))
      const total = payments.reduce((sum, p) => sum + p.satoshis, 0)
      const inputs = selectInputs(
        available,
        total,
        payments.length,
        this.options.feeRateSatsPerKb,
        MAX_PAYOUT_INPUTS,
      )
      if (!inputs) continue
      const built = await this.build(inputs, payments)
      if (built.status !== 'ok') continue
      const withdrawals = batch.map((w, index) => ({ id: w.id, vout: built.tx.paymentVouts[index]! }))
      const record = this.newWalletTx('payout', built.tx, inputs, { withdrawals })
      if (!(await this.record(record))) return
      report.paid += batch.length
      report.waitingForFunds = queued.length - count
      const stored = await repository.walletTx(record.id)
      assert(stored, 'a recorded payout can be read back')
      await this.advance(stored, report)
      return
    }
    report.waitingForFunds = queued.length
    this.options.logger?.warn(
      { queued: queued.length, hotWallet: this.hotWalletAddress },
      'hot wallet cannot cover queued withdrawals',
    )
  }

  // ---- 4. Sweeping and consolidating ----

  private async sweep(report: TickReport): Promise<void> {
    const { repository, chain, keys, sweepConfirmations, feeRateSatsPerKb } = this.options
    // An input below its own fee would cost more to move than it is worth; it stays where it is.
    const inputFeeSats = Math.ceil((P2PKH_INPUT_BYTES * feeRateSatsPerKb) / 1000)
    const candidates = (await repository.sweepableDeposits(sweepConfirmations, MAX_SWEEP_INPUTS)).filter(
      (d) => d.satoshis > inputFeeSats,
    )
    const inputs: SpendableOutput[] = []
    if (candidates.length > 0) {
      // Only what the chain still lists as unspent: a stale row must not make the sweep invalid.
      const addresses = [...new Set(candidates.map((d) => keys.depositAddress(d.derivationIndex)))]
      const unspent = new Set<string>()
      for (const utxos of (await chain.utxosOfMany(addresses)).values()) {
        for (const u of utxos) unspent.add(`${u.txid}:${u.vout}`)
      }
      for (const d of candidates) {
        if (unspent.has(`${d.txid}:${d.vout}`)) {
          inputs.push({
            txid: d.txid,
            vout: d.vout,
            satoshis: d.satoshis,
            keyRef: depositKeyRef(d.derivationIndex),
          })
        }
      }
    }
    const small = (await this.spendableHotOutputs()).filter((u) => u.satoshis < CONSOLIDATE_BELOW_SATS)
    if (small.length >= CONSOLIDATE_MIN_OUTPUTS)
      inputs.push(...small.slice(0, MAX_SWEEP_INPUTS - inputs.length))
    if (inputs.length === 0) return
    const built = await this.build(inputs, [])
    if (built.status !== 'ok') return
    const sweptDeposits = inputs
      .filter((i) => i.keyRef !== HOT_KEY_REF)
      .map(({ txid, vout }) => ({ txid, vout }))
    const record = this.newWalletTx('sweep', built.tx, inputs, { sweptDeposits })
    if (!(await this.record(record))) return
    report.swept += inputs.length
    const stored = await repository.walletTx(record.id)
    assert(stored, 'a recorded sweep can be read back')
    await this.advance(stored, report)
  }

  // ---- Shared ----

  /** Confirmed hot-wallet outputs no live transaction has reserved. */
  private async spendableHotOutputs(): Promise<SpendableOutput[]> {
    const reserved = await this.options.repository.reservedOutpoints()
    const utxos = await this.options.chain.utxos(this.hotWalletAddress)
    return utxos
      .filter((u) => u.height !== null && !reserved.has(`${u.txid}:${u.vout}`))
      .map((u) => ({ txid: u.txid, vout: u.vout, satoshis: u.satoshis, keyRef: HOT_KEY_REF }))
  }

  private build(inputs: readonly SpendableOutput[], payments: readonly PaymentOutput[]) {
    const { keys, feeRateSatsPerKb } = this.options
    return buildSignedTx({
      inputs,
      payments,
      changeAddress: this.hotWalletAddress,
      satsPerKb: feeRateSatsPerKb,
      keyFor: (keyRef) => {
        if (keyRef === HOT_KEY_REF) return keys.hotWalletPrivateKey()
        const index = Number(keyRef.slice('deposit:'.length))
        assert(
          keyRef.startsWith('deposit:') && Number.isSafeInteger(index),
          `a known key reference: ${keyRef}`,
        )
        return keys.depositPrivateKey(index)
      },
    })
  }

  private newWalletTx(
    purpose: NewWalletTx['purpose'],
    tx: BuiltTx,
    inputs: readonly SpendableOutput[],
    extra: Pick<NewWalletTx, 'cancelsId' | 'withdrawals' | 'sweptDeposits'>,
  ): NewWalletTx {
    return {
      id: `${purpose}_${randomUUID()}`,
      purpose,
      txid: tx.txid,
      rawTx: tx.rawTx,
      inputSats: tx.inputSats,
      feeSats: tx.feeSats,
      changeSats: tx.changeSats,
      inputs,
      ...extra,
    }
  }

  /** Stores a signed transaction; false when another process took an input or a withdrawal first. */
  private async record(tx: NewWalletTx): Promise<boolean> {
    // Outside the try: a lost lease is not another worker being first.
    await this.options.fence?.verify()
    try {
      await this.options.repository.insertWalletTx(tx, this.now())
      return true
    } catch (error) {
      this.options.logger?.warn(
        { err: error, purpose: tx.purpose },
        'transaction not recorded; another worker was first',
      )
      return false
    }
  }
}

/** A confirmed withdrawal leaves clearing: what the address got, and the fee it was quoted. */
function payoutTransfers(w: Withdrawal): TransferInput[] {
  return [
    {
      id: `withdrawal-paid:${w.id}`,
      debitAccountId: WITHDRAWAL_CLEARING_ACCOUNT,
      creditAccountId: CHAIN_WITHDRAWN_ACCOUNT,
      amountSats: w.amountSats - w.feeSats,
      code: 'withdrawal_paid',
      ref: w.id,
    },
    {
      id: `withdrawal-fee:${w.id}`,
      debitAccountId: WITHDRAWAL_CLEARING_ACCOUNT,
      creditAccountId: PLATFORM_NETWORK_FEES_ACCOUNT,
      amountSats: w.feeSats,
      code: 'withdrawal_fee',
      ref: w.id,
    },
  ]
}
