/**
 * Starts rounds and viewing (SPEC 2, 5, 6, 8): the round engine on blocks with its settlement
 * timer, the hold sweeper, watch sessions and billing, notifications, the read API, and (in
 * roles that serve HTTP) the WebSocket gateway with its channels:
 *
 *   round          the round in progress (RoundView), at most once a second
 *   blocks         each new tip
 *   user:<id>      that user's balance, notifications and watch-session ends
 *   admin:content  each meme as admins see it, as it changes (src/services/content/admin-content-channel.ts)
 *   market         listings, offers and sales as they happen (src/services/market/market-channel.ts)
 *
 * Everything a channel carries crosses the bus first (round.updated, user.event, chain.block,
 * content.meme), so a fleet's nodes can each feed their own clients (ARCHITECTURE "Scale-out").
 *
 * Given a leader elector, the engine's duties (rounds on blocks, the settlement timer, the hold
 * sweeper) run only while this node leads, and the engine's writes are fenced by its token;
 * watch sessions, billing and the gateway run on every node. Without one they run at once.
 */
import type { Server } from 'node:http'
import type { Registry } from 'prom-client'
import { userChannel, WS_CHANNELS } from '../contracts/ws.ts'
import type { Bus } from './adapters/bus/bus.ts'
import type { BlockHeader } from './adapters/chain/source.ts'
import type { Db } from './adapters/db/database.ts'
import type { Config } from './config.ts'
import type { Content } from './content.ts'
import type { ApiRoutes } from './http/app.ts'
import { mediaUrl } from './http/routes/content.ts'
import { roundsRoutes } from './http/routes/rounds.ts'
import { allowEveryone, allowOwner, attachGateway, type Gateway } from './http/ws/gateway.ts'
import { registerWatchHandlers } from './http/ws/watch-handlers.ts'
import { userAccountId } from './ledger/accounts.ts'
import type { Ledger } from './ledger/ledger.ts'
import type { AppLogger } from './logger.ts'
import type { AuthService } from './services/auth/auth.service.ts'
import { announceBalance } from './services/balance-events.ts'
import { attachAdminContentChannel } from './services/content/admin-content-channel.ts'
import type { LeaderElector } from './services/leader/leader.ts'
import { attachMarketChannel } from './services/market/market-channel.ts'
import { NotificationsRepository, NotificationsService } from './services/rounds/notifications.ts'
import { RoundEngine, roundParamsFrom } from './services/rounds/round-engine.ts'
import { RoundQueries } from './services/rounds/round-queries.ts'
import { RoundsRepository } from './services/rounds/rounds.repository.ts'
import { WatchRepository } from './services/watch/watch.repository.ts'
import { WatchService } from './services/watch/watch.service.ts'

/** How long a signed animation link stays valid: long enough to load it, short enough not to share. */
const MEDIA_LINK_TTL_S = 300
const SETTLE_CHECK_INTERVAL_MS = 1_000
const SWEEP_INTERVAL_MS = 10_000
const ROUND_PUBLISH_INTERVAL_MS = 1_000

export interface Rounds {
  routes: ApiRoutes
  engine: RoundEngine
  queries: RoundQueries
  watch: WatchService
  /** Attaches the WebSocket gateway to the HTTP server (roles that serve HTTP). */
  attach(server: Server, sessions: AuthService): Gateway
  /** Ends watch sessions (charging them), closes the gateway, stops the timers. */
  stop(): Promise<void>
}

export async function startRounds(deps: {
  config: Config
  db: Db
  bus: Bus
  ledger: Ledger
  content: Content
  logger: AppLogger
  registry?: Registry
  /** Runs the engine's duties while this node leads (a fleet); without it they run at once. */
  leader?: LeaderElector
}): Promise<Rounds> {
  const { config, db, bus, ledger, content } = deps
  const log = deps.logger.child({ component: 'rounds' })
  const rounds = new RoundsRepository(db.kysely)
  const queries = new RoundQueries(db.kysely)
  const notificationsRepository = new NotificationsRepository(db.kysely)
  const notifications = new NotificationsService({ notifications: notificationsRepository, rounds: queries })
  const watchRepository = new WatchRepository(db.kysely)

  const engine = new RoundEngine({
    db: db.kysely,
    ledger,
    rounds,
    params: roundParamsFrom({ ...config.money, memesPerRound: config.content.memesPerRound }),
    logger: log,
    ...(deps.leader ? { fence: deps.leader } : {}),
    onSettled: (round) => {
      bus.publish('round.updated', { height: round.height })
      notifications
        .recordRoundSettled(round.height)
        .then(async (written) => {
          for (const { userId, notification } of written)
            bus.publish('user.event', { userId, event: { kind: 'notification', notification } })
          // Rewards moved their balances: tell them too.
          for (const userId of new Set(written.map((w) => w.userId)))
            await announceBalance(ledger, bus, userId)
        })
        .catch((error) =>
          log.error({ err: error, height: round.height }, 'writing round notifications failed'),
        )
    },
  })

  const onBlock = (block: BlockHeader) =>
    engine
      .onBlock(block)
      .then(() => bus.publish('round.updated', { height: block.height }))
      .catch((error) => log.error({ err: error, height: block.height }, 'round engine failed on a block'))
  /** The engine's duties: started now, or on each election when a leader elector is given. */
  const lead = async (): Promise<() => void> => {
    const unsubscribeBlocks = bus.subscribe('chain.block', onBlock)
    // Blocks seen before this start (a restart, a new leader) open their round now; the engine is idempotent.
    const tip = await db.kysely
      .selectFrom('blocks')
      .selectAll()
      .orderBy('height', 'desc')
      .limit(1)
      .executeTakeFirst()
    if (tip)
      await onBlock({
        height: tip.height,
        hash: tip.hash,
        prevHash: tip.prev_hash,
        merkleRoot: tip.merkle_root,
        time: tip.time_s,
        txCount: tip.tx_count,
      })

    const settleTimer = setInterval(() => {
      engine.settleDue().catch((error) => log.error({ err: error }, 'settling rounds failed'))
    }, SETTLE_CHECK_INTERVAL_MS)
    // Holds of sessions whose process died expire; their sessions end as interrupted.
    const sweepTimer = setInterval(() => {
      ledger
        .expireHolds()
        .then(() => watchRepository.endInterrupted(new Date()))
        .catch((error) => log.error({ err: error }, 'sweeping expired holds failed'))
    }, SWEEP_INTERVAL_MS)
    return () => {
      unsubscribeBlocks()
      clearInterval(settleTimer)
      clearInterval(sweepTimer)
    }
  }
  let stopLeading: (() => void) | undefined
  if (deps.leader) deps.leader.duty('rounds', lead)
  else stopLeading = await lead()

  const watch = new WatchService({
    ledger,
    repository: watchRepository,
    rounds,
    signMedia: async (memeId) => {
      const meme = await content.memes.byId(memeId)
      if (!meme?.animation) return undefined
      const a = meme.animation
      return {
        url: mediaUrl(a.animation, content.tokens.issue(a.animation.sha256, MEDIA_LINK_TTL_S)),
        mp4Url: a.mp4 && mediaUrl(a.mp4, content.tokens.issue(a.mp4.sha256, MEDIA_LINK_TTL_S)),
        posterUrl: mediaUrl(a.poster),
        expiresAt: new Date(Date.now() + MEDIA_LINK_TTL_S * 1000),
      }
    },
    rateSats: config.money.viewRateSatsPerSecond,
    minBillableSeconds: config.money.minBillableSeconds,
    maxSessionSeconds: config.money.maxSessionSeconds,
    holdSeconds: config.ledger.holdSeconds,
    flushIntervalMs: config.ledger.flushIntervalMs,
    maxConcurrentStarts: config.ledger.startConcurrency,
    logger: log.child({ component: 'watch' }),
    onCharged: () => bus.publish('round.updated', { height: null }),
    onSessionEnded: (userId, session) =>
      bus.publish('user.event', { userId, event: { kind: 'watch', session } }),
    onBalance: (userId, balance) =>
      bus.publish('user.event', { userId, event: { kind: 'balance', ...balance } }),
  })
  if (config.role !== 'worker') watch.start()

  let gateway: Gateway | undefined
  let roundTimer: NodeJS.Timeout | undefined
  let stopped = false
  const unsubscribers: Array<() => void> = []

  return {
    routes: roundsRoutes({ queries, notifications }),
    engine,
    queries,
    watch,
    attach(server, sessions) {
      const g = attachGateway(server, {
        sessions,
        messagesPerSecond: config.rateLimit.wsMessagesPerSecond,
        allowedOrigins: [config.publicUrl],
        registry: deps.registry,
        logger: log.child({ component: 'ws' }),
      })
      gateway = g
      g.channel(WS_CHANNELS.round, {
        authorize: allowEveryone,
        snapshot: async () => (await queries.current()).round,
      })
      g.channel(WS_CHANNELS.blocks, {
        authorize: allowEveryone,
        snapshot: async () => {
          const block = await db.kysely
            .selectFrom('blocks')
            .select(['height', 'hash', 'seen_at'])
            .orderBy('height', 'desc')
            .limit(1)
            .executeTakeFirst()
          return block
            ? { height: block.height, hash: block.hash, time: new Date(block.seen_at).toISOString() }
            : null
        },
      })
      g.channel('user:*', {
        authorize: allowOwner,
        snapshot: async (user) => {
          const account = user && (await ledger.getAccount(userAccountId(user.id)))
          return {
            kind: 'balance',
            balanceSats: account?.balanceSats ?? 0,
            availableSats: account?.availableSats ?? 0,
          }
        },
      })
      registerWatchHandlers(g, watch)
      unsubscribers.push(attachMarketChannel(g, bus))
      unsubscribers.push(attachAdminContentChannel(g, bus, content.views, log))

      unsubscribers.push(
        g.connectBus(bus, 'chain.block', (block) => ({
          channel: WS_CHANNELS.blocks,
          data: { height: block.height, hash: block.hash, time: new Date().toISOString() },
        })),
        g.connectBus(bus, 'user.event', ({ userId, event }) => ({
          channel: userChannel(userId),
          data: event,
          key:
            event.kind === 'watch'
              ? `watch:${event.session.sessionId}`
              : event.kind === 'notification'
                ? `notification:${event.notification.id}`
                : event.kind,
        })),
      )
      // The round's view is computed when something changed, at most once a second: at once
      // when the last computation is a second old (so a block or a charge shows without waiting
      // for a tick), else when the second is up.
      const publishRound = g.throttledChannel(WS_CHANNELS.round, ROUND_PUBLISH_INTERVAL_MS)
      let stale = true
      let publishing = false
      let lastStartMs = Number.NEGATIVE_INFINITY
      const refreshRound = () => {
        if (publishing || roundTimer !== undefined || !stale || stopped) return
        const waitMs = lastStartMs + ROUND_PUBLISH_INTERVAL_MS - performance.now()
        if (waitMs > 0) {
          roundTimer = setTimeout(() => {
            roundTimer = undefined
            refreshRound()
          }, Math.ceil(waitMs))
          return
        }
        stale = false
        publishing = true
        lastStartMs = performance.now()
        queries
          .current()
          .then((current) => publishRound(current.round))
          .catch((error) => {
            stale = true
            log.warn({ err: error }, 'publishing the round failed')
          })
          .finally(() => {
            publishing = false
            refreshRound()
          })
      }
      unsubscribers.push(
        bus.subscribe('round.updated', () => {
          stale = true
          // After the other subscribers (the round cache drops its copy on the same message).
          setImmediate(refreshRound)
        }),
      )
      refreshRound()
      return g
    },
    async stop() {
      stopLeading?.()
      stopped = true
      clearTimeout(roundTimer)
      for (const unsubscribe of unsubscribers) unsubscribe()
      await watch.close()
      await gateway?.close()
    },
  }
}
