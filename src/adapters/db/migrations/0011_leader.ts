import { type Kysely, sql } from 'kysely'

/**
 * Leader election (ARCHITECTURE "Scale-out", src/services/leader/leader.ts).
 *
 * `leases`: one row per duty name ('leader'). `holder` is the node id that holds it until
 * `expires_at` (database time). `token` is the fencing token: it grows by one every time the
 * lease starts a new term (another holder, or the same holder after its lease lapsed), and
 * never goes back, so a write checked against the token its node was elected with is refused
 * once anyone else has been elected since.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table leases (
      name text primary key,
      holder text not null,
      token bigint not null,
      expires_at timestamptz not null,
      acquired_at timestamptz not null,
      constraint leases_token_positive check (token > 0)
    )`.execute(db)
}
