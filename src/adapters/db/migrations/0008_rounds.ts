import { type Kysely, sql } from 'kysely'

/**
 * Rounds (SPEC 5): a round opens when block h is seen and closes when block h+1 is. It is keyed
 * by height; `block_hash` follows a reorganisation, money is never settled again. `params`
 * records the split and reward parameters in force. State moves open → closed → settled, and
 * `settled` is written in the same transaction as the settlement's ledger transfers, which is
 * what makes settlement happen exactly once whatever the number of processes.
 *
 * `round_memes` are the memes a round shows (at most MEMES_PER_ROUND, from the round queue).
 * Engagement per round: paid seconds and revenue per meme, with the order in which each meme
 * reached its total (`reached_seq`, from one sequence, for tie-breaks), and per viewer, with the
 * order in which each reached the fast-viewer threshold (`qualified_seq`).
 *
 * `memes.owner_user_id`: who earns the owner share; the creator until the meme is sold.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table memes add column owner_user_id text references users(id)`.execute(db)
  await sql`update memes set owner_user_id = creator_user_id`.execute(db)
  await sql`alter table memes alter column owner_user_id set not null`.execute(db)

  await sql`
    create table rounds (
      height integer primary key,
      block_hash text not null,
      state text not null default 'open',
      params jsonb not null,
      opened_at timestamptz not null,
      closed_at timestamptz,
      settled_at timestamptz,
      settlement jsonb,
      constraint rounds_state_known check (state in ('open', 'closed', 'settled')),
      constraint rounds_height_not_negative check (height >= 0)
    )`.execute(db)
  await sql`create index rounds_unsettled on rounds (height) where state <> 'settled'`.execute(db)

  await sql`
    create table round_memes (
      round_height integer not null references rounds(height),
      meme_id text not null references memes(id),
      slot integer not null,
      primary key (round_height, meme_id)
    )`.execute(db)

  await sql`create sequence engagement_seq`.execute(db)
  await sql`
    create table round_meme_stats (
      round_height integer not null,
      meme_id text not null references memes(id),
      paid_seconds bigint not null default 0,
      revenue_sats bigint not null default 0,
      reached_seq bigint not null,
      primary key (round_height, meme_id)
    )`.execute(db)
  await sql`
    create table round_viewers (
      round_height integer not null,
      user_id text not null references users(id),
      paid_seconds bigint not null default 0,
      qualified_seq bigint,
      primary key (round_height, user_id)
    )`.execute(db)
  await sql`create index round_viewers_qualified on round_viewers (round_height, qualified_seq)
            where qualified_seq is not null`.execute(db)
}
