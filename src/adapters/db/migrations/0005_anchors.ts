import { type Kysely, sql } from 'kysely'

/**
 * Anchors (SPEC 3 "Anchoring"): one row per published Merkle root of a period's records. The row
 * is written before anything is broadcast and keeps the signed transaction, so a retry sends the
 * same bytes again instead of paying for a second anchor. Periods are blocks for now (rounds
 * later). The seq ranges of live anchors never overlap: a record is anchored once, unless its
 * anchor failed, in which case the next anchor takes it again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table anchors (
      id bigserial primary key,
      period_kind text not null,
      period_key bigint not null,
      first_seq bigint not null,
      last_seq bigint not null,
      record_count integer not null,
      root text not null,
      raw_tx text,
      txid text,
      state text not null default 'built',
      block_height integer,
      block_hash text,
      last_error text,
      created_at timestamptz not null default now(),
      broadcast_at timestamptz,
      confirmed_at timestamptz,
      constraint anchors_period_kind_known check (period_kind in ('block')),
      constraint anchors_state_known check (state in ('built', 'broadcast', 'confirmed', 'failed')),
      constraint anchors_seq_range check (first_seq > 0 and last_seq >= first_seq and record_count > 0),
      constraint anchors_root_hex check (root ~ '^[0-9a-f]{64}$'),
      constraint anchors_tx_together check ((raw_tx is null) = (txid is null))
    )`.execute(db)
  await sql`create unique index anchors_live_period on anchors (period_kind, period_key) where state <> 'failed'`.execute(
    db,
  )
  await sql`create unique index anchors_live_first_seq on anchors (first_seq) where state <> 'failed'`.execute(
    db,
  )
  await sql`create index anchors_by_last_seq on anchors (last_seq)`.execute(db)
  await sql`create index anchors_pending on anchors (state) where state in ('built', 'broadcast')`.execute(db)
}
