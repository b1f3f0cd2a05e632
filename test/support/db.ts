/**
 * A fresh, migrated database for one test file. PGlite in memory by default; with
 * DATABASE_URL set, a new schema on that PostgreSQL server so that test files never see each
 * other's rows, dropped again at close.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { type Db, migrateToLatest, openDatabase } from '../../src/adapters/db/database.ts'

export const TEST_DATABASE_URL = process.env.DATABASE_URL || undefined

export interface TestDb extends Db {
  /** The PostgreSQL server (undefined on PGlite); open more pools on it with `schema` for parallel writers. */
  url: string | undefined
}

export async function openTestDb(options: { poolSize?: number } = {}): Promise<TestDb> {
  if (!TEST_DATABASE_URL) {
    const db = await openDatabase({})
    await migrateToLatest(db)
    return { ...db, url: undefined }
  }
  const schema = `t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  await admin.end()
  const db = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: options.poolSize ?? 10 })
  await migrateToLatest(db)
  return {
    ...db,
    url: TEST_DATABASE_URL,
    close: async () => {
      await db.close()
      const cleanup = new pg.Client({ connectionString: TEST_DATABASE_URL })
      await cleanup.connect()
      await cleanup.query(`drop schema ${schema} cascade`)
      await cleanup.end()
    },
  }
}
