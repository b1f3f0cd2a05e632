import { type Kysely, sql } from 'kysely'

/**
 * Wallet login (SPEC 7). A user is the holder of one secp256k1 key: `identity_key` is that key
 * and `address` its P2PKH address once the user has signed in with a Bitcoin Signed Message (see
 * services/auth). Challenges serve one login attempt each (`used_at`). A session is stored only
 * as the SHA-256 of its token, so a copy of this table does not let anyone sign in.
 *
 * Every time column is written from the application's clock, not the database's, so the rules
 * that compare them (expiry, revocation) and the tests that move the clock agree.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id text primary key,
      address text unique,
      identity_key text unique,
      role text not null default 'viewer',
      created_at timestamptz not null,
      constraint users_role_known check (role in ('viewer', 'admin')),
      constraint users_identified check (address is not null or identity_key is not null),
      constraint users_identity_key_compressed_hex check (identity_key ~ '^0[23][0-9a-f]{64}$')
    )`.execute(db)

  await sql`
    create table auth_challenges (
      id text primary key,
      message text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null
    )`.execute(db)
  // Old challenges are purged by expiry as new ones are issued.
  await sql`create index auth_challenges_by_expiry on auth_challenges (expires_at)`.execute(db)

  await sql`
    create table sessions (
      token_hash text primary key,
      user_id text not null references users(id),
      created_at timestamptz not null,
      expires_at timestamptz not null,
      revoked_at timestamptz,
      last_seen_at timestamptz not null,
      constraint sessions_token_hash_is_sha256_hex check (token_hash ~ '^[0-9a-f]{64}$'),
      constraint sessions_expire_after_creation check (expires_at > created_at)
    )`.execute(db)
  await sql`create index sessions_by_user on sessions (user_id)`.execute(db)
}
