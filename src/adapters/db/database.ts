/**
 * Opens the database: PGlite in the data folder by default, PostgreSQL when a URL is given.
 * Both speak the same SQL through Kysely, so the schema, migrations and queries are shared.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite'
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { satsFromDb } from '../../domain/money.ts'
import { migrationProvider } from './migrations/index.ts'
import { PGliteDialect } from './pglite-dialect.ts'
import type { Database } from './schema.ts'

export type DatabaseKind = 'pglite' | 'postgres'

export interface Db {
  kind: DatabaseKind
  /** The PostgreSQL schema the tables live in, when not the default one. */
  schema: string | undefined
  kysely: Kysely<Database>
  /** A round trip to the database; throws when it is unreachable. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** PostgreSQL connection string. Without it, PGlite is used. */
  url?: string | undefined
  /** Folder for PGlite's files; undefined keeps the database in memory (tests). */
  pgliteDir?: string | undefined
  /** Connections in the PostgreSQL pool. */
  poolSize?: number
  /**
   * A PostgreSQL schema to work in (tests and benchmarks use one each). Queries find it through
   * the search_path; the migrator is told explicitly, since it looks for its own tables by name
   * across all schemas.
   */
  schema?: string
}

const INT8_OID = 20

function parseInt8(text: string): number {
  return satsFromDb(text, 'bigint column')
}

export async function openDatabase(options: DatabaseOptions): Promise<Db> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID
            ? parseInt8
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    })
    // An idle client that loses its server emits 'error'; without a listener that would crash
    // the process. The next query on the pool reports the outage instead.
    pool.on('error', () => {})
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    return {
      kind: 'postgres',
      schema: options.schema,
      kysely,
      ping: async () => {
        await sql`select 1`.execute(kysely)
      },
      close: () => kysely.destroy(),
    }
  }

  if (options.pgliteDir) mkdirSync(path.dirname(options.pgliteDir), { recursive: true })
  const client = await PGlite.create(options.pgliteDir ?? 'memory://', {
    parsers: { [pgliteTypes.INT8]: parseInt8 },
  })
  const kysely = new Kysely<Database>({ dialect: new PGliteDialect(client) })
  return {
    kind: 'pglite',
    schema: undefined,
    kysely,
    ping: async () => {
      await sql`select 1`.execute(kysely)
    },
    close: async () => {
      await kysely.destroy()
      await client.close()
    },
  }
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: migrationProvider,
    ...(db.schema ? { migrationTableSchema: db.schema } : {}),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
