/**
 * Composition root: the one place that picks implementations and starts things. Configuration
 * is read once, the database opened and migrated, and then, by role (MEMEPOOL_ROLE):
 *   all, api  serve HTTP (API, probes, metrics, the web app);
 *   worker    open the database and wait. Queue workers and leader duties (block sync, round
 *             settlement, payouts, anchoring) will start here; for now a worker only proves that
 *             it can reach the database and stops cleanly.
 * SIGINT/SIGTERM stop it gracefully: in-flight requests finish, then the database closes.
 */
import type { Db } from './adapters/db/database.ts'
import { migrateToLatest } from './adapters/db/database.ts'
import {
  describeDatabase,
  loadConfigOrExit,
  openConfiguredDatabase,
  readPackageVersion,
} from './bootstrap.ts'
import type { Config } from './config.ts'
import { type App, buildApp } from './http/app.ts'
import { type AppLogger, createLogger } from './logger.ts'

/** After this long a stuck shutdown gives up and exits with an error. */
const SHUTDOWN_TIMEOUT_MS = 10_000
/** A worker has no server socket to keep the process alive; this timer does, until shutdown. */
const WORKER_KEEP_ALIVE_INTERVAL_MS = 60_000

interface Running {
  db: Db
  app?: App
  keepAlive?: NodeJS.Timeout
}

async function start(config: Config, logger: AppLogger): Promise<Running> {
  const version = readPackageVersion()
  logger.info({ version, role: config.role, env: config.env, chain: config.chain }, 'starting memepool')

  const db = await openConfiguredDatabase(config)
  const applied = await migrateToLatest(db)
  logger.info({ database: describeDatabase(config), migrationsApplied: applied }, 'database ready')

  if (config.role === 'worker') {
    logger.info('worker role: database open, no HTTP; waiting for a signal')
    return { db, keepAlive: setInterval(() => {}, WORKER_KEEP_ALIVE_INTERVAL_MS) }
  }
  const app = await buildApp({ config, db, version, logger })
  const address = await app.listen({ host: config.host, port: config.port })
  logger.info({ address, publicUrl: config.publicUrl }, `memepool listening on ${address}`)
  return { db, app }
}

function stopOnSignals(running: Running, logger: AppLogger): void {
  let stopping = false
  const stop = async (signal: NodeJS.Signals) => {
    // Ctrl-C reaches both `npm start`'s wrapper and this process, so a repeat is expected;
    // the timeout below, not a second signal, is what cuts a stuck shutdown short.
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting')
      process.exit(1)
    }, SHUTDOWN_TIMEOUT_MS).unref()
    try {
      await running.app?.close()
      clearInterval(running.keepAlive)
      await running.db.close()
      logger.info('stopped')
      process.exit(0)
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

function exitOnCrash(logger: AppLogger): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception')
    process.exit(1)
  })
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection')
    process.exit(1)
  })
}

const config = loadConfigOrExit()
const logger = createLogger(config.logLevel)
exitOnCrash(logger)
try {
  stopOnSignals(await start(config, logger), logger)
} catch (error) {
  logger.fatal({ err: error }, 'failed to start')
  process.exit(1)
}
