/** Queries on auth_challenges: one query per method, no rules. */
import type { Kysely, Selectable } from 'kysely'
import type { AuthChallengesTable, Database } from '../../adapters/db/schema.ts'

export type ChallengeRow = Selectable<AuthChallengesTable>

export class ChallengesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: { id: string; message: string; expiresAt: Date; createdAt: Date }): Promise<void> {
    await this.db
      .insertInto('auth_challenges')
      .values({ id: row.id, message: row.message, expires_at: row.expiresAt, created_at: row.createdAt })
      .execute()
  }

  async findById(id: string): Promise<ChallengeRow | undefined> {
    return this.db.selectFrom('auth_challenges').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /**
   * Marks the challenge used at `at` if it is neither used nor expired then, and returns it; at
   * most one caller ever gets the row back (the update locks it, and a second one finds used_at set).
   */
  async claimUnexpired(id: string, at: Date): Promise<ChallengeRow | undefined> {
    return this.db
      .updateTable('auth_challenges')
      .set({ used_at: at })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .returningAll()
      .executeTakeFirst()
  }

  /** Deletes challenges that expired before `cutoff`; returns how many. */
  async deleteExpiredBefore(cutoff: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('auth_challenges')
      .where('expires_at', '<', cutoff)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
