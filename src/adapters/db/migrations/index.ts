import type { Migration, MigrationProvider } from 'kysely'
import * as m0001 from './0001_ledger.ts'
import * as m0002 from './0002_chain.ts'
import * as m0003 from './0003_auth.ts'
import * as m0004 from './0004_wallet.ts'
import * as m0005 from './0005_anchors.ts'
import * as m0006 from './0006_withdrawals.ts'
import * as m0007 from './0007_content.ts'
import * as m0008 from './0008_rounds.ts'
import * as m0009 from './0009_watching.ts'
import * as m0010 from './0010_market.ts'
import * as m0011 from './0011_leader.ts'
import * as m0012 from './0012_meme_earnings_index.ts'

/** Migrations in order. Names sort by their number; a migration is never edited once released. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_ledger': m0001,
  '0002_chain': m0002,
  '0003_auth': m0003,
  '0004_wallet': m0004,
  '0005_anchors': m0005,
  '0006_withdrawals': m0006,
  '0007_content': m0007,
  '0008_rounds': m0008,
  '0009_watching': m0009,
  '0010_market': m0010,
  '0011_leader': m0011,
  '0012_meme_earnings_index': m0012,
}

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS
  },
}
