/** Queries on rounds and their engagement (migration 0008): one query per method, no rules. */
import { type Kysely, type Selectable, sql } from 'kysely'
import type { Database, RoundState, RoundsTable } from '../../adapters/db/schema.ts'
import type { Trx } from '../../ledger/ledger.ts'

export interface RoundRecordParams {
  feeBps: number
  directPct: number
  creatorPct: number
  topWeights: number[]
  topSharePct: number
  viewerSharePct: number
  fastViewers: number
  qualifySeconds: number
  memesPerRound: number
}

export interface Round {
  height: number
  blockHash: string
  state: RoundState
  params: RoundRecordParams
  openedAt: Date
  closedAt: Date | null
  settledAt: Date | null
  settlement: unknown
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value
}

function toRound(row: Selectable<RoundsTable>): Round {
  return {
    height: row.height,
    blockHash: row.block_hash,
    state: row.state,
    params: parseJson(row.params) as RoundRecordParams,
    openedAt: new Date(row.opened_at),
    closedAt: row.closed_at && new Date(row.closed_at),
    settledAt: row.settled_at && new Date(row.settled_at),
    settlement: row.settlement === null ? null : parseJson(row.settlement),
  }
}

export interface CompetitorRow {
  memeId: string
  creatorUserId: string
  ownerUserId: string
  paidSeconds: number
  reachedSeq: number
}

export class RoundsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async byHeight(height: number): Promise<Round | undefined> {
    const row = await this.db.selectFrom('rounds').selectAll().where('height', '=', height).executeTakeFirst()
    return row && toRound(row)
  }

  async open(): Promise<Round | undefined> {
    const row = await this.db
      .selectFrom('rounds')
      .selectAll()
      .where('state', '=', 'open')
      .orderBy('height', 'desc')
      .executeTakeFirst()
    return row && toRound(row)
  }

  /** Closed rounds waiting for settlement that closed by `closedBy`, oldest first. */
  async closedBy(closedBy: Date): Promise<Round[]> {
    const rows = await this.db
      .selectFrom('rounds')
      .selectAll()
      .where('state', '=', 'closed')
      .where('closed_at', '<=', closedBy)
      .orderBy('height')
      .execute()
    return rows.map(toRound)
  }

  /** The highest round there is, or -1. */
  async highest(trx: Trx): Promise<number> {
    const row = await trx
      .selectFrom('rounds')
      .select((eb) => eb.fn.max('height').as('height'))
      .executeTakeFirst()
    return row?.height ?? -1
  }

  /**
   * Rounds settled since `since` whose pool still holds sats (paid in while the settlement was
   * computed; such payments can only arrive before the settlement commits, so a recent window is
   * enough).
   */
  async settledWithPoolLeft(since: Date): Promise<number[]> {
    const rows = await sql<{ height: number }>`
      select r.height from rounds r
      join accounts a on a.id = 'pool:' || r.height
      where r.state = 'settled' and r.settled_at >= ${since} and a.balance_sats > 0
      order by r.height`.execute(this.db)
    return rows.rows.map((r) => r.height)
  }

  async correctHash(trx: Trx, height: number, blockHash: string): Promise<void> {
    await trx.updateTable('rounds').set({ block_hash: blockHash }).where('height', '=', height).execute()
  }

  async closeOpenBelow(trx: Trx, height: number, now: Date): Promise<number[]> {
    const rows = await trx
      .updateTable('rounds')
      .set({ state: 'closed', closed_at: now })
      .where('state', '=', 'open')
      .where('height', '<', height)
      .returning('height')
      .execute()
    return rows.map((r) => r.height)
  }

  /** Inserts the round unless it exists; true when this call made it. */
  async insert(trx: Trx, height: number, blockHash: string, params: RoundRecordParams, now: Date) {
    const rows = await trx
      .insertInto('rounds')
      .values({ height, block_hash: blockHash, params: JSON.stringify(params), opened_at: now })
      .onConflict((oc) => oc.column('height').doNothing())
      .returning('height')
      .execute()
    return rows.length === 1
  }

  /** Takes up to `limit` memes from the round queue (first approved, first taken) into round `height`. */
  async assignQueued(trx: Trx, height: number, limit: number, now: Date): Promise<string[]> {
    const queued = await sql<{ id: string }>`
      select id from memes where state = 'approved'
      order by approved_at, id limit ${limit} for update skip locked`.execute(trx)
    const ids = queued.rows.map((r) => r.id)
    if (ids.length === 0) return []
    await trx
      .updateTable('memes')
      .set({ state: 'assigned', assigned_round: height, updated_at: now })
      .where('id', 'in', ids)
      .execute()
    await trx
      .insertInto('round_memes')
      .values(ids.map((memeId, slot) => ({ round_height: height, meme_id: memeId, slot })))
      .execute()
    return ids
  }

  async memesOf(height: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('round_memes')
      .select('meme_id')
      .where('round_height', '=', height)
      .orderBy('slot')
      .execute()
    return rows.map((r) => r.meme_id)
  }

  /** The round's own memes with their paid seconds (0 when unwatched) and their people. */
  async competitors(height: number): Promise<CompetitorRow[]> {
    const rows = await this.db
      .selectFrom('round_memes as rm')
      .innerJoin('memes as m', 'm.id', 'rm.meme_id')
      .leftJoin('round_meme_stats as s', (join) =>
        join.onRef('s.round_height', '=', 'rm.round_height').onRef('s.meme_id', '=', 'rm.meme_id'),
      )
      .select(['rm.meme_id', 'm.creator_user_id', 'm.owner_user_id', 's.paid_seconds', 's.reached_seq'])
      .where('rm.round_height', '=', height)
      .execute()
    return rows.map((r) => ({
      memeId: r.meme_id,
      creatorUserId: r.creator_user_id,
      ownerUserId: r.owner_user_id,
      paidSeconds: Number(r.paid_seconds ?? 0),
      reachedSeq: Number(r.reached_seq ?? 0),
    }))
  }

  /** Viewers who reached the fast-viewer threshold, in the order they reached it. */
  async qualifiedViewers(height: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('round_viewers')
      .select('user_id')
      .where('round_height', '=', height)
      .where('qualified_seq', 'is not', null)
      .orderBy('qualified_seq')
      .limit(limit)
      .execute()
    return rows.map((r) => r.user_id)
  }

  /** Closed → settled; false when the round was not closed (another process settled it). */
  async markSettled(
    trx: Trx | Kysely<Database>,
    height: number,
    settlement: unknown,
    now: Date,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('rounds')
      .set({ state: 'settled', settled_at: now, settlement: JSON.stringify(settlement) })
      .where('height', '=', height)
      .where('state', '=', 'closed')
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }
}
