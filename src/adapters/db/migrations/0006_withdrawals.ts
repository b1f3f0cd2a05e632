import { type Kysely, sql } from 'kysely'

/**
 * Withdrawals and the platform's own transactions (SPEC 3).
 *
 * `wallet_txs` holds every transaction the hot wallet signs: payout batches, sweeps of credited
 * deposits into the hot wallet (which also consolidate small outputs), and cancellations. A row
 * is written with its signed bytes before anything is broadcast, so a retry after a crash sends
 * the same bytes and nothing is paid twice. It moves built → broadcast → confirmed, or to failed
 * when the network refuses it, or to cancelled when a cancellation spending the same inputs
 * confirmed instead.
 *
 * `wallet_tx_inputs` reserves the outputs a transaction spends. The partial unique index makes
 * two live transactions spending one output impossible, whatever the process; a failed
 * transaction's reservations are released in the same database transaction that fails it.
 *
 * `withdrawals` moves requested → broadcast → confirmed, or to refunded. The amount includes the
 * network fee quoted to the user; `wallet_tx_id` names the payout that currently carries it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table wallet_txs (
      id text primary key,
      purpose text not null,
      state text not null default 'built',
      txid text not null,
      raw_tx text not null,
      input_sats bigint not null,
      fee_sats bigint not null,
      change_sats bigint not null,
      cancels_id text references wallet_txs(id),
      broadcast_attempts integer not null default 0,
      last_error text,
      block_height integer,
      block_hash text,
      created_at timestamptz not null,
      broadcast_at timestamptz,
      settled_at timestamptz,
      constraint wallet_txs_purpose_known check (purpose in ('payout', 'sweep', 'cancel')),
      constraint wallet_txs_state_known
        check (state in ('built', 'broadcast', 'confirmed', 'failed', 'cancelled')),
      constraint wallet_txs_amounts check (input_sats > 0 and fee_sats > 0 and change_sats >= 0),
      constraint wallet_txs_txid_hex check (txid ~ '^[0-9a-f]{64}$')
    )`.execute(db)
  // Not unique: a retry of a refused payout may sign the very same bytes again (signatures are
  // deterministic), and a refusal for a passing reason (a full mempool) deserves that retry.
  await sql`create index wallet_txs_by_txid on wallet_txs (txid)`.execute(db)
  await sql`create index wallet_txs_live on wallet_txs (created_at) where state in ('built', 'broadcast')`.execute(
    db,
  )

  await sql`
    create table wallet_tx_inputs (
      wallet_tx_id text not null references wallet_txs(id),
      txid text not null,
      vout integer not null,
      satoshis bigint not null,
      key_ref text not null,
      active boolean not null default true,
      primary key (wallet_tx_id, txid, vout),
      constraint wallet_tx_inputs_satoshis_positive check (satoshis > 0)
    )`.execute(db)
  await sql`create unique index wallet_tx_inputs_reserved on wallet_tx_inputs (txid, vout) where active`.execute(
    db,
  )

  await sql`
    create table withdrawals (
      id text primary key,
      user_id text not null references users(id),
      idempotency_key text not null,
      address text not null,
      amount_sats bigint not null,
      fee_sats bigint not null,
      state text not null default 'requested',
      wallet_tx_id text references wallet_txs(id),
      vout integer,
      attempts integer not null default 0,
      last_error text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      confirmed_at timestamptz,
      refunded_at timestamptz,
      unique (user_id, idempotency_key),
      constraint withdrawals_state_known
        check (state in ('requested', 'broadcast', 'confirmed', 'refunded')),
      constraint withdrawals_amounts check (fee_sats > 0 and amount_sats > fee_sats)
    )`.execute(db)
  await sql`create index withdrawals_by_user on withdrawals (user_id, created_at)`.execute(db)
  await sql`create index withdrawals_queued on withdrawals (created_at) where state = 'requested' and wallet_tx_id is null`.execute(
    db,
  )

  await sql`alter table deposits add column sweep_tx_id text references wallet_txs(id)`.execute(db)
}
