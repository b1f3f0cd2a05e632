/**
 * Start-up steps shared by the server (main.ts) and the CLI: read the configuration (reporting
 * every problem and exiting), open the configured database, and read the package version.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { type Db, openDatabase } from './adapters/db/database.ts'
import { type Config, ConfigError, loadConfig } from './config.ts'

/** The configuration, or a list of what is wrong on stderr and exit. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}

/** PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR/db. */
export function openConfiguredDatabase(config: Config): Promise<Db> {
  if (config.databaseUrl) return openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize })
  return openDatabase({ pgliteDir: path.join(config.dataDir, 'db') })
}

/** Where the database is, for logs: never the connection string, which may hold a password. */
export function describeDatabase(config: Config): string {
  if (!config.databaseUrl) return `PGlite in ${path.join(config.dataDir, 'db')}`
  const url = new URL(config.databaseUrl)
  return `PostgreSQL at ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`
}

export function readPackageVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown
  }
  return typeof packageJson.version === 'string' ? packageJson.version : '0.0.0'
}
