/** Queries on sessions: one query per method, no rules. Sessions are found by token hash only. */
import { type Kysely, sql } from 'kysely'
import { textArray } from '../../adapters/db/arrays.ts'
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

  /** The sessions of these token hashes with their users, by hash; one query. */
  async findWithUsers(tokenHashes: readonly string[]): Promise<Map<string, SessionWithUser>> {
    if (tokenHashes.length === 0) return new Map()
    const rows = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.token_hash',
        'sessions.expires_at',
        'sessions.revoked_at',
        'sessions.last_seen_at',
        'users.id',
        'users.address',
        'users.identity_key',
        'users.role',
        'users.created_at',
      ])
      .where('sessions.token_hash', '=', sql<string>`any(${textArray([...new Set(tokenHashes)])}::text[])`)
      .execute()
    return new Map(
      rows.map((row) => [
        row.token_hash,
        {
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
        },
      ]),
    )
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

  async touch(tokenHashes: readonly string[], at: Date): Promise<void> {
    if (tokenHashes.length === 0) return
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: at })
      .where('token_hash', '=', sql<string>`any(${textArray([...new Set(tokenHashes)])}::text[])`)
      .execute()
  }
}
