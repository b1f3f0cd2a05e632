import { type Kysely, sql } from 'kysely'

/**
 * Deposits (SPEC 3). Each user gets one deposit address, derived from the platform's HD master
 * key at `derivation_index`; the sequence hands out indexes, so two first requests at once can
 * never derive the same address (an index lost to a race is simply skipped). `requested_at`
 * moves each time the user looks at the address: the watcher polls only addresses that may
 * receive, since a public chain API is slow and rate limited.
 *
 * A deposit is one output paying such an address, keyed by its outpoint, and moves through
 *   seen → credited → (reversed | reversal_pending → reversed), or seen → dropped,
 * as the watcher sees it confirm or vanish in a reorganisation. `frozen_at` on users records a
 * reversal the balance could not cover; an `alerts` row tells the admins about it.
 *
 * Time columns are written from the application's clock, like every other table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence deposit_derivation_index as integer minvalue 0 start with 0`.execute(db)

  await sql`
    create table deposit_addresses (
      user_id text primary key references users(id),
      derivation_index integer not null unique,
      address text not null unique,
      created_at timestamptz not null,
      requested_at timestamptz not null,
      constraint deposit_addresses_index_not_negative check (derivation_index >= 0)
    )`.execute(db)
  await sql`create index deposit_addresses_by_requested_at on deposit_addresses (requested_at)`.execute(db)

  await sql`
    create table deposits (
      txid text not null,
      vout integer not null,
      user_id text not null references users(id),
      address text not null,
      satoshis bigint not null,
      state text not null default 'seen',
      block_height integer,
      block_hash text,
      confirmations integer not null default 0,
      first_seen_at timestamptz not null,
      credited_at timestamptz,
      reversed_at timestamptz,
      primary key (txid, vout),
      constraint deposits_state_known
        check (state in ('seen', 'credited', 'dropped', 'reversal_pending', 'reversed')),
      constraint deposits_satoshis_positive check (satoshis > 0),
      constraint deposits_txid_hex check (txid ~ '^[0-9a-f]{64}$'),
      constraint deposits_vout_not_negative check (vout >= 0)
    )`.execute(db)
  await sql`create index deposits_by_user on deposits (user_id, first_seen_at)`.execute(db)
  await sql`create index deposits_by_state on deposits (state)`.execute(db)

  await sql`alter table users add column frozen_at timestamptz`.execute(db)

  await sql`
    create table alerts (
      id text primary key,
      code text not null,
      user_id text references users(id),
      details jsonb not null,
      created_at timestamptz not null,
      resolved_at timestamptz
    )`.execute(db)
  await sql`create index alerts_open on alerts (created_at) where resolved_at is null`.execute(db)
}
