/**
 * The anchors table and the ledger reads anchoring needs; one query or one short transaction per
 * method, no product rules (those are in anchoring.service.ts).
 */
import { type Kysely, type Selectable, sql } from 'kysely'
import type { AnchorState, AnchorsTable, Database } from '../../adapters/db/schema.ts'
import { assert, satsFromDb } from '../../domain/money.ts'
import type { TransferRecord } from '../../domain/record-tree.ts'

export type PeriodKind = 'block'

export interface Anchor {
  id: number
  periodKind: PeriodKind
  periodKey: number
  firstSeq: number
  lastSeq: number
  recordCount: number
  root: string
  rawTx: string | null
  txid: string | null
  state: AnchorState
  blockHeight: number | null
  blockHash: string | null
  lastError: string | null
  createdAt: Date
}

/** PostgreSQL's unique_violation: another worker recorded the same period first. */
const UNIQUE_VIOLATION = '23505'

function toAnchor(row: Selectable<AnchorsTable>): Anchor {
  return {
    id: satsFromDb(row.id, 'anchor id'),
    periodKind: row.period_kind,
    periodKey: satsFromDb(row.period_key, 'period key'),
    firstSeq: satsFromDb(row.first_seq, 'first seq'),
    lastSeq: satsFromDb(row.last_seq, 'last seq'),
    recordCount: row.record_count,
    root: row.root,
    rawTx: row.raw_tx,
    txid: row.txid,
    state: row.state,
    blockHeight: row.block_height,
    blockHash: row.block_hash,
    lastError: row.last_error,
    createdAt: row.created_at,
  }
}

interface TransferRow {
  id: string
  seq: number | string
  debit_account_id: string
  credit_account_id: string
  amount_sats: number | string
  code: string
  ref: string | null
}

function toRecord(row: TransferRow): TransferRecord {
  return {
    kind: 'transfer',
    seq: satsFromDb(row.seq, 'transfer seq'),
    id: row.id,
    debit: row.debit_account_id,
    credit: row.credit_account_id,
    amountSats: satsFromDb(row.amount_sats),
    code: row.code,
    ref: row.ref,
  }
}

const TRANSFER_COLUMNS = [
  'id',
  'seq',
  'debit_account_id',
  'credit_account_id',
  'amount_sats',
  'code',
  'ref',
] as const

export type CreateAnchorResult =
  | { status: 'created'; anchor: Anchor; records: TransferRecord[] }
  | { status: 'nothing_to_anchor' }
  | { status: 'conflict' }

export class AnchorsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async byId(id: number): Promise<Anchor | undefined> {
    const row = await this.db.selectFrom('anchors').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toAnchor(row)
  }

  /** The period's anchor that has not failed, if any. */
  async livePeriod(kind: PeriodKind, key: number): Promise<Anchor | undefined> {
    const row = await this.db
      .selectFrom('anchors')
      .selectAll()
      .where('period_kind', '=', kind)
      .where('period_key', '=', key)
      .where('state', '<>', 'failed')
      .executeTakeFirst()
    return row && toAnchor(row)
  }

  /** Anchors still on their way: not yet sent, or sent and not yet in a block; oldest first. */
  async pending(): Promise<Anchor[]> {
    const rows = await this.db
      .selectFrom('anchors')
      .selectAll()
      .where('state', 'in', ['built', 'broadcast'])
      .orderBy('id')
      .execute()
    return rows.map(toAnchor)
  }

  /** The live anchor whose range holds `seq`. */
  async covering(seq: number): Promise<Anchor | undefined> {
    const row = await this.db
      .selectFrom('anchors')
      .selectAll()
      .where('first_seq', '<=', seq)
      .where('last_seq', '>=', seq)
      .where('state', '<>', 'failed')
      .executeTakeFirst()
    return row && toAnchor(row)
  }

  async transfer(id: string): Promise<TransferRecord | undefined> {
    const row = await this.db
      .selectFrom('transfers')
      .select(TRANSFER_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toRecord(row)
  }

  /** The transfers of an anchor's range in seq order. */
  async records(anchor: Pick<Anchor, 'firstSeq' | 'lastSeq'>): Promise<TransferRecord[]> {
    const rows = await this.db
      .selectFrom('transfers')
      .select(TRANSFER_COLUMNS)
      .where('seq', '>=', anchor.firstSeq)
      .where('seq', '<=', anchor.lastSeq)
      .orderBy('seq')
      .execute()
    return rows.map(toRecord)
  }

  /**
   * Reads every transfer after the last live anchor and records a new anchor over them, in one
   * transaction. The SHARE lock on transfers waits for writers already inside a transaction to
   * commit and holds new ones back until this one ends: a bigserial is handed out at insert, not
   * at commit, so without it a transfer with a smaller seq could become visible after a larger
   * one was anchored and would then never be anchored. The lock lasts one indexed read.
   */
  async createForUnanchored(
    kind: PeriodKind,
    key: number,
    rootOf: (records: readonly TransferRecord[]) => Promise<string>,
  ): Promise<CreateAnchorResult> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        await sql`lock table transfers in share mode`.execute(trx)
        const last = await trx
          .selectFrom('anchors')
          .select((eb) => eb.fn.max('last_seq').as('last_seq'))
          .where('state', '<>', 'failed')
          .executeTakeFirst()
        const afterSeq = last?.last_seq == null ? 0 : satsFromDb(last.last_seq, 'last seq')
        const rows = await trx
          .selectFrom('transfers')
          .select(TRANSFER_COLUMNS)
          .where('seq', '>', afterSeq)
          .orderBy('seq')
          .execute()
        if (rows.length === 0) return { status: 'nothing_to_anchor' as const }
        const records = rows.map(toRecord)
        const inserted = await trx
          .insertInto('anchors')
          .values({
            period_kind: kind,
            period_key: key,
            first_seq: records[0]!.seq,
            last_seq: records[records.length - 1]!.seq,
            record_count: records.length,
            root: await rootOf(records),
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        return { status: 'created' as const, anchor: toAnchor(inserted), records }
      })
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return { status: 'conflict' }
      throw error
    }
  }

  /** Stores the signed transaction unless one is stored already; returns the anchor as it now is. */
  async setSignedTx(id: number, rawTx: string, txid: string): Promise<Anchor> {
    await this.db
      .updateTable('anchors')
      .set({ raw_tx: rawTx, txid })
      .where('id', '=', id)
      .where('raw_tx', 'is', null)
      .execute()
    const anchor = await this.byId(id)
    assert(anchor?.rawTx != null, `anchor ${id} has no transaction after storing one`)
    return anchor
  }

  async markBroadcast(id: number, at: Date): Promise<void> {
    await this.db
      .updateTable('anchors')
      .set({ state: 'broadcast', broadcast_at: at, last_error: null })
      .where('id', '=', id)
      .where('state', '=', 'built')
      .execute()
  }

  async markConfirmed(id: number, blockHeight: number, blockHash: string, at: Date): Promise<void> {
    await this.db
      .updateTable('anchors')
      .set({ state: 'confirmed', block_height: blockHeight, block_hash: blockHash, confirmed_at: at })
      .where('id', '=', id)
      .where('state', 'in', ['built', 'broadcast'])
      .execute()
  }

  async markFailed(id: number, error: string): Promise<void> {
    await this.db
      .updateTable('anchors')
      .set({ state: 'failed', last_error: error })
      .where('id', '=', id)
      .where('state', 'in', ['built', 'broadcast'])
      .execute()
  }

  async noteError(id: number, error: string): Promise<void> {
    await this.db.updateTable('anchors').set({ last_error: error }).where('id', '=', id).execute()
  }
}
