import type { Migration, MigrationProvider } from 'kysely'
import * as m0001 from './0001_ledger.ts'
import * as m0002 from './0002_chain.ts'

/** Migrations in order. Names sort by their number; a migration is never edited once released. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_ledger': m0001,
  '0002_chain': m0002,
}

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS
  },
}
