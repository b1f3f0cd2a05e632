/** Queries on users: one query per method, no rules. */
import { type Kysely, type Selectable, sql } from 'kysely'
import type { Database, UserRole, UsersTable } from '../../adapters/db/schema.ts'

/** A users row as the rest of the code sees it. `role` is the stored role, before ADMINS. */
export interface StoredUser {
  id: string
  address: string | null
  identityKey: string | null
  role: UserRole
  createdAt: Date
}

export function toStoredUser(row: Selectable<UsersTable>): StoredUser {
  return {
    id: row.id,
    address: row.address,
    identityKey: row.identity_key,
    role: row.role,
    createdAt: row.created_at,
  }
}

function maybeStoredUser(row: Selectable<UsersTable> | undefined): StoredUser | undefined {
  return row === undefined ? undefined : toStoredUser(row)
}

export interface NewUser {
  id: string
  identityKey: string
  address: string | null
  createdAt: Date
  /**
   * 'admin-if-first': admin when the table is empty, decided inside the insert itself so that two
   * first sign-ins cannot both see an empty table.
   */
  role: UserRole | 'admin-if-first'
}

export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findById(id: string): Promise<StoredUser | undefined> {
    return maybeStoredUser(
      await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    )
  }

  async findByIdentityKey(identityKey: string): Promise<StoredUser | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('identity_key', '=', identityKey)
      .executeTakeFirst()
    return maybeStoredUser(row)
  }

  /** A user known so far by address only: a creator named at upload who has not signed in yet. */
  async findAddressOnly(address: string): Promise<StoredUser | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('address', '=', address)
      .where('identity_key', 'is', null)
      .executeTakeFirst()
    return maybeStoredUser(row)
  }

  async findByAddress(address: string): Promise<StoredUser | undefined> {
    return maybeStoredUser(
      await this.db.selectFrom('users').selectAll().where('address', '=', address).executeTakeFirst(),
    )
  }

  /** Records the identity key of a user known by address only; returns the row as it is after. */
  async setIdentityKeyIfUnset(id: string, identityKey: string): Promise<StoredUser | undefined> {
    const row = await this.db
      .updateTable('users')
      .set({ identity_key: identityKey })
      .where('id', '=', id)
      .where('identity_key', 'is', null)
      .returningAll()
      .executeTakeFirst()
    return maybeStoredUser(row)
  }

  /** A creator by address: inserted unless a user has that address; returns the row either way. */
  async insertAddressOnlyIfAbsent(id: string, address: string, createdAt: Date): Promise<StoredUser> {
    await this.db
      .insertInto('users')
      .values({ id, address, identity_key: null, role: 'viewer', created_at: createdAt })
      .onConflict((conflict) => conflict.column('address').doNothing())
      .execute()
    const user = await this.findByAddress(address)
    if (!user) throw new Error(`the user with address ${address} exists after insert-if-absent`)
    return user
  }

  /**
   * Inserts the user unless one with the same identity key exists; returns the new row, if any.
   * 'admin-if-first' means the first user who signs in: creators known only by an address (the
   * demo's, or those an admin uploaded for) have never signed in and do not count.
   */
  async insertIfAbsent(user: NewUser): Promise<StoredUser | undefined> {
    const role =
      user.role === 'admin-if-first'
        ? sql<UserRole>`case when exists (select 1 from users where identity_key is not null) then 'viewer' else 'admin' end`
        : user.role
    const row = await this.db
      .insertInto('users')
      .values({
        id: user.id,
        identity_key: user.identityKey,
        address: user.address,
        role,
        created_at: user.createdAt,
      })
      .onConflict((conflict) => conflict.column('identity_key').doNothing())
      .returningAll()
      .executeTakeFirst()
    return maybeStoredUser(row)
  }

  /** Records the address of a user that has none yet; returns the row as it is after. */
  async setAddressIfUnset(id: string, address: string): Promise<StoredUser | undefined> {
    const row = await this.db
      .updateTable('users')
      .set({ address })
      .where('id', '=', id)
      .where('address', 'is', null)
      .returningAll()
      .executeTakeFirst()
    return maybeStoredUser(row)
  }
}
