import { type Kysely, sql } from 'kysely'

/**
 * Watch sessions (SPEC 6) and notifications.
 *
 * A watch session is the record of one viewer watching one meme: the ledger hold that pays for
 * it (`hold_id`), the seconds the client confirmed, the seconds charged, and why it ended. The
 * money itself lives in the ledger (holds, postings, splits); this table is what the viewer's
 * history and the media token check read. A session left `active` by a crashed process is ended
 * by the sweeper once its hold has expired; what it charged before the crash stays charged.
 *
 * Notifications are a user's inbox (reward won, meme earned), written once per cause
 * (`dedupe_key`), read by the web app and pushed on the user's WebSocket channel.
 *
 * `round_meme_viewers`: who paid for which meme in which round, for the distinct viewer counts.
 *
 * `transfers_by_ref`: the split log of a meme reads the legs of its view streams by stream id.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table watch_sessions (
      id text primary key,
      user_id text not null references users(id),
      meme_id text not null references memes(id),
      hold_id text not null references holds(id),
      state text not null default 'active',
      rate_sats integer not null,
      confirmed_seconds integer not null default 0,
      charged_seconds integer not null default 0,
      charged_sats bigint not null default 0,
      end_reason text,
      started_at timestamptz not null,
      ended_at timestamptz,
      constraint watch_sessions_state_known check (state in ('active', 'ended')),
      constraint watch_sessions_charged_within_confirmed check (charged_seconds <= confirmed_seconds)
    )`.execute(db)
  await sql`create index watch_sessions_by_user on watch_sessions (user_id, started_at desc)`.execute(db)
  await sql`create index watch_sessions_active on watch_sessions (started_at) where state = 'active'`.execute(
    db,
  )

  await sql`
    create table notifications (
      id bigserial primary key,
      user_id text not null references users(id),
      kind text not null,
      dedupe_key text not null unique,
      data jsonb not null,
      created_at timestamptz not null,
      read_at timestamptz
    )`.execute(db)
  await sql`create index notifications_by_user on notifications (user_id, id desc)`.execute(db)

  await sql`
    create table round_meme_viewers (
      round_height integer not null,
      meme_id text not null references memes(id),
      user_id text not null references users(id),
      primary key (round_height, meme_id, user_id)
    )`.execute(db)

  await sql`create index transfers_by_ref on transfers (ref)`.execute(db)
}
