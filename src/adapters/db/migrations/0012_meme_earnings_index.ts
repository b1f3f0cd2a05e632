import { type Kysely, sql } from 'kysely'

/**
 * What a meme has earned its owners and creator is the sum of its view streams
 * (`view:<height>:<meme>:<owner>`, src/ledger/streams.ts). The market shows it on every card and
 * sorts by it; without an index each card scanned every stream ever opened, a cost growing with
 * every round. This indexes the streams by the meme their id names, for exactly the expression
 * the queries use (src/services/market/market-queries.ts MEME_EARNINGS).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index split_streams_view_meme on split_streams (split_part(id, ':', 3))
    where starts_with(id, 'view:')`.execute(db)
}
