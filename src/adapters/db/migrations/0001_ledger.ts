import { type Kysely, sql } from 'kysely'

/**
 * The double-entry ledger. Balances are kept on the account row for speed, and the database
 * itself refuses a balance that would go below what is held unless the account is one of the
 * platform's clearing accounts that may run negative (deposits, withdrawals, network fees).
 * An open hold's postings are kept on the hold row and settled to the account when it closes
 * (see ledger.ts), so billing writes one narrow row per viewer and flush.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table accounts (
      id text primary key,
      kind text not null,
      balance_sats bigint not null default 0,
      held_sats bigint not null default 0,
      allow_negative boolean not null default false,
      created_at timestamptz not null default now(),
      constraint accounts_held_not_negative check (held_sats >= 0),
      constraint accounts_balance_covers_holds check (allow_negative or balance_sats - held_sats >= 0)
    )`.execute(db)

  await sql`
    create table holds (
      id text primary key,
      account_id text not null references accounts(id),
      amount_sats bigint not null,
      posted_sats bigint not null default 0,
      last_seq bigint not null default 0,
      state text not null default 'open',
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      closed_at timestamptz,
      constraint holds_amount_positive check (amount_sats > 0),
      constraint holds_posted_within_amount check (posted_sats >= 0 and posted_sats <= amount_sats),
      constraint holds_state_known check (state in ('open', 'closed', 'voided', 'expired'))
    ) with (fillfactor = 50)`.execute(db)
  // Half-empty pages let the per-flush update of posted_sats stay on the same page (a HOT
  // update that touches no index), which is most of the cost of billing.
  await sql`create index holds_open_by_expiry on holds (expires_at) where state = 'open'`.execute(db)
  await sql`create index holds_open_by_account on holds (account_id) where state = 'open'`.execute(db)

  await sql`
    create table transfers (
      id text primary key,
      seq bigserial not null unique,
      debit_account_id text not null references accounts(id),
      credit_account_id text not null references accounts(id),
      amount_sats bigint not null,
      code text not null,
      hold_id text references holds(id),
      ref text,
      created_at timestamptz not null default now(),
      constraint transfers_amount_positive check (amount_sats > 0),
      constraint transfers_distinct_accounts check (debit_account_id <> credit_account_id)
    )`.execute(db)
  await sql`create index transfers_by_debit on transfers (debit_account_id, seq)`.execute(db)
  await sql`create index transfers_by_credit on transfers (credit_account_id, seq)`.execute(db)

  await sql`
    create table split_streams (
      id text primary key,
      fee_sats bigint not null default 0,
      creator_sats bigint not null default 0,
      owner_sats bigint not null default 0,
      pool_sats bigint not null default 0,
      constraint split_streams_parts_not_negative
        check (fee_sats >= 0 and creator_sats >= 0 and owner_sats >= 0 and pool_sats >= 0)
    )`.execute(db)
}
