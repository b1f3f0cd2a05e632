/**
 * Queries on withdrawals and the hot wallet's transactions (migration 0006): one query or one
 * database transaction per method, no product rules. Methods that take a `Trx` run inside a
 * ledger transfer (Ledger.transfer's `alsoWrite`), so the row changes commit with the money.
 */
import { type Kysely, type Selectable, sql } from 'kysely'
import type {
  Database,
  WalletTxPurpose,
  WalletTxState,
  WalletTxsTable,
  WithdrawalState,
  WithdrawalsTable,
} from '../../adapters/db/schema.ts'
import { assert, satsFromDb } from '../../domain/money.ts'
import type { Trx } from '../../ledger/ledger.ts'
import type { SpendableOutput } from './tx-builder.ts'

export interface Withdrawal {
  id: string
  userId: string
  idempotencyKey: string
  address: string
  amountSats: number
  feeSats: number
  state: WithdrawalState
  walletTxId: string | null
  vout: number | null
  attempts: number
  lastError: string | null
  createdAt: Date
  updatedAt: Date
  confirmedAt: Date | null
  refundedAt: Date | null
  /** The payout transaction's id, once one carries this withdrawal. */
  txid: string | null
}

export interface WalletTx {
  id: string
  purpose: WalletTxPurpose
  state: WalletTxState
  txid: string
  rawTx: string
  inputSats: number
  feeSats: number
  changeSats: number
  cancelsId: string | null
  broadcastAttempts: number
  lastError: string | null
  blockHeight: number | null
  blockHash: string | null
  createdAt: Date
  broadcastAt: Date | null
}

export interface NewWithdrawal {
  id: string
  userId: string
  idempotencyKey: string
  address: string
  amountSats: number
  feeSats: number
}

export interface NewWalletTx {
  id: string
  purpose: WalletTxPurpose
  txid: string
  rawTx: string
  inputSats: number
  feeSats: number
  changeSats: number
  cancelsId?: string
  inputs: readonly SpendableOutput[]
  /** Withdrawals this payout carries, with the output paying each. */
  withdrawals?: ReadonlyArray<{ id: string; vout: number }>
  /** Deposits (txid:vout) this sweep moves into the hot wallet. */
  sweptDeposits?: ReadonlyArray<{ txid: string; vout: number }>
}

type WithdrawalRow = Selectable<WithdrawalsTable> & { txid: string | null }

function toWithdrawal(row: WithdrawalRow): Withdrawal {
  return {
    id: row.id,
    userId: row.user_id,
    idempotencyKey: row.idempotency_key,
    address: row.address,
    amountSats: satsFromDb(row.amount_sats, 'withdrawal amount'),
    feeSats: satsFromDb(row.fee_sats, 'withdrawal fee'),
    state: row.state,
    walletTxId: row.wallet_tx_id,
    vout: row.vout,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    confirmedAt: row.confirmed_at && new Date(row.confirmed_at),
    refundedAt: row.refunded_at && new Date(row.refunded_at),
    txid: row.txid,
  }
}

function toWalletTx(row: Selectable<WalletTxsTable>): WalletTx {
  return {
    id: row.id,
    purpose: row.purpose,
    state: row.state,
    txid: row.txid,
    rawTx: row.raw_tx,
    inputSats: satsFromDb(row.input_sats, 'wallet tx inputs'),
    feeSats: satsFromDb(row.fee_sats, 'wallet tx fee'),
    changeSats: satsFromDb(row.change_sats, 'wallet tx change'),
    cancelsId: row.cancels_id,
    broadcastAttempts: row.broadcast_attempts,
    lastError: row.last_error,
    blockHeight: row.block_height,
    blockHash: row.block_hash,
    createdAt: new Date(row.created_at),
    broadcastAt: row.broadcast_at && new Date(row.broadcast_at),
  }
}

export class WithdrawalsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private withdrawalsWithTxid(db: Kysely<Database> | Trx = this.db) {
    return db
      .selectFrom('withdrawals as w')
      .leftJoin('wallet_txs as t', 't.id', 'w.wallet_tx_id')
      .selectAll('w')
      .select('t.txid')
  }

  async byId(id: string): Promise<Withdrawal | undefined> {
    const row = await this.withdrawalsWithTxid().where('w.id', '=', id).executeTakeFirst()
    return row && toWithdrawal(row)
  }

  async insert(trx: Trx, withdrawal: NewWithdrawal, now: Date): Promise<void> {
    await trx
      .insertInto('withdrawals')
      .values({
        id: withdrawal.id,
        user_id: withdrawal.userId,
        idempotency_key: withdrawal.idempotencyKey,
        address: withdrawal.address,
        amount_sats: withdrawal.amountSats,
        fee_sats: withdrawal.feeSats,
        created_at: now,
        updated_at: now,
      })
      .execute()
  }

  async listForUser(userId: string, limit: number): Promise<Withdrawal[]> {
    const rows = await this.withdrawalsWithTxid()
      .where('w.user_id', '=', userId)
      .orderBy('w.created_at', 'desc')
      .orderBy('w.id', 'desc')
      .limit(limit)
      .execute()
    return rows.map(toWithdrawal)
  }

  /** Requested withdrawals no payout carries, oldest first. */
  async queued(limit: number): Promise<Withdrawal[]> {
    const rows = await this.withdrawalsWithTxid()
      .where('w.state', '=', 'requested')
      .where('w.wallet_tx_id', 'is', null)
      .orderBy('w.created_at')
      .orderBy('w.id')
      .limit(limit)
      .execute()
    return rows.map(toWithdrawal)
  }

  /** How many withdrawals wait for a payout, and their sum. */
  async queuedTotals(): Promise<{ count: number; sats: number }> {
    const row = await sql<{ count: number; total: string }>`
      select count(*)::int as count, coalesce(sum(amount_sats), 0)::text as total
      from withdrawals where state = 'requested' and wallet_tx_id is null`
      .execute(this.db)
      .then((r) => r.rows[0])
    return { count: row?.count ?? 0, sats: satsFromDb(row?.total, 'queued withdrawals') }
  }

  async ofWalletTx(walletTxId: string): Promise<Withdrawal[]> {
    const rows = await this.withdrawalsWithTxid().where('w.wallet_tx_id', '=', walletTxId).execute()
    return rows.map(toWithdrawal)
  }

  async sumInState(state: WithdrawalState): Promise<number> {
    const row = await sql<{ total: string }>`
      select coalesce(sum(amount_sats), 0)::text as total from withdrawals where state = ${state}`
      .execute(this.db)
      .then((r) => r.rows[0])
    return satsFromDb(row?.total, 'withdrawals total')
  }

  /** Marks a withdrawal refunded; runs inside the refund transfer. */
  async markRefunded(trx: Trx, id: string, now: Date): Promise<void> {
    const result = await trx
      .updateTable('withdrawals')
      .set({ state: 'refunded', refunded_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'requested')
      .where('wallet_tx_id', 'is', null)
      .executeTakeFirst()
    assert(result.numUpdatedRows === 1n, `withdrawal ${id} is queued when it is refunded`)
  }

  // ---- The hot wallet's transactions ----

  async walletTx(id: string): Promise<WalletTx | undefined> {
    const row = await this.db.selectFrom('wallet_txs').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toWalletTx(row)
  }

  /** Transactions not yet settled (built or broadcast), oldest first. */
  async liveWalletTxs(): Promise<WalletTx[]> {
    const rows = await this.db
      .selectFrom('wallet_txs')
      .selectAll()
      .where('state', 'in', ['built', 'broadcast'])
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toWalletTx)
  }

  async cancellationOf(walletTxId: string): Promise<WalletTx | undefined> {
    const row = await this.db
      .selectFrom('wallet_txs')
      .selectAll()
      .where('cancels_id', '=', walletTxId)
      .where('state', '!=', 'failed')
      .executeTakeFirst()
    return row && toWalletTx(row)
  }

  /** Outputs reserved by live transactions: no new transaction may spend them. */
  async reservedOutpoints(): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('wallet_tx_inputs')
      .select(['txid', 'vout'])
      .where('active', '=', true)
      .execute()
    return new Set(rows.map((r) => `${r.txid}:${r.vout}`))
  }

  async inputsOf(walletTxId: string): Promise<SpendableOutput[]> {
    const rows = await this.db
      .selectFrom('wallet_tx_inputs')
      .selectAll()
      .where('wallet_tx_id', '=', walletTxId)
      .orderBy('txid')
      .orderBy('vout')
      .execute()
    return rows.map((r) => ({
      txid: r.txid,
      vout: r.vout,
      satoshis: satsFromDb(r.satoshis, 'input amount'),
      keyRef: r.key_ref,
    }))
  }

  /**
   * Records a signed transaction with its reservations, and ties the withdrawals or deposits it
   * moves to it, all at once. Throws (and writes nothing) when an input is already reserved or a
   * withdrawal or deposit has been taken by another transaction meanwhile.
   */
  async insertWalletTx(tx: NewWalletTx, now: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('wallet_txs')
        .values({
          id: tx.id,
          purpose: tx.purpose,
          txid: tx.txid,
          raw_tx: tx.rawTx,
          input_sats: tx.inputSats,
          fee_sats: tx.feeSats,
          change_sats: tx.changeSats,
          cancels_id: tx.cancelsId ?? null,
          created_at: now,
        })
        .execute()
      if (tx.cancelsId) {
        // The cancellation takes over the reservations of what it cancels.
        await trx
          .updateTable('wallet_tx_inputs')
          .set({ active: false })
          .where('wallet_tx_id', '=', tx.cancelsId)
          .execute()
      }
      await trx
        .insertInto('wallet_tx_inputs')
        .values(
          tx.inputs.map((i) => ({
            wallet_tx_id: tx.id,
            txid: i.txid,
            vout: i.vout,
            satoshis: i.satoshis,
            key_ref: i.keyRef,
          })),
        )
        .execute()
      for (const w of tx.withdrawals ?? []) {
        const result = await trx
          .updateTable('withdrawals')
          .set({ wallet_tx_id: tx.id, vout: w.vout, updated_at: now })
          .where('id', '=', w.id)
          .where('state', '=', 'requested')
          .where('wallet_tx_id', 'is', null)
          .executeTakeFirst()
        if (result.numUpdatedRows !== 1n) throw new Error(`withdrawal ${w.id} was taken meanwhile`)
      }
      for (const d of tx.sweptDeposits ?? []) {
        const result = await trx
          .updateTable('deposits')
          .set({ sweep_tx_id: tx.id })
          .where('txid', '=', d.txid)
          .where('vout', '=', d.vout)
          .where('state', '=', 'credited')
          .where('sweep_tx_id', 'is', null)
          .executeTakeFirst()
        if (result.numUpdatedRows !== 1n) throw new Error(`deposit ${d.txid}:${d.vout} was taken meanwhile`)
      }
    })
  }

  async markBroadcast(id: string, now: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('wallet_txs')
        .set({ state: 'broadcast', broadcast_at: now, broadcast_attempts: 0, last_error: null })
        .where('id', '=', id)
        .where('state', '=', 'built')
        .execute()
      await trx
        .updateTable('withdrawals')
        .set({ state: 'broadcast', updated_at: now })
        .where('wallet_tx_id', '=', id)
        .where('state', '=', 'requested')
        .execute()
    })
  }

  /** Counts a failed attempt to reach the network (or to find the transaction on it). */
  async noteBroadcastTrouble(id: string, error: string): Promise<number> {
    const row = await this.db
      .updateTable('wallet_txs')
      .set((eb) => ({ broadcast_attempts: eb('broadcast_attempts', '+', 1), last_error: error }))
      .where('id', '=', id)
      .returning('broadcast_attempts')
      .executeTakeFirstOrThrow()
    return row.broadcast_attempts
  }

  /** Marks a transaction confirmed, with what it carried; runs inside its settlement transfer. */
  async markConfirmed(
    trx: Trx,
    id: string,
    block: { height: number; hash: string },
    now: Date,
  ): Promise<void> {
    const result = await trx
      .updateTable('wallet_txs')
      .set({ state: 'confirmed', block_height: block.height, block_hash: block.hash, settled_at: now })
      .where('id', '=', id)
      .where('state', 'in', ['built', 'broadcast'])
      .executeTakeFirst()
    assert(result.numUpdatedRows === 1n, `wallet tx ${id} is live when it confirms`)
    await trx
      .updateTable('withdrawals')
      .set({ state: 'confirmed', confirmed_at: now, updated_at: now })
      .where('wallet_tx_id', '=', id)
      .execute()
    await trx.updateTable('wallet_tx_inputs').set({ active: false }).where('wallet_tx_id', '=', id).execute()
  }

  /**
   * Ends a transaction that will never confirm (refused by the network, or cancelled): releases
   * its reservations and its deposits, and puts its withdrawals back in the queue with one more
   * attempt counted. `trx` is given when a cancellation's settlement transfer runs this.
   */
  async markDead(
    id: string,
    state: 'failed' | 'cancelled',
    error: string,
    now: Date,
    trx?: Trx,
  ): Promise<void> {
    const work = async (t: Trx) => {
      await t
        .updateTable('wallet_txs')
        .set({ state, last_error: error, settled_at: now })
        .where('id', '=', id)
        .execute()
      await t.updateTable('wallet_tx_inputs').set({ active: false }).where('wallet_tx_id', '=', id).execute()
      await t.updateTable('deposits').set({ sweep_tx_id: null }).where('sweep_tx_id', '=', id).execute()
      await t
        .updateTable('withdrawals')
        .set((eb) => ({
          state: 'requested',
          wallet_tx_id: null,
          vout: null,
          attempts: eb('attempts', '+', 1),
          last_error: error,
          updated_at: now,
        }))
        .where('wallet_tx_id', '=', id)
        .where('state', 'in', ['requested', 'broadcast'])
        .execute()
    }
    if (trx) await work(trx)
    else await this.db.transaction().execute(work)
  }

  /** Queued withdrawals that have used up their attempts. */
  async exhausted(maxAttempts: number): Promise<Withdrawal[]> {
    const rows = await this.withdrawalsWithTxid()
      .where('w.state', '=', 'requested')
      .where('w.wallet_tx_id', 'is', null)
      .where('w.attempts', '>=', maxAttempts)
      .orderBy('w.created_at')
      .execute()
    return rows.map(toWithdrawal)
  }

  /** Credited deposits with enough confirmations that no sweep has moved yet, oldest first. */
  async sweepableDeposits(
    minConfirmations: number,
    limit: number,
  ): Promise<Array<{ txid: string; vout: number; satoshis: number; derivationIndex: number }>> {
    const rows = await this.db
      .selectFrom('deposits as d')
      .innerJoin('deposit_addresses as a', 'a.user_id', 'd.user_id')
      .select(['d.txid', 'd.vout', 'd.satoshis', 'a.derivation_index'])
      .where('d.state', '=', 'credited')
      .where('d.sweep_tx_id', 'is', null)
      .where('d.confirmations', '>=', minConfirmations)
      .orderBy('d.first_seen_at')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      txid: r.txid,
      vout: r.vout,
      satoshis: satsFromDb(r.satoshis, 'deposit amount'),
      derivationIndex: r.derivation_index,
    }))
  }
}
