/**
 * Engagement counters (issue 6, SPEC 2 "Round end"), written in the same transaction as the view
 * charges that cause them (Ledger.postViewSeconds' alsoWrite), so a charge and its counters are
 * recorded together or not at all, and a retried flush that charges nothing counts nothing.
 *
 *   round_meme_stats    paid seconds and revenue of a meme in the round it competes in; every
 *                       increase takes a new `reached_seq`, so among equal totals the meme that
 *                       reached its total first has the lower number (the tie-break).
 *   round_viewers       paid seconds of a viewer in the round in progress, over all memes; the
 *                       moment a viewer reaches the qualifying seconds takes a `qualified_seq`,
 *                       which orders the fast viewers.
 *   round_meme_viewers  who paid for which meme in the round, for distinct viewer counts.
 *
 * Seconds paid for a meme from an earlier round count for the viewer in the round in progress
 * (they fed its pool) but not for the meme, which competed in its own round only.
 */
import { sql } from 'kysely'
import { bigintArray, textArray } from '../../adapters/db/arrays.ts'
import type { Trx } from '../../ledger/ledger.ts'

export interface EngagementRow {
  /** The round in progress, whose pool the charge fed. */
  roundHeight: number
  memeId: string
  /** The round the meme competes in; its stats count only when it equals roundHeight. */
  memeRound: number | null
  userId: string
  seconds: number
  sats: number
}

export async function recordEngagement(
  trx: Trx,
  rows: readonly EngagementRow[],
  qualifySeconds: number,
): Promise<void> {
  if (rows.length === 0) return
  const memes = sumBy(
    rows.filter((r) => r.memeRound === r.roundHeight),
    (r) => `${r.roundHeight}\u0000${r.memeId}`,
  )
  if (memes.length > 0) {
    // Sorted keys: concurrent flushes lock the rows in one order and cannot deadlock.
    await sql`
      insert into round_meme_stats (round_height, meme_id, paid_seconds, revenue_sats, reached_seq)
      select h, m, s, v, nextval('engagement_seq')
      from unnest(${bigintArray(memes.map((g) => g.first.roundHeight))}::int[], ${textArray(memes.map((g) => g.first.memeId))}::text[],
                  ${bigintArray(memes.map((g) => g.seconds))}::bigint[], ${bigintArray(memes.map((g) => g.sats))}::bigint[]) as d(h, m, s, v)
      order by h, m
      on conflict (round_height, meme_id) do update
        set paid_seconds = round_meme_stats.paid_seconds + excluded.paid_seconds,
            revenue_sats = round_meme_stats.revenue_sats + excluded.revenue_sats,
            reached_seq = nextval('engagement_seq')`.execute(trx)
    const pairs = uniqueBy(
      rows.filter((r) => r.memeRound === r.roundHeight),
      (r) => `${r.roundHeight}\u0000${r.memeId}\u0000${r.userId}`,
    )
    await sql`
      insert into round_meme_viewers (round_height, meme_id, user_id)
      select h, m, u from unnest(${bigintArray(pairs.map((r) => r.roundHeight))}::int[], ${textArray(pairs.map((r) => r.memeId))}::text[],
                                 ${textArray(pairs.map((r) => r.userId))}::text[]) as d(h, m, u)
      order by h, m, u
      on conflict do nothing`.execute(trx)
  }
  const viewers = sumBy(rows, (r) => `${r.roundHeight}\u0000${r.userId}`)
  await sql`
    insert into round_viewers (round_height, user_id, paid_seconds, qualified_seq)
    select h, u, s, case when s >= ${qualifySeconds} then nextval('engagement_seq') end
    from unnest(${bigintArray(viewers.map((g) => g.first.roundHeight))}::int[], ${textArray(viewers.map((g) => g.first.userId))}::text[],
                ${bigintArray(viewers.map((g) => g.seconds))}::bigint[]) as d(h, u, s)
    order by h, u
    on conflict (round_height, user_id) do update
      set paid_seconds = round_viewers.paid_seconds + excluded.paid_seconds,
          qualified_seq = case
            when round_viewers.qualified_seq is not null then round_viewers.qualified_seq
            when round_viewers.paid_seconds + excluded.paid_seconds >= ${qualifySeconds} then nextval('engagement_seq')
          end`.execute(trx)
}

interface Group {
  first: EngagementRow
  seconds: number
  sats: number
}

function sumBy(rows: readonly EngagementRow[], key: (row: EngagementRow) => string): Group[] {
  const groups = new Map<string, Group>()
  for (const row of rows) {
    const k = key(row)
    const group = groups.get(k)
    if (group) {
      group.seconds += row.seconds
      group.sats += row.sats
    } else {
      groups.set(k, { first: row, seconds: row.seconds, sats: row.sats })
    }
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g)
}

function uniqueBy(rows: readonly EngagementRow[], key: (row: EngagementRow) => string): EngagementRow[] {
  const unique = new Map<string, EngagementRow>()
  for (const row of rows) unique.set(key(row), row)
  return [...unique.values()]
}
