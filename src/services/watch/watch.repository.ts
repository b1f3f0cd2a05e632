/** Queries of watch sessions (migration 0009): one query per method, no rules. */
import { type Kysely, sql } from 'kysely'
import { bigintArray, textArray } from '../../adapters/db/arrays.ts'
import type { Database } from '../../adapters/db/schema.ts'
import type { Trx } from '../../ledger/ledger.ts'

export interface WatchableMeme {
  id: string
  title: string
  state: string
  creatorUserId: string
  ownerUserId: string
  assignedRound: number | null
}

export interface NewSession {
  id: string
  userId: string
  memeId: string
  holdId: string
  rateSats: number
  startedAt: Date
}

export interface SessionProgress {
  id: string
  confirmedSeconds: number
  chargedSeconds: number
  chargedSats: number
}

export class WatchRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async meme(id: string): Promise<WatchableMeme | undefined> {
    const row = await this.db
      .selectFrom('memes')
      .select(['id', 'title', 'state', 'creator_user_id', 'owner_user_id', 'assigned_round'])
      .where('id', '=', id)
      .executeTakeFirst()
    return (
      row && {
        id: row.id,
        title: row.title,
        state: row.state,
        creatorUserId: row.creator_user_id,
        ownerUserId: row.owner_user_id,
        assignedRound: row.assigned_round,
      }
    )
  }

  /** Who owns each meme now: the owner share of a flush goes to the owner at that flush. */
  async owners(memeIds: readonly string[]): Promise<Map<string, string>> {
    if (memeIds.length === 0) return new Map()
    const rows = (
      await sql<{ id: string; owner_user_id: string }>`
        select id, owner_user_id from memes where id = any(${textArray(memeIds)}::text[])`.execute(this.db)
    ).rows
    return new Map(rows.map((r) => [r.id, r.owner_user_id]))
  }

  /**
   * Whether each user is frozen and what their account can spend, in one query: what watch.start
   * needs to know of its viewers. A user without an account yet has nothing to spend; a user
   * not found is missing from the map.
   */
  async viewers(
    viewers: ReadonlyArray<{ userId: string; accountId: string }>,
  ): Promise<Map<string, { frozen: boolean; availableSats: number }>> {
    if (viewers.length === 0) return new Map()
    const rows = (
      await sql<{ id: string; frozen: boolean; available: string | number | null }>`
        select u.id, u.frozen_at is not null as frozen, a.balance_sats - a.held_sats as available
        from unnest(${textArray(viewers.map((v) => v.userId))}::text[], ${textArray(viewers.map((v) => v.accountId))}::text[])
             as v(user_id, account_id)
        join users u on u.id = v.user_id
        left join accounts a on a.id = v.account_id`.execute(this.db)
    ).rows
    return new Map(rows.map((r) => [r.id, { frozen: r.frozen, availableSats: Number(r.available ?? 0) }]))
  }

  /** New sessions, one statement; inside the transaction that creates their holds. */
  async insert(sessions: readonly NewSession[], executor: Trx | Kysely<Database> = this.db): Promise<void> {
    if (sessions.length === 0) return
    await executor
      .insertInto('watch_sessions')
      .values(
        sessions.map((session) => ({
          id: session.id,
          user_id: session.userId,
          meme_id: session.memeId,
          hold_id: session.holdId,
          rate_sats: session.rateSats,
          started_at: session.startedAt,
        })),
      )
      .execute()
  }

  /** Records what the sessions confirmed and were charged; runs inside the flush's transaction. */
  async recordProgress(trx: Trx, sessions: readonly SessionProgress[]): Promise<void> {
    if (sessions.length === 0) return
    await sql`
      update watch_sessions w
      set confirmed_seconds = d.confirmed, charged_seconds = d.charged, charged_sats = d.sats
      from unnest(${textArray(sessions.map((s) => s.id))}::text[], ${bigintArray(sessions.map((s) => s.confirmedSeconds))}::int[],
                  ${bigintArray(sessions.map((s) => s.chargedSeconds))}::int[], ${bigintArray(sessions.map((s) => s.chargedSats))}::bigint[])
           as d(id, confirmed, charged, sats)
      where w.id = d.id`.execute(trx)
  }

  /** Ends sessions still active with their final progress, one statement. */
  async end(
    sessions: ReadonlyArray<SessionProgress & { reason: string }>,
    now: Date,
    executor: Trx | Kysely<Database> = this.db,
  ): Promise<void> {
    if (sessions.length === 0) return
    await sql`
      update watch_sessions w
      set state = 'ended', end_reason = d.reason, ended_at = ${now},
          confirmed_seconds = d.confirmed, charged_seconds = d.charged, charged_sats = d.sats
      from unnest(${textArray(sessions.map((s) => s.id))}::text[], ${textArray(sessions.map((s) => s.reason))}::text[],
                  ${bigintArray(sessions.map((s) => s.confirmedSeconds))}::int[], ${bigintArray(sessions.map((s) => s.chargedSeconds))}::int[],
                  ${bigintArray(sessions.map((s) => s.chargedSats))}::bigint[])
           as d(id, reason, confirmed, charged, sats)
      where w.id = d.id and w.state = 'active'`.execute(executor)
  }

  /**
   * Sessions a stopped process left active, once their hold is no longer open (the ledger's
   * expiry settled what they had charged): ended as interrupted, with the charge the hold shows.
   */
  async endInterrupted(now: Date): Promise<number> {
    const result = await sql`
      update watch_sessions w
      set state = 'ended', end_reason = 'interrupted', ended_at = ${now},
          charged_sats = h.posted_sats, charged_seconds = h.posted_sats / w.rate_sats,
          confirmed_seconds = greatest(w.confirmed_seconds, h.posted_sats / w.rate_sats)
      from holds h
      where w.state = 'active' and h.id = w.hold_id and h.state <> 'open'`.execute(this.db)
    return Number(result.numAffectedRows ?? 0)
  }

  async isActive(sessionId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('watch_sessions')
      .select('state')
      .where('id', '=', sessionId)
      .executeTakeFirst()
    return row?.state === 'active'
  }

  /** Balance and spendable balance of user accounts, read in one query. */
  async balances(
    accountIds: readonly string[],
  ): Promise<Map<string, { balance: number; available: number }>> {
    if (accountIds.length === 0) return new Map()
    const rows = (
      await sql<{ id: string; balance_sats: number; held_sats: number }>`
        select id, balance_sats, held_sats from accounts where id = any(${textArray(accountIds)}::text[])`.execute(
        this.db,
      )
    ).rows
    return new Map(
      rows.map((r) => [
        r.id,
        { balance: Number(r.balance_sats), available: Number(r.balance_sats) - Number(r.held_sats) },
      ]),
    )
  }
}
