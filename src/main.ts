/**
 * Composition root: the one place that picks implementations and starts things. Configuration
 * is read once, the database opened and migrated, and then, by role (MEMEPOOL_ROLE):
 *   all, api  serve HTTP (API, probes, metrics, the web app);
 *   worker    no HTTP: block sync and (as they are built) queue workers and leader duties.
 * Leader duties (block sync, deposits, payouts, anchoring, the round engine's blocks, settlement
 * and hold sweeper) run on the one node that holds the leader lease (src/services/leader), started
 * on election and stopped on demotion; embedded (PGlite) the single process always leads. Every
 * node serves the API, watch sessions and queue workers; non-leaders learn of blocks and rounds
 * through the bus and the database.
 * SIGINT/SIGTERM stop it gracefully: in-flight requests finish, then the database closes.
 */
import { Registry } from 'prom-client'
import { devnetControlRoutes } from './adapters/chain/devnet/control-routes.ts'
import { DEVNET_WOC_PREFIX, devnetWocRoutes } from './adapters/chain/devnet/http.ts'
import type { Db } from './adapters/db/database.ts'
import { migrateToLatest, openDatabase } from './adapters/db/database.ts'
import { openSharedState, type SharedState } from './adapters/redis/shared-state.ts'
import { startAnchoring } from './anchoring.ts'
import {
  describeDatabase,
  loadConfigOrExit,
  openConfiguredDatabase,
  readPackageVersion,
} from './bootstrap.ts'
import { type Chain, openChain } from './chain.ts'
import type { Config } from './config.ts'
import { startContent } from './content.ts'
import { seedDemo } from './demo.ts'
import { type App, buildApp } from './http/app.ts'
import type { ReadinessCheck } from './http/readiness.ts'
import { adminWalletRoutes } from './http/routes/admin-wallet.ts'
import { chainReadiness, chainRoutes } from './http/routes/chain.ts'
import { marketRoutes } from './http/routes/market.ts'
import { walletRoutes } from './http/routes/wallet.ts'
import { withdrawalRoutes } from './http/routes/withdrawals.ts'
import { Ledger } from './ledger/ledger.ts'
import { type AppLogger, createLogger } from './logger.ts'
import { type Rounds, startRounds } from './rounds.ts'
import { announceBalance } from './services/balance-events.ts'
import { BlockSync } from './services/chain-sync.ts'
import { LeaderElector } from './services/leader/leader.ts'
import { MarketRepository } from './services/market/market.repository.ts'
import { MarketService } from './services/market/market.service.ts'
import { MarketQueries } from './services/market/market-queries.ts'
import { DepositsRepository } from './services/wallet/deposits.repository.ts'
import { DepositWatcher } from './services/wallet/deposits.ts'
import { WalletKeys } from './services/wallet/keys.ts'
import { PayoutService } from './services/wallet/payouts.ts'
import { WalletService } from './services/wallet/wallet.service.ts'
import { WithdrawalsRepository } from './services/wallet/withdrawals.repository.ts'
import { WithdrawalService } from './services/wallet/withdrawals.ts'

/** After this long a stuck shutdown gives up and exits with an error. */
const SHUTDOWN_TIMEOUT_MS = 10_000
/** A worker has no server socket to keep the process alive; this timer does, until shutdown. */
const WORKER_KEEP_ALIVE_INTERVAL_MS = 60_000

interface Running {
  db: Db
  /** The leader elector's own connections (PostgreSQL), so a busy pool never delays a renewal. */
  leaderDb: Db
  chain: Chain
  leader: LeaderElector
  stopContent: () => Promise<void>
  stopDemo: () => Promise<void>
  /** The bus, rate limits and cache: in process, or Redis connections to close (REDIS_URL). */
  shared: SharedState
  rounds: Rounds
  app?: App
  keepAlive?: NodeJS.Timeout
}

async function start(config: Config, logger: AppLogger): Promise<Running> {
  const version = readPackageVersion()
  logger.info({ version, role: config.role, env: config.env, chain: config.chain }, 'starting memepool')

  const db = await openConfiguredDatabase(config)
  const applied = await migrateToLatest(db)
  logger.info({ database: describeDatabase(config), migrationsApplied: applied }, 'database ready')
  const ledger = new Ledger(db.kysely)
  await ledger.init()

  const registry = new Registry()
  const leaderDb = config.databaseUrl ? await openDatabase({ url: config.databaseUrl, poolSize: 2 }) : db
  const leader = new LeaderElector({
    db: leaderDb.kysely,
    ...config.leader,
    logger: logger.child({ component: 'leader' }),
    registry,
  })
  const shared = openSharedState({
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    logger,
    registry,
  })
  const bus = shared.bus
  const chain = await openChain(config, logger)
  const syncLog = logger.child({ component: 'block-sync' })
  const sync = new BlockSync({
    source: chain.source,
    db: db.kysely,
    bus,
    registry,
    fence: leader,
    onError: (error) => syncLog.warn({ err: error }, 'block sync failed; retrying with backoff'),
  })
  bus.subscribe('chain.block', (h) => syncLog.info({ height: h.height, hash: h.hash }, 'block'))
  bus.subscribe('chain.reorg', (r) =>
    syncLog.warn(
      { ancestorHeight: r.ancestorHeight, removed: r.removed.length, added: r.added.length },
      'reorganisation',
    ),
  )
  const keys = await WalletKeys.open({
    masterKey: config.wallet.masterKey,
    embedded: config.databaseUrl === undefined,
    dataDir: config.dataDir,
    chain: config.chain,
  })
  const depositsRepository = new DepositsRepository(db.kysely)
  const wallet = new WalletService({
    keys,
    repository: depositsRepository,
    ledger,
    confirmations: config.money.depositConfirmations,
  })
  // Refuses to start with a key other than the one that issued the stored deposit addresses.
  await wallet.checkKeyMatchesIssuedAddresses()
  const deposits = new DepositWatcher({
    source: chain.source,
    repository: depositsRepository,
    ledger,
    confirmations: config.money.depositConfirmations,
    logger: logger.child({ component: 'deposits' }),
    // The header's balance moves as soon as a deposit is credited, on whichever node the user is.
    onBalanceChanged: (userId) => {
      announceBalance(ledger, bus, userId).catch((error) =>
        logger.warn({ err: error, userId }, 'announcing a deposit balance failed'),
      )
    },
  })
  await deposits.init()
  const withdrawalsRepository = new WithdrawalsRepository(db.kysely)
  const withdrawals = new WithdrawalService({
    repository: withdrawalsRepository,
    deposits: depositsRepository,
    ledger,
    network: config.chain,
    minimumSats: config.money.withdrawMinSats,
    feeRateSatsPerKb: config.wallet.networkFeeRateSatsPerKb,
  })
  await withdrawals.init()
  const payouts = new PayoutService({
    repository: withdrawalsRepository,
    ledger,
    chain: chain.source,
    keys,
    feeRateSatsPerKb: config.wallet.networkFeeRateSatsPerKb,
    sweepConfirmations: config.money.depositConfirmations,
    logger: logger.child({ component: 'payouts' }),
    fence: leader,
  })
  await payouts.init()

  const anchorRoutes = await startAnchoring({
    chain,
    db,
    bus,
    keys,
    feeRateSatsPerKb: config.wallet.networkFeeRateSatsPerKb,
    logger,
    leader,
  })
  const content = await startContent({ config, db, bus, keys, logger })
  const marketMoney = {
    feeBps: config.money.platformFeeBps,
    minimumPriceSats: config.money.marketMinPriceSats,
  }
  const marketQueries = new MarketQueries(db.kysely, marketMoney)
  const market = new MarketService({
    ...marketMoney,
    repository: new MarketRepository(db.kysely),
    views: marketQueries,
    ledger,
    logger: logger.child({ component: 'market' }),
    onBalance: (userId, balance) =>
      bus.publish('user.event', { userId, event: { kind: 'balance', ...balance } }),
    onUpdate: (update) => bus.publish('market.updated', update),
  })
  // Releases the holds of offers that a crash left closed.
  await market.init()
  // The demo lists some of its memes through the market, so the market starts before it.
  const demo = await seedDemo({ config, db, bus, content, market, logger })
  const rounds = await startRounds({ config, db, bus, ledger, content, logger, registry, leader })
  shared.cacheCurrentRound(rounds.queries)
  chain.start()
  leader.duty('block-sync', () => {
    sync.start()
    return () => sync.stop()
  })
  // Deposits are credited idempotently, but scanning every address is the chain source's heaviest
  // load: one node does it.
  leader.duty('deposits', () => deposits.start(bus, config.wallet.depositScanIntervalSeconds))
  leader.duty('payouts', () => payouts.start(bus, config.wallet.depositScanIntervalSeconds))
  // A process that may not lead still fences nothing and starts no duty: it serves only.
  if (config.leader.eligible) await leader.start()
  else logger.info('not eligible to lead (LEADER_ELIGIBLE=off): leader duties run elsewhere')

  if (config.role === 'worker') {
    logger.info('worker role: no HTTP; running block sync until a signal')
    return {
      db,
      leaderDb,
      chain,
      leader,
      stopContent: content.stop,
      stopDemo: demo.stop,
      shared,
      rounds,
      keepAlive: setInterval(() => {}, WORKER_KEEP_ALIVE_INTERVAL_MS),
    }
  }
  const app = await buildApp({
    config,
    db,
    version,
    logger,
    metricsRegistry: registry,
    rateLimitStore: shared.rateLimitStore,
    trustProxy: config.trustProxy ?? false,
    // Only the leader syncs blocks, so only its chain check means anything.
    readiness: [leaderOnly(leader, chainReadiness(sync))],
    apiRoutes: [
      chainRoutes({ network: config.chain, sync }),
      devnetControlRoutes(chain.devnet),
      walletRoutes({ wallet }),
      withdrawalRoutes({
        withdrawals,
        ledger,
        minimumSats: config.money.withdrawMinSats,
        feeRateSatsPerKb: config.wallet.networkFeeRateSatsPerKb,
      }),
      adminWalletRoutes({ deposits: depositsRepository, payouts }),
      content.routes,
      rounds.routes,
      marketRoutes({ market, queries: marketQueries, ...marketMoney }),
      ...anchorRoutes,
    ],
  })
  for (const check of shared.readiness) app.readiness.register(check)
  // The devnet also answers WhatsOnChain's REST API, outside /api/v1, so that any WoC client
  // (ours included) can be pointed at it.
  if (chain.devnet) await app.register(devnetWocRoutes(chain.devnet), { prefix: DEVNET_WOC_PREFIX })
  rounds.attach(app.server, app.sessions)
  const address = await app.listen({ host: config.host, port: config.port })
  logger.info({ address, publicUrl: config.publicUrl }, `memepool listening on ${address}`)
  return {
    db,
    leaderDb,
    chain,
    leader,
    stopContent: content.stop,
    stopDemo: demo.stop,
    shared,
    rounds,
    app,
  }
}

/** A readiness check that only the leader runs; other nodes do not do that work. */
function leaderOnly(leader: LeaderElector, check: ReadinessCheck): ReadinessCheck {
  return { ...check, check: async () => (leader.isLeader ? check.check() : undefined) }
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
      // Watch sessions are charged and ended, and WebSockets closed, before the server stops.
      await running.rounds.stop()
      await running.app?.close()
      clearInterval(running.keepAlive)
      // Stops the leader duties and gives the lease up, so another node takes over at once.
      await running.leader.stop()
      await running.stopDemo()
      await running.stopContent()
      await running.chain.close()
      await running.shared.close()
      if (running.leaderDb !== running.db) await running.leaderDb.close()
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
