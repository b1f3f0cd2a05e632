/**
 * The WebSocket gateway (SPEC 8): one endpoint, `/api/v1/ws`, carrying channels (round, blocks,
 * a user's own events, the admins' processing queue) and the messages other modules register
 * (the watch protocol). The protocol is described in contracts/ws.ts.
 *
 * It is attached to the HTTP server that main.ts listens on, not to the Fastify app, because a
 * WebSocket starts with an HTTP upgrade that Fastify does not route:
 *
 *     const gateway = attachGateway(app.server, { sessions: auth, messagesPerSecond, ... })
 *     gateway.channel('blocks', { authorize: allowEveryone })
 *     gateway.connectBus(bus, 'chain.block', (block) => ({ channel: 'blocks', data: block }))
 *     ...
 *     await gateway.close() // before the server closes: upgraded sockets keep it open
 *
 * Fan-out across a fleet (ARCHITECTURE "Scale-out"): a producer publishes on the bus, and every
 * node's gateway feeds its own clients from it through connectBus. `publish` reaches the
 * clients of this node only.
 *
 * Authentication happens during the upgrade (see ./upgrade.ts); a connection keeps the user it
 * started with, and is closed when its session expires, or is found revoked or changed (role)
 * when re-checked every `sessionRecheckMs`.
 */
import assert from 'node:assert/strict'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Static, TSchema } from '@sinclair/typebox'
import type { Registry } from 'prom-client'
import { type WebSocket, WebSocketServer } from 'ws'
import {
  type EventMessage,
  SubscribeBody,
  WS_CLOSE,
  WS_MAX_MESSAGE_BYTES,
  WS_PATH,
  type WsUser,
} from '../../../contracts/ws.ts'
import type { Bus, BusTopics, Topic } from '../../adapters/bus/bus.ts'
import type { AppLogger } from '../../logger.ts'
import type { ActiveSession, AuthService } from '../../services/auth/auth.service.ts'
import { ChannelRegistry, type ChannelSpec, SubscriberIndex } from './channels.ts'
import {
  Connection,
  type ConnectionEvents,
  type ConnectionLimits,
  type ConnectionSession,
} from './connection.ts'
import { MessageRouter, WsError, type WsHandler } from './messages.ts'
import { type CloseReason, GatewayMeter, type GatewayTotals } from './metrics.ts'
import { type MessageRateLimiter, TokenBucketLimiter } from './rate-limit.ts'
import { Throttle } from './throttle.ts'
import { normalizeOrigins, originAllowed, presentedToken, refuseUpgrade, upgradeUrl } from './upgrade.ts'

export { allowAdmins, allowEveryone, allowOwner, type ChannelSpec } from './channels.ts'
export type { WsContext } from './connection.ts'
export { WsError, type WsHandler } from './messages.ts'
export { type MessageRateLimiter, type RateVerdict, TokenBucketLimiter } from './rate-limit.ts'

export interface GatewayOptions {
  sessions: Pick<AuthService, 'resolveSession'>
  /** Messages per connection per second (config rateLimit.wsMessagesPerSecond). */
  messagesPerSecond: number
  /** Origins whose pages may connect, e.g. the public URL. Unset: any (non-browser setups). */
  allowedOrigins?: readonly string[]
  path?: string
  /** A connection sending this multiple of the limit within a second is closed with 1008. */
  abuseMultiple?: number
  /** Replaces the per-connection token bucket. */
  rateLimiter?: MessageRateLimiter
  /** A ping every interval; no answer within two intervals ends the connection. */
  heartbeatIntervalMs?: number
  /** How long an anonymous connection without subscriptions is kept. */
  anonymousIdleTimeoutMs?: number
  /** How often a signed-in connection's session is looked up again (logout, role change). */
  sessionRecheckMs?: number
  highWaterBytes?: number
  hardCapBytes?: number
  slowClientTimeoutMs?: number
  /** How often backlogged connections are checked for room in their send buffer. */
  backlogPollMs?: number
  maxSubscriptions?: number
  maxPendingEvents?: number
  maxInFlight?: number
  registry?: Registry
  logger?: AppLogger
}

export interface PublishOptions {
  /**
   * What a newer event replaces for a slow client: only a pending event with the same key.
   * Default one key per channel, for channels whose events are the whole state; a channel that
   * carries several things (a user's balance, each notification, each transaction) keys each.
   */
  key?: string
}

export interface WsPublication extends PublishOptions {
  channel: string
  data: unknown
}

export interface GatewayStats extends GatewayTotals {
  connections: number
  authenticatedConnections: number
  subscriptions: number
  /** Bytes written to sockets that the kernel has not taken yet, over all connections. */
  bufferedBytes: number
  /** Bytes of events waiting for slow clients, over all connections. */
  queuedBytes: number
  /** The most one connection holds (buffered + queued): what a slow client costs. */
  maxConnectionBytes: number
}

export interface Gateway {
  /** Registers a channel by name ('round') or prefix pattern ('user:*'). */
  channel(pattern: string, spec: ChannelSpec): void
  /** Registers a client message type; `schema` describes the message without id and type. */
  handle<S extends TSchema>(type: string, schema: S, handler: WsHandler<Static<S>>): void
  /** Sends an event to this node's subscribers of `channel`. */
  publish(channel: string, data: unknown, options?: PublishOptions): void
  /** Whether anyone on this node listens to `channel`: an event costly to make can be skipped. */
  hasSubscribers(channel: string): boolean
  /**
   * Makes `name` publish at most once per `intervalMs`, with the latest data (the last of a
   * burst is never lost). Applies to every publish on it; returns a publisher for convenience.
   * A throttled channel carries one state: within an interval, the last publish wins whatever its key.
   */
  throttledChannel(name: string, intervalMs: number): (data: unknown) => void
  /** Publishes what `route` makes of each message of a bus topic. Returns the unsubscribe. */
  connectBus<T extends Topic>(
    bus: Bus,
    topic: T,
    route: (message: BusTopics[T]) => WsPublication | WsPublication[] | undefined,
  ): () => void
  stats(): GatewayStats
  /** Stops accepting, closes every connection with 1001 and stops the timers and bus feeds. */
  close(): Promise<void>
}

const DEFAULT_ABUSE_MULTIPLE = 5
const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000
/** A missed pong is forgiven once: the client may have been busy when the ping came. */
const HEARTBEATS_BEFORE_TIMEOUT = 2
/** Connections checked per turn of the event loop at each heartbeat. */
const HEARTBEAT_SLICE = 500
const DEFAULT_ANONYMOUS_IDLE_TIMEOUT_MS = 60_000
const DEFAULT_SESSION_RECHECK_MS = 5 * 60_000
const DEFAULT_HIGH_WATER_BYTES = 256 * 1024
const DEFAULT_HARD_CAP_BYTES = 1024 * 1024
const DEFAULT_SLOW_CLIENT_TIMEOUT_MS = 10_000
const DEFAULT_BACKLOG_POLL_MS = 50
/** Channels one connection may follow; the web app needs about five. */
const DEFAULT_MAX_SUBSCRIPTIONS = 64
const DEFAULT_MAX_PENDING_EVENTS = 256
const DEFAULT_MAX_IN_FLIGHT = 16
/** How long close() waits for clients to answer the close frame before cutting them off. */
const SHUTDOWN_GRACE_MS = 1_000
/** The event key of channels that carry one state. */
const WHOLE_CHANNEL_KEY = ''

export function attachGateway(server: Server, options: GatewayOptions): Gateway {
  return new WsGateway(server, options)
}

class WsGateway implements Gateway {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_MESSAGE_BYTES,
    // Events are small JSON; compression would cost a zlib context per connection and CPU per message.
    perMessageDeflate: false,
  })
  private readonly path: string
  private readonly origins: ReadonlySet<string> | undefined
  private readonly log: AppLogger | undefined
  private readonly limits: ConnectionLimits
  private readonly heartbeatIntervalMs: number
  private readonly channels = new ChannelRegistry()
  private readonly index = new SubscriberIndex<Connection>()
  private readonly connections = new Map<string, Connection>()
  private readonly backlogged = new Set<Connection>()
  private readonly throttles = new Map<string, Throttle<WsPublication>>()
  private readonly busFeeds = new Set<() => void>()
  private readonly meter: GatewayMeter
  private readonly limiter: MessageRateLimiter
  private readonly router: MessageRouter
  private readonly connectionEvents: ConnectionEvents
  private readonly heartbeatTimer: NodeJS.Timeout
  private backlogTimer: NodeJS.Timeout | undefined
  private closing: Promise<void> | undefined

  constructor(
    private readonly server: Server,
    private readonly options: GatewayOptions,
  ) {
    this.path = options.path ?? WS_PATH
    this.origins = options.allowedOrigins && normalizeOrigins(options.allowedOrigins)
    this.log = options.logger?.child({ component: 'ws-gateway' })
    this.limits = {
      highWaterBytes: options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES,
      hardCapBytes: options.hardCapBytes ?? DEFAULT_HARD_CAP_BYTES,
      slowClientTimeoutMs: options.slowClientTimeoutMs ?? DEFAULT_SLOW_CLIENT_TIMEOUT_MS,
      maxPendingEvents: options.maxPendingEvents ?? DEFAULT_MAX_PENDING_EVENTS,
    }
    assert(this.limits.hardCapBytes >= this.limits.highWaterBytes, 'hardCapBytes is below highWaterBytes')
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS
    this.meter = new GatewayMeter(options.registry, () => this.stats())
    this.limiter =
      options.rateLimiter ??
      new TokenBucketLimiter({
        messagesPerSecond: options.messagesPerSecond,
        abuseMultiple: options.abuseMultiple ?? DEFAULT_ABUSE_MULTIPLE,
      })
    this.router = new MessageRouter({
      limiter: this.limiter,
      meter: this.meter,
      maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      logger: this.log,
    })
    this.router.register('subscribe', SubscribeBody, (context, { channel }) =>
      this.subscribe(this.connectionOf(context.connectionId), channel),
    )
    this.router.register('unsubscribe', SubscribeBody, async (context, { channel }) =>
      this.unsubscribe(this.connectionOf(context.connectionId), channel),
    )
    this.connectionEvents = {
      meter: this.meter,
      backlogged: (connection) => this.watchBacklog(connection),
      closing: (connection, reason) => this.noteClosing(connection, reason),
    }
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatIntervalMs)
    this.heartbeatTimer.unref()
    server.on('upgrade', this.onUpgrade)
  }

  channel(pattern: string, spec: ChannelSpec): void {
    this.channels.register(pattern, spec)
  }

  handle<S extends TSchema>(type: string, schema: S, handler: WsHandler<Static<S>>): void {
    this.router.register(type, schema, handler)
  }

  hasSubscribers(channel: string): boolean {
    return this.index.get(channel) !== undefined
  }

  publish(channel: string, data: unknown, options: PublishOptions = {}): void {
    if (this.closing) return
    const publication = { channel, data, key: options.key ?? WHOLE_CHANNEL_KEY }
    const throttle = this.throttles.get(channel)
    if (throttle) throttle.offer(publication)
    else this.fanOut(publication)
  }

  throttledChannel(name: string, intervalMs: number): (data: unknown) => void {
    assert(!this.throttles.has(name), `channel ${name} is throttled twice`)
    this.throttles.set(
      name,
      new Throttle(intervalMs, (publication) => {
        // From a timer: a failure here has no caller to report to.
        try {
          this.fanOut(publication)
        } catch (error) {
          this.log?.error({ err: error, channel: name }, 'throttled publish failed')
        }
      }),
    )
    return (data) => this.publish(name, data)
  }

  connectBus<T extends Topic>(
    bus: Bus,
    topic: T,
    route: (message: BusTopics[T]) => WsPublication | WsPublication[] | undefined,
  ): () => void {
    const unsubscribe = bus.subscribe(topic, (message) => {
      try {
        const routed = route(message)
        if (routed === undefined) return
        for (const publication of Array.isArray(routed) ? routed : [routed]) {
          this.publish(publication.channel, publication.data, { key: publication.key })
        }
      } catch (error) {
        // The bus swallows subscriber errors (src/adapters/bus/bus.ts), so this is the only report.
        this.log?.error({ err: error, topic }, 'bus message could not be published to WebSockets')
      }
    })
    const stop = () => {
      unsubscribe()
      this.busFeeds.delete(stop)
    }
    this.busFeeds.add(stop)
    return stop
  }

  stats(): GatewayStats {
    const stats: GatewayStats = {
      ...this.meter.totals,
      connections: this.connections.size,
      authenticatedConnections: 0,
      subscriptions: 0,
      bufferedBytes: 0,
      queuedBytes: 0,
      maxConnectionBytes: 0,
    }
    for (const connection of this.connections.values()) {
      const bufferedBytes = connection.socket.bufferedAmount
      if (connection.user !== null) stats.authenticatedConnections += 1
      stats.subscriptions += connection.subscriptions.size
      stats.bufferedBytes += bufferedBytes
      stats.queuedBytes += connection.queuedBytes
      stats.maxConnectionBytes = Math.max(stats.maxConnectionBytes, bufferedBytes + connection.queuedBytes)
    }
    return stats
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown()
    return this.closing
  }

  // --- Admission -------------------------------------------------------------------------------

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = upgradeUrl(request)
    if (url === null || url.pathname !== this.path) {
      // Another listener may own that path; alone, the gateway answers rather than leave it hanging.
      if (this.server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'NOT_FOUND')
      return
    }
    void this.admit(request, socket, head, url)
  }

  private async admit(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    // A client hanging up while its session is looked up must not become an unhandled error.
    const ignoreSocketError = () => {}
    socket.on('error', ignoreSocketError)
    if (!originAllowed(request.headers.origin, this.origins, request.headers.host)) {
      this.log?.info({ origin: request.headers.origin }, 'websocket refused: origin not allowed')
      refuseUpgrade(socket, 403, 'FORBIDDEN')
      return
    }
    const token = presentedToken(request, url)
    let session: ActiveSession | null = null
    try {
      if (token !== undefined) session = await this.options.sessions.resolveSession(token)
    } catch (error) {
      this.log?.warn({ err: error }, 'websocket refused: session lookup failed')
      refuseUpgrade(socket, 503, 'SERVICE_UNAVAILABLE')
      return
    }
    if (this.closing) {
      refuseUpgrade(socket, 503, 'SERVICE_UNAVAILABLE')
      return
    }
    this.wss.handleUpgrade(request, socket, head, (webSocket) => {
      socket.off('error', ignoreSocketError)
      this.open(webSocket, session, session === null ? undefined : token)
    })
  }

  private open(socket: WebSocket, session: ActiveSession | null, token: string | undefined): void {
    const nowMs = Date.now()
    const user: WsUser | null = session && { id: session.user.id, role: session.user.role }
    const sessionState: ConnectionSession | undefined =
      session && token !== undefined
        ? {
            token,
            expiresAtMs: session.expiresAt.getTime(),
            recheckAtMs: nowMs + (this.options.sessionRecheckMs ?? DEFAULT_SESSION_RECHECK_MS),
            rechecking: false,
          }
        : undefined
    const connection = new Connection(socket, user, sessionState, this.limits, this.connectionEvents, nowMs)
    this.connections.set(connection.id, connection)
    this.meter.opened()
    socket.on('message', (data, isBinary) => this.router.receive(connection, data, isBinary))
    socket.on('pong', () => {
      connection.lastSeenMs = Date.now()
    })
    // ws closes the socket itself on protocol errors (e.g. 1009 for an oversized message).
    socket.on('error', (error) =>
      this.log?.debug({ err: error, connectionId: connection.id }, 'websocket error'),
    )
    socket.on('close', () => this.forget(connection))
    connection.send({ type: 'hello', user, serverTime: new Date(nowMs).toISOString() })
    this.log?.debug({ connectionId: connection.id, userId: user?.id }, 'websocket opened')
  }

  private forget(connection: Connection): void {
    this.connections.delete(connection.id)
    this.backlogged.delete(connection)
    this.limiter.forget(connection.id)
    for (const channel of connection.subscriptions.keys()) this.index.remove(channel, connection)
    connection.ended((error) =>
      this.log?.error({ err: error, connectionId: connection.id }, 'websocket close callback failed'),
    )
  }

  // --- Channels ----------------------------------------------------------------------------------

  private connectionOf(connectionId: string): Connection {
    const connection = this.connections.get(connectionId)
    // A handler runs only for a message from an open connection, so it is known.
    assert(connection !== undefined, 'a message came from an unknown connection')
    return connection
  }

  private async subscribe(connection: Connection, channel: string): Promise<{ channel: string }> {
    if (connection.subscriptions.has(channel)) return { channel }
    const spec = this.channels.find(channel)
    if (spec === undefined) throw new WsError('WS_UNKNOWN_CHANNEL')
    if (!spec.authorize(connection.user, channel)) throw new WsError('WS_FORBIDDEN_CHANNEL')
    if (connection.subscriptions.size >= (this.options.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS)) {
      throw new WsError('WS_TOO_MANY_SUBSCRIPTIONS')
    }
    const topic = this.index.add(channel, connection)
    const subscription = connection.subscribe(channel, spec.snapshot === undefined)
    if (spec.snapshot === undefined) return { channel }
    // The snapshot takes the seq of the moment it was asked for: events published while it loads
    // are held, then follow it with higher numbers.
    const seq = topic.seq
    let data: unknown
    try {
      data = await spec.snapshot(connection.user, channel)
    } catch (error) {
      if (connection.subscriptions.get(channel) === subscription) this.unsubscribe(connection, channel)
      throw error
    }
    // Unsubscribed (or disconnected) while it loaded: the snapshot is for no one.
    if (connection.subscriptions.get(channel) === subscription) {
      connection.completeSnapshot(
        channel,
        subscription,
        eventFrame({ type: 'event', channel, data, seq, snapshot: true }),
      )
    }
    return { channel }
  }

  private unsubscribe(connection: Connection, channel: string): { channel: string } {
    if (connection.unsubscribe(channel, Date.now())) this.index.remove(channel, connection)
    return { channel }
  }

  /** Serialises the event once and hands the same frame to every subscriber. */
  private fanOut({ channel, data, key = WHOLE_CHANNEL_KEY }: WsPublication): void {
    const topic = this.index.get(channel)
    if (topic === undefined) return
    topic.seq += 1
    const frame = eventFrame({ type: 'event', channel, data, seq: topic.seq })
    for (const connection of topic.subscribers) connection.deliver(channel, key, frame)
  }

  // --- Timers ------------------------------------------------------------------------------------

  private watchBacklog(connection: Connection): void {
    this.backlogged.add(connection)
    if (this.backlogTimer !== undefined) return
    // Runs only while some connection is backlogged.
    this.backlogTimer = setInterval(
      () => this.tendBacklogs(),
      this.options.backlogPollMs ?? DEFAULT_BACKLOG_POLL_MS,
    )
    this.backlogTimer.unref()
  }

  private tendBacklogs(): void {
    const nowMs = Date.now()
    for (const connection of this.backlogged) {
      if (!connection.tend(nowMs)) this.backlogged.delete(connection)
    }
    if (this.backlogged.size === 0) {
      clearInterval(this.backlogTimer)
      this.backlogTimer = undefined
    }
  }

  /**
   * Checks every connection, HEARTBEAT_SLICE at a time with a turn of the event loop between
   * slices: pinging tens of thousands of quiet subscribers in one go would hold up every
   * confirmation behind it for a tenth of a second.
   */
  private heartbeat(): void {
    const connections = [...this.connections.values()]
    const pongTimeoutMs = HEARTBEATS_BEFORE_TIMEOUT * this.heartbeatIntervalMs
    const idleTimeoutMs = this.options.anonymousIdleTimeoutMs ?? DEFAULT_ANONYMOUS_IDLE_TIMEOUT_MS
    const check = (from: number) => {
      if (this.closing) return
      const nowMs = Date.now()
      const to = Math.min(from + HEARTBEAT_SLICE, connections.length)
      for (let i = from; i < to; i++) {
        const connection = connections[i]!
        connection.checkLiveness(nowMs, this.heartbeatIntervalMs / 2, pongTimeoutMs, idleTimeoutMs)
        const session = connection.session
        if (connection.isOpen && session && !session.rechecking && nowMs >= session.recheckAtMs) {
          void this.recheckSession(connection, session)
        }
      }
      if (to < connections.length) setImmediate(check, to)
    }
    check(0)
  }

  private async recheckSession(connection: Connection, session: ConnectionSession): Promise<void> {
    session.rechecking = true
    const recheckMs = this.options.sessionRecheckMs ?? DEFAULT_SESSION_RECHECK_MS
    try {
      const active = await this.options.sessions.resolveSession(session.token)
      const user = connection.user
      if (active === null || active.user.id !== user?.id || active.user.role !== user.role) {
        connection.close(WS_CLOSE.SESSION_ENDED, 'session ended', 'session_ended')
        return
      }
      session.expiresAtMs = active.expiresAt.getTime()
    } catch (error) {
      // A failed lookup is not a revoked session: keep the connection and try again later.
      this.log?.warn({ err: error, connectionId: connection.id }, 'websocket session re-check failed')
    } finally {
      session.recheckAtMs = Date.now() + recheckMs
      session.rechecking = false
    }
  }

  private noteClosing(connection: Connection, reason: CloseReason): void {
    this.meter.closedByServer(reason)
    const fields = { connectionId: connection.id, userId: connection.user?.id, reason }
    if (reason === 'abuse' || reason === 'too_slow') this.log?.warn(fields, 'websocket closed by the server')
    else this.log?.debug(fields, 'websocket closed by the server')
  }

  private async shutDown(): Promise<void> {
    this.server.off('upgrade', this.onUpgrade)
    clearInterval(this.heartbeatTimer)
    clearInterval(this.backlogTimer)
    for (const throttle of this.throttles.values()) throttle.close()
    for (const stop of [...this.busFeeds]) stop()
    const open = [...this.connections.values()]
    const allClosed = Promise.all(
      open.map((connection) => new Promise((resolve) => connection.socket.once('close', resolve))),
    )
    for (const connection of open) connection.close(WS_CLOSE.GOING_AWAY, 'server shutting down', 'shutdown')
    let graceTimer: NodeJS.Timeout | undefined
    await Promise.race([
      allClosed,
      new Promise((resolve) => (graceTimer = setTimeout(resolve, SHUTDOWN_GRACE_MS))),
    ])
    clearTimeout(graceTimer)
    for (const connection of this.connections.values()) connection.socket.terminate()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}

function eventFrame(message: EventMessage): Buffer {
  return Buffer.from(JSON.stringify(message))
}
