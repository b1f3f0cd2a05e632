/** Queries on deposit addresses, deposits, frozen users and alerts: one query per method, no rules. */
import { type Kysely, type Selectable, sql } from 'kysely'
import type { Database, DepositState, DepositsTable } from '../../adapters/db/schema.ts'
import { satsFromDb } from '../../domain/money.ts'

export interface DepositAddress {
  userId: string
  derivationIndex: number
  address: string
}

export interface Deposit {
  txid: string
  vout: number
  userId: string
  address: string
  satoshis: number
  state: DepositState
  blockHeight: number | null
  blockHash: string | null
  confirmations: number
  firstSeenAt: Date
  creditedAt: Date | null
  reversedAt: Date | null
}

export interface Alert {
  id: string
  code: string
  userId: string | null
  details: unknown
  createdAt: Date
}

export interface NewDeposit {
  txid: string
  vout: number
  userId: string
  address: string
  satoshis: number
  blockHeight: number | null
}

export interface BlockPosition {
  blockHeight: number | null
  blockHash: string | null
  confirmations: number
}

function toDeposit(row: Selectable<DepositsTable>): Deposit {
  return {
    txid: row.txid,
    vout: row.vout,
    userId: row.user_id,
    address: row.address,
    satoshis: satsFromDb(row.satoshis, 'deposit amount'),
    state: row.state,
    blockHeight: row.block_height,
    blockHash: row.block_hash,
    confirmations: row.confirmations,
    firstSeenAt: new Date(row.first_seen_at),
    creditedAt: row.credited_at && new Date(row.credited_at),
    reversedAt: row.reversed_at && new Date(row.reversed_at),
  }
}

export class DepositsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- Deposit addresses ----

  /** The next unused derivation index; a sequence, so concurrent callers never get the same one. */
  async nextDerivationIndex(): Promise<number> {
    const result = await sql<{ n: string }>`select nextval('deposit_derivation_index')::text as n`.execute(
      this.db,
    )
    return satsFromDb(result.rows[0]?.n, 'derivation index')
  }

  /** Records that the user looked at their address; returns it, or undefined when they have none. */
  async touchAddress(userId: string, now: Date): Promise<DepositAddress | undefined> {
    const row = await this.db
      .updateTable('deposit_addresses')
      .set({ requested_at: now })
      .where('user_id', '=', userId)
      .returning(['user_id', 'derivation_index', 'address'])
      .executeTakeFirst()
    return row && { userId: row.user_id, derivationIndex: row.derivation_index, address: row.address }
  }

  /** Inserts unless the user already has an address (a concurrent first request won). */
  async insertAddressIfAbsent(address: DepositAddress, now: Date): Promise<void> {
    await this.db
      .insertInto('deposit_addresses')
      .values({
        user_id: address.userId,
        derivation_index: address.derivationIndex,
        address: address.address,
        created_at: now,
        requested_at: now,
      })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute()
  }

  async findAddress(userId: string): Promise<DepositAddress | undefined> {
    const row = await this.db
      .selectFrom('deposit_addresses')
      .select(['user_id', 'derivation_index', 'address'])
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return row && { userId: row.user_id, derivationIndex: row.derivation_index, address: row.address }
  }

  /** The address issued first, if any. */
  async firstAddress(): Promise<DepositAddress | undefined> {
    const row = await this.db
      .selectFrom('deposit_addresses')
      .select(['user_id', 'derivation_index', 'address'])
      .orderBy('derivation_index')
      .limit(1)
      .executeTakeFirst()
    return row && { userId: row.user_id, derivationIndex: row.derivation_index, address: row.address }
  }

  /** Addresses requested since `since`, or whose user had a deposit since then. */
  async addressesActiveSince(since: Date): Promise<DepositAddress[]> {
    const rows = await this.db
      .selectFrom('deposit_addresses as a')
      .select(['a.user_id', 'a.derivation_index', 'a.address'])
      .where((eb) =>
        eb.or([
          eb('a.requested_at', '>=', since),
          eb.exists(
            eb
              .selectFrom('deposits as d')
              .select('d.txid')
              .whereRef('d.user_id', '=', 'a.user_id')
              .where('d.first_seen_at', '>=', since),
          ),
        ]),
      )
      .orderBy('a.derivation_index')
      .execute()
    return rows.map((r) => ({ userId: r.user_id, derivationIndex: r.derivation_index, address: r.address }))
  }

  // ---- Deposits ----

  async findDeposit(txid: string, vout: number): Promise<Deposit | undefined> {
    const row = await this.db
      .selectFrom('deposits')
      .selectAll()
      .where('txid', '=', txid)
      .where('vout', '=', vout)
      .executeTakeFirst()
    return row && toDeposit(row)
  }

  /** The states of the recorded outputs of these transactions, keyed `<txid>:<vout>`. */
  async statesOfOutputs(txids: readonly string[]): Promise<Map<string, DepositState>> {
    if (txids.length === 0) return new Map()
    const rows = await this.db
      .selectFrom('deposits')
      .select(['txid', 'vout', 'state'])
      .where('txid', 'in', [...new Set(txids)])
      .execute()
    return new Map(rows.map((r) => [`${r.txid}:${r.vout}`, r.state]))
  }

  /** Records outputs not seen before as 'seen'; returns how many were new. */
  async insertSeen(deposits: readonly NewDeposit[], now: Date): Promise<number> {
    if (deposits.length === 0) return 0
    const result = await this.db
      .insertInto('deposits')
      .values(
        deposits.map((d) => ({
          txid: d.txid,
          vout: d.vout,
          user_id: d.userId,
          address: d.address,
          satoshis: d.satoshis,
          block_height: d.blockHeight,
          first_seen_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['txid', 'vout']).doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0)
  }

  /** A dropped output that shows up again (its transaction was mined after all) is pending again. */
  async reviveDropped(txid: string, vout: number): Promise<boolean> {
    const result = await this.db
      .updateTable('deposits')
      .set({ state: 'seen' })
      .where('txid', '=', txid)
      .where('vout', '=', vout)
      .where('state', '=', 'dropped')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /** Deposits whose transaction may still move: pending ones, and credited ones not yet final. */
  async trackedDeposits(finalConfirmations: number): Promise<Deposit[]> {
    const rows = await this.db
      .selectFrom('deposits')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('state', '=', 'seen'),
          eb.and([eb('state', '=', 'credited'), eb('confirmations', '<', finalConfirmations)]),
        ]),
      )
      .orderBy('first_seen_at')
      .execute()
    return rows.map(toDeposit)
  }

  async depositsInState(state: DepositState): Promise<Deposit[]> {
    const rows = await this.db
      .selectFrom('deposits')
      .selectAll()
      .where('state', '=', state)
      .orderBy('first_seen_at')
      .execute()
    return rows.map(toDeposit)
  }

  async setBlockPosition(txid: string, position: BlockPosition): Promise<void> {
    await this.db
      .updateTable('deposits')
      .set({
        block_height: position.blockHeight,
        block_hash: position.blockHash,
        confirmations: position.confirmations,
      })
      .where('txid', '=', txid)
      .execute()
  }

  /** Moves a deposit from one state to the next; false when it was not in `from` (another scan won). */
  async changeState(
    txid: string,
    vout: number,
    from: readonly DepositState[],
    to: DepositState,
    now: Date,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('deposits')
      .set({
        state: to,
        ...(to === 'credited' ? { credited_at: now } : {}),
        ...(to === 'reversed' ? { reversed_at: now } : {}),
      })
      .where('txid', '=', txid)
      .where('vout', '=', vout)
      .where('state', 'in', from)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async recentForUser(userId: string, limit: number): Promise<Deposit[]> {
    const rows = await this.db
      .selectFrom('deposits')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('first_seen_at', 'desc')
      .orderBy('txid')
      .orderBy('vout')
      .limit(limit)
      .execute()
    return rows.map(toDeposit)
  }

  /** What the user has seen arrive and not yet been credited. */
  async pendingSatsOfUser(userId: string): Promise<number> {
    const result = await sql<{ total: string }>`
      select coalesce(sum(satoshis), 0)::text as total from deposits
      where user_id = ${userId} and state = 'seen'`.execute(this.db)
    return satsFromDb(result.rows[0]?.total, 'pending deposits')
  }

  // ---- Frozen users and alerts ----

  async freezeUser(userId: string, now: Date): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ frozen_at: now })
      .where('id', '=', userId)
      .where('frozen_at', 'is', null)
      .execute()
  }

  async frozenAt(userId: string): Promise<Date | null> {
    const row = await this.db
      .selectFrom('users')
      .select('frozen_at')
      .where('id', '=', userId)
      .executeTakeFirst()
    return row?.frozen_at ? new Date(row.frozen_at) : null
  }

  /** An alert for the admins; the id makes raising the same alert twice a no-op. */
  /** Lifts a freeze; true when the user was frozen. */
  async unfreezeUser(userId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ frozen_at: null })
      .where('id', '=', userId)
      .where('frozen_at', 'is not', null)
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async userExists(userId: string): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst()
    return row !== undefined
  }

  async openAlerts(limit: number): Promise<Alert[]> {
    const rows = await this.db
      .selectFrom('alerts')
      .selectAll()
      .where('resolved_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      id: r.id,
      code: r.code,
      userId: r.user_id,
      details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
      createdAt: new Date(r.created_at),
    }))
  }

  async resolveAlertsOfUser(userId: string, now: Date): Promise<number> {
    const result = await this.db
      .updateTable('alerts')
      .set({ resolved_at: now })
      .where('user_id', '=', userId)
      .where('resolved_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  async raiseAlert(alert: { id: string; code: string; userId: string | null; details: object }, now: Date) {
    await this.db
      .insertInto('alerts')
      .values({
        id: alert.id,
        code: alert.code,
        user_id: alert.userId,
        details: JSON.stringify(alert.details),
        created_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
  }
}
