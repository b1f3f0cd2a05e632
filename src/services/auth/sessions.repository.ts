/** Queries on sessions: one query per method, no rules. Sessions are found by token hash only. */
import type { Kysely } from 'kysely'
import type { Database } from '../../adapters/db/schema.ts'
import type { StoredUser } from './users.repository.ts'

export interface SessionWithUser {
  expiresAt: Date
  revokedAt: Date | null
  lastSeenAt: Date
  user: StoredUser
}

export class SessionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: { tokenHash: string; userId: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: row.tokenHash,
        user_id: row.userId,
        created_at: row.createdAt,
        expires_at: row.expiresAt,
        last_seen_at: row.createdAt,
      })
      .execute()
  }

  async findWithUser(tokenHash: string): Promise<SessionWithUser | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.expires_at',
        'sessions.revoked_at',
        'sessions.last_seen_at',
        'users.id',
        'users.address',
        'users.identity_key',
        'users.role',
        'users.created_at',
      ])
      .where('sessions.token_hash', '=', tokenHash)
      .executeTakeFirst()
    if (row === undefined) return undefined
    return {
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      lastSeenAt: row.last_seen_at,
      user: {
        id: row.id,
        address: row.address,
        identityKey: row.identity_key,
        role: row.role,
        createdAt: row.created_at,
      },
    }
  }

  /** Revokes the session if it is not already; returns whether this call revoked it. */
  async revoke(tokenHash: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  async touch(tokenHash: string, at: Date): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: at })
      .where('token_hash', '=', tokenHash)
      .execute()
  }
}
