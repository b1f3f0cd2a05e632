import { type Kysely, sql } from 'kysely'

/**
 * The headers of the chain as block sync has seen it: one row per height on the best chain.
 * A reorganisation deletes the rows above the common ancestor and writes the new branch.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table blocks (
      height integer primary key,
      hash text not null unique,
      prev_hash text not null,
      merkle_root text not null,
      time_s bigint not null,
      tx_count integer not null,
      seen_at timestamptz not null default now(),
      constraint blocks_height_not_negative check (height >= 0)
    )`.execute(db)
}
