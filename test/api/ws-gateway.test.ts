/**
 * Proves the WebSocket gateway (SPEC 8, contracts/ws.ts) over real sockets: a node:http server on
 * an ephemeral port with the gateway attached, and `ws` clients. Sessions come from a fake
 * resolveSession (the gateway's own dependency) that knows a few tokens.
 *
 * It shows: who a connection is (bearer, cookie, query token, anonymous) and the Origin check;
 * subscriptions, private and admin channels, snapshots before live events; registered handlers
 * and their validation; bad, oversized and flooding clients; a slow reader getting the latest
 * state rather than a backlog, in bounded memory; the throttled channel; heartbeats, idle and
 * session ends; the bus feed, metrics and shutdown.
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Type } from '@sinclair/typebox'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { SESSION_COOKIE } from '../../contracts/auth.ts'
import {
  type ErrorMessage,
  type EventMessage,
  type ServerMessage,
  userChannel,
  WS_CHANNELS,
  WS_CLOSE,
  WS_MAX_MESSAGE_BYTES,
  WS_PATH,
  WS_TOKEN_QUERY_PARAM,
} from '../../contracts/ws.ts'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { AppError } from '../../src/http/errors.ts'
import {
  allowAdmins,
  allowEveryone,
  allowOwner,
  attachGateway,
  type Gateway,
  type GatewayOptions,
  TokenBucketLimiter,
  WsError,
} from '../../src/http/ws/gateway.ts'
import type { ActiveSession } from '../../src/services/auth/auth.service.ts'

const MESSAGES_PER_SECOND = 100
const ALLOWED_ORIGIN = 'https://memepool.example'
const WAIT_TIMEOUT_MS = 5_000
const BLOCKS = WS_CHANNELS.blocks
const ADMIN_CONTENT = WS_CHANNELS.adminContent
const ROUND = WS_CHANNELS.round

const VIEWER = { id: 'user-viewer', role: 'viewer' as const, token: 'v'.repeat(43) }
const OTHER = { id: 'user-other', role: 'viewer' as const, token: 'o'.repeat(43) }
const ADMIN = { id: 'user-admin', role: 'admin' as const, token: 'a'.repeat(43) }

/** resolveSession over a map: the only thing the gateway asks of the auth service. */
class FakeSessions {
  private readonly sessions = new Map<string, ActiveSession>()

  constructor() {
    for (const person of [VIEWER, OTHER, ADMIN]) this.add(person)
  }

  add(
    person: { id: string; role: 'viewer' | 'admin'; token: string },
    expiresAt = new Date(Date.now() + 3_600_000),
  ) {
    this.sessions.set(person.token, {
      user: { id: person.id, role: person.role, address: null, identityKey: null, createdAt: new Date(0) },
      expiresAt,
    })
  }

  revoke(token: string): void {
    this.sessions.delete(token)
  }

  async resolveSession(token: string): Promise<ActiveSession | null> {
    return this.sessions.get(token) ?? null
  }
}

interface Harness {
  gateway: Gateway
  sessions: FakeSessions
  origin: string
  close(): Promise<void>
}

const running: Harness[] = []
afterEach(async () => {
  for (const harness of running.splice(0)) await harness.close()
})

/** A server with the gateway and the product's channel shapes: public, per user, admin. */
async function startGateway(options: Partial<GatewayOptions> = {}): Promise<Harness> {
  const server = http.createServer((_request, response) => response.writeHead(404).end())
  const sessions = new FakeSessions()
  const gateway = attachGateway(server, { sessions, messagesPerSecond: MESSAGES_PER_SECOND, ...options })
  gateway.channel(BLOCKS, { authorize: allowEveryone })
  gateway.channel('user:*', { authorize: allowOwner })
  gateway.channel(ADMIN_CONTENT, { authorize: allowAdmins })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const harness: Harness = {
    gateway,
    sessions,
    origin: `ws://127.0.0.1:${port}`,
    close: async () => {
      await gateway.close()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  running.push(harness)
  return harness
}

interface Received {
  message: ServerMessage
  atMs: number
}

/** A `ws` client that records every message and can wait for one. */
class TestClient {
  readonly received: Received[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  private readonly waiters = new Set<() => void>()
  private nextId = 1_000_000

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.received.push({ message: JSON.parse(String(data)) as ServerMessage, atMs: performance.now() })
      for (const wake of this.waiters) wake()
    })
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
    })
  }

  get messages(): ServerMessage[] {
    return this.received.map((entry) => entry.message)
  }

  events(channel?: string): EventMessage[] {
    return this.messages.filter(
      (message): message is EventMessage =>
        message.type === 'event' && (channel === undefined || message.channel === channel),
    )
  }

  errors(): ErrorMessage[] {
    return this.messages.filter((message): message is ErrorMessage => message.type === 'error')
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** The first message, received already or later, that matches. */
  waitFor(match: (message: ServerMessage) => boolean, timeoutMs = WAIT_TIMEOUT_MS): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(match)
        if (found === undefined) return
        cleanup()
        resolve(found)
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`no matching message within ${timeoutMs} ms`))
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      this.waiters.add(check)
      check()
    })
  }

  /** Sends a message with `id` and resolves with its answer (reply, error or pong). */
  request(id: number, message: Record<string, unknown>): Promise<ServerMessage> {
    this.send({ id, ...message })
    return this.waitFor((answer) => 'id' in answer && answer.id === id)
  }

  /** Resolves once everything the server sent before now has arrived (messages keep their order). */
  async barrier(): Promise<void> {
    this.nextId += 1
    await this.request(this.nextId, { type: 'ping' })
  }

  /** Stops reading from the socket, so the server's send buffer fills as for a slow client. */
  pauseReading(): void {
    rawSocket(this.socket).pause()
  }

  resumeReading(): void {
    rawSocket(this.socket).resume()
  }
}

function rawSocket(socket: WebSocket): Socket {
  return (socket as unknown as { _socket: Socket })._socket
}

interface ConnectOptions {
  token?: string
  via?: 'bearer' | 'cookie' | 'query'
  origin?: string
  autoPong?: boolean
  path?: string
}

function clientSocket(harness: Harness, options: ConnectOptions): WebSocket {
  const url = new URL(options.path ?? WS_PATH, harness.origin)
  const headers: Record<string, string> = {}
  if (options.token !== undefined) {
    if (options.via === 'cookie') headers.cookie = `theme=dark; ${SESSION_COOKIE}=${options.token}`
    else if (options.via === 'query') url.searchParams.set(WS_TOKEN_QUERY_PARAM, options.token)
    else headers.authorization = `Bearer ${options.token}`
  }
  return new WebSocket(url, { headers, origin: options.origin, autoPong: options.autoPong ?? true })
}

/** Connects and waits for hello. */
async function connect(harness: Harness, options: ConnectOptions = {}): Promise<TestClient> {
  const client = new TestClient(clientSocket(harness, options))
  await client.waitFor((message) => message.type === 'hello')
  return client
}

/** Resolves with the HTTP status of a refused upgrade. */
function refusedStatus(harness: Harness, options: ConnectOptions = {}): Promise<number> {
  const socket = clientSocket(harness, options)
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    socket.on('open', () => reject(new Error('the upgrade was accepted')))
    socket.on('error', () => {})
  })
}

/** The whole numbers from `first` to `last`, both included. */
function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i)
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

describe('connecting', () => {
  it('greets an anonymous client with user null and the server time', async () => {
    const harness = await startGateway()
    const client = await connect(harness)
    const hello = client.messages[0]
    expect(hello).toMatchObject({ type: 'hello', user: null })
    expect(Date.parse((hello as { serverTime: string }).serverTime)).toBeGreaterThan(Date.now() - 60_000)
  })

  it.each(['bearer', 'cookie', 'query'] as const)('signs the client in with a %s token', async (via) => {
    const harness = await startGateway()
    const client = await connect(harness, { token: VIEWER.token, via })
    expect(client.messages[0]).toMatchObject({ type: 'hello', user: { id: VIEWER.id, role: 'viewer' } })
    expect(harness.gateway.stats().authenticatedConnections).toBe(1)
  })

  it('treats an unknown token as anonymous', async () => {
    const harness = await startGateway()
    const client = await connect(harness, { token: 'z'.repeat(43) })
    expect(client.messages[0]).toMatchObject({ type: 'hello', user: null })
  })

  it('refuses a page from another origin with 403, and accepts its own and non-browser clients', async () => {
    const harness = await startGateway({ allowedOrigins: [ALLOWED_ORIGIN] })
    expect(await refusedStatus(harness, { origin: 'https://evil.example', token: VIEWER.token })).toBe(403)
    expect(harness.gateway.stats().connections).toBe(0)
    await connect(harness, { origin: ALLOWED_ORIGIN })
    await connect(harness)
    expect(harness.gateway.stats().connections).toBe(2)
  })

  it('answers an upgrade on another path with 404', async () => {
    const harness = await startGateway()
    expect(await refusedStatus(harness, { path: '/api/v1/elsewhere' })).toBe(404)
  })
})

describe('channels', () => {
  it('delivers a publication to subscribers only, until they unsubscribe', async () => {
    const harness = await startGateway()
    const subscriber = await connect(harness)
    const bystander = await connect(harness)
    expect(await subscriber.request(1, { type: 'subscribe', channel: BLOCKS })).toEqual({
      type: 'reply',
      id: 1,
      ok: true,
      data: { channel: BLOCKS },
    })
    harness.gateway.publish(BLOCKS, { height: 7 })
    await subscriber.waitFor((message) => message.type === 'event')
    expect(subscriber.events(BLOCKS)).toEqual([
      { type: 'event', channel: BLOCKS, data: { height: 7 }, seq: 1 },
    ])
    await bystander.barrier()
    expect(bystander.events()).toEqual([])

    expect(await subscriber.request(2, { type: 'unsubscribe', channel: BLOCKS })).toMatchObject({
      type: 'reply',
    })
    harness.gateway.publish(BLOCKS, { height: 8 })
    await subscriber.barrier()
    expect(subscriber.events()).toHaveLength(1)
    expect(harness.gateway.stats().subscriptions).toBe(0)
  })

  it('refuses unknown channels and malformed channel names', async () => {
    const harness = await startGateway()
    const client = await connect(harness)
    expect(await client.request(1, { type: 'subscribe', channel: 'nope' })).toMatchObject({
      type: 'error',
      id: 1,
      code: 'WS_UNKNOWN_CHANNEL',
    })
    expect(await client.request(2, { type: 'subscribe', channel: 'Not A Name' })).toMatchObject({
      type: 'error',
      id: 2,
      code: 'WS_BAD_MESSAGE',
    })
  })

  it("keeps a user's channel to that user, and the admin channel to admins", async () => {
    const harness = await startGateway()
    const anonymous = await connect(harness)
    const viewer = await connect(harness, { token: VIEWER.token })
    const other = await connect(harness, { token: OTHER.token })
    const admin = await connect(harness, { token: ADMIN.token })
    const own = userChannel(VIEWER.id)

    for (const stranger of [anonymous, other, admin]) {
      const answer = await stranger.request(1, { type: 'subscribe', channel: own })
      expect(answer).toMatchObject({ type: 'error', id: 1, code: 'WS_FORBIDDEN_CHANNEL' })
    }
    expect(await viewer.request(1, { type: 'subscribe', channel: own })).toMatchObject({ type: 'reply' })
    expect(await viewer.request(2, { type: 'subscribe', channel: ADMIN_CONTENT })).toMatchObject({
      code: 'WS_FORBIDDEN_CHANNEL',
    })
    expect(await admin.request(2, { type: 'subscribe', channel: ADMIN_CONTENT })).toMatchObject({
      type: 'reply',
    })

    harness.gateway.publish(own, { balanceSats: 5_000 })
    await viewer.waitFor((message) => message.type === 'event')
    for (const stranger of [anonymous, other, admin]) {
      await stranger.barrier()
      expect(stranger.events()).toEqual([])
    }
  })

  it('sends the snapshot first, then the events published while it loaded, then the reply', async () => {
    const harness = await startGateway()
    let release: (value: { count: number }) => void = () => {}
    harness.gateway.channel('counter', {
      authorize: allowEveryone,
      snapshot: () => new Promise((resolve) => (release = resolve)),
    })
    const client = await connect(harness)
    client.send({ id: 1, type: 'subscribe', channel: 'counter' })
    await delay(50)
    harness.gateway.publish('counter', { count: 2 })
    release({ count: 1 })
    await client.waitFor((message) => message.type === 'reply')
    expect(client.messages.slice(1)).toEqual([
      { type: 'event', channel: 'counter', data: { count: 1 }, seq: 0, snapshot: true },
      { type: 'event', channel: 'counter', data: { count: 2 }, seq: 1 },
      { type: 'reply', id: 1, ok: true, data: { channel: 'counter' } },
    ])
  })

  it('feeds a channel from a bus topic until the feed is stopped', async () => {
    const harness = await startGateway()
    const bus = new InProcessBus()
    const stop = harness.gateway.connectBus(bus, 'chain.block', (block) => ({
      channel: BLOCKS,
      data: { height: block.height },
    }))
    const client = await connect(harness)
    await client.request(1, { type: 'subscribe', channel: BLOCKS })
    const block = { height: 812_345, hash: 'h', prevHash: 'p', merkleRoot: 'm', time: 0, txCount: 1 }
    bus.publish('chain.block', block)
    await client.waitFor((message) => message.type === 'event')
    stop()
    bus.publish('chain.block', { ...block, height: 812_346 })
    await client.barrier()
    expect(client.events().map((event) => event.data)).toEqual([{ height: 812_345 }])
  })
})

describe('messages', () => {
  const SumBody = Type.Object({ a: Type.Integer(), b: Type.Integer() }, { additionalProperties: false })

  it('runs a registered handler and refuses a body that breaks its schema', async () => {
    const harness = await startGateway()
    harness.gateway.handle('sum.add', SumBody, async (context, { a, b }) => ({
      sum: a + b,
      userId: context.user?.id ?? null,
    }))
    const client = await connect(harness, { token: VIEWER.token })
    expect(await client.request(1, { type: 'sum.add', a: 2, b: 3 })).toEqual({
      type: 'reply',
      id: 1,
      ok: true,
      data: { sum: 5, userId: VIEWER.id },
    })
    const refused = await client.request(2, { type: 'sum.add', a: '2', b: 3 })
    expect(refused).toMatchObject({ type: 'error', id: 2, code: 'WS_BAD_MESSAGE' })
    expect((refused as ErrorMessage).message).toContain('/a')
    expect(await client.request(3, { type: 'sum.add', a: 2, b: 3, c: 4 })).toMatchObject({
      code: 'WS_BAD_MESSAGE',
    })
    expect(await client.request(4, { type: 'sum.subtract', a: 2 })).toMatchObject({ code: 'WS_UNKNOWN_TYPE' })
  })

  it('answers with the code a handler throws, and hides unexpected failures', async () => {
    const harness = await startGateway()
    harness.gateway.handle('watch.start', Type.Object({}), async () => {
      throw new AppError('INSUFFICIENT_FUNDS')
    })
    harness.gateway.handle('watch.confirm', Type.Object({}), async () => {
      throw new WsError('WS_FORBIDDEN_CHANNEL')
    })
    harness.gateway.handle('watch.stop', Type.Object({}), async () => {
      throw new Error('database password is hunter2')
    })
    const client = await connect(harness)
    expect(await client.request(1, { type: 'watch.start' })).toMatchObject({ code: 'INSUFFICIENT_FUNDS' })
    expect(await client.request(2, { type: 'watch.confirm' })).toMatchObject({ code: 'WS_FORBIDDEN_CHANNEL' })
    const hidden = (await client.request(3, { type: 'watch.stop' })) as ErrorMessage
    expect(hidden.code).toBe('WS_INTERNAL')
    expect(hidden.message).not.toContain('hunter2')
  })

  it('replies only to messages with an id, and runs close callbacks when the client leaves', async () => {
    const harness = await startGateway()
    let stopped = 0
    harness.gateway.handle('watch.start', Type.Object({}), async (context) => {
      context.onClose(() => {
        stopped += 1
      })
    })
    const client = await connect(harness)
    client.send({ type: 'watch.start' })
    expect(await client.request(1, { type: 'watch.start' })).toEqual({
      type: 'reply',
      id: 1,
      ok: true,
      data: null,
    })
    expect(client.messages.filter((message) => message.type === 'reply')).toHaveLength(1)
    client.socket.close()
    await client.closed
    await expect.poll(() => stopped).toBe(2)
  })

  it('answers malformed messages with WS_BAD_MESSAGE and keeps the connection', async () => {
    const harness = await startGateway()
    const client = await connect(harness)
    client.send('{not json')
    client.send('[1, 2]')
    client.send({ id: 5, kind: 'no type' })
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true })
    await client.barrier()
    const errors = client.errors()
    expect(errors.map((error) => error.code)).toEqual(Array(4).fill('WS_BAD_MESSAGE'))
    expect(errors[2]?.id).toBe(5)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
  })

  it('closes a connection that sends a message above the size limit with 1009', async () => {
    const harness = await startGateway()
    const client = await connect(harness)
    client.send({ type: 'ping', padding: 'x'.repeat(WS_MAX_MESSAGE_BYTES) })
    expect((await client.closed).code).toBe(WS_CLOSE.MESSAGE_TOO_BIG)
  })
})

describe('rate limit', () => {
  it('drops what exceeds the limit with WS_RATE_LIMITED and keeps the connection', async () => {
    // A stopped clock makes the count exact: no token comes back while the burst is read, however
    // slowly a loaded machine reads it. The next test uses the real clock.
    const clock = { nowMs: 0 }
    const rateLimiter = new TokenBucketLimiter({
      messagesPerSecond: MESSAGES_PER_SECOND,
      abuseMultiple: 5,
      now: () => clock.nowMs,
    })
    const harness = await startGateway({ rateLimiter })
    const client = await connect(harness)
    const burst = 150
    for (let id = 1; id <= burst; id++) client.send({ id, type: 'ping' })
    await expect.poll(() => client.messages.filter((message) => 'id' in message).length).toBe(burst)
    const limited = client.errors().filter((error) => error.code === 'WS_RATE_LIMITED')
    // Each refusal names the request it refuses, so a client can fail exactly that one.
    expect(limited.map((error) => error.id)).toEqual(range(MESSAGES_PER_SECOND + 1, burst))
    expect(harness.gateway.stats().messagesDropped).toBe(burst - MESSAGES_PER_SECOND)

    clock.nowMs += 100
    await client.barrier()
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
  })

  it('closes a client that floods five times the limit within a second with 1008', async () => {
    const harness = await startGateway()
    const client = await connect(harness)
    for (let i = 0; i < 6 * MESSAGES_PER_SECOND; i++) client.send({ type: 'ping' })
    expect((await client.closed).code).toBe(WS_CLOSE.POLICY_VIOLATION)
  })
})

describe('slow clients', () => {
  const EVENTS = 10_000
  /**
   * Large enough that 10,000 events (40 MB) overflow what the kernel's socket buffers take before
   * bufferedAmount grows: about 4 MB on loopback with Linux's default limits.
   */
  const PADDING = 'x'.repeat(4_000)

  it('sends a client that stops reading the latest state, not a backlog, in bounded memory', async () => {
    const highWaterBytes = 256 * 1024
    const harness = await startGateway({ highWaterBytes })
    const client = await connect(harness)
    await client.request(1, { type: 'subscribe', channel: BLOCKS })
    client.pauseReading()

    for (let n = 0; n < EVENTS; n++) harness.gateway.publish(BLOCKS, { n, padding: PADDING })
    // Keyed events are state of their own: a newer block event must not replace them.
    harness.gateway.publish(BLOCKS, { notice: 1 }, { key: 'notice:1' })
    harness.gateway.publish(BLOCKS, { notice: 2 }, { key: 'notice:2' })

    const frameBytes = Buffer.byteLength(
      JSON.stringify({
        type: 'event',
        channel: BLOCKS,
        data: { n: EVENTS, padding: PADDING },
        seq: EVENTS,
      }),
    )
    const peak = harness.gateway.stats()
    expect(peak.maxConnectionBytes).toBeLessThanOrEqual(highWaterBytes + 4 * frameBytes)
    expect(peak.queuedBytes).toBeLessThanOrEqual(frameBytes + 200)
    expect(peak.eventsCoalesced).toBeGreaterThan(EVENTS / 2)

    client.resumeReading()
    await client.waitFor(
      (message) => message.type === 'event' && (message.data as { notice?: number }).notice === 2,
      15_000,
    )
    const states = client.events().filter((event) => 'n' in (event.data as object))
    expect(states.length).toBeLessThan(EVENTS / 4)
    expect(states.at(-1)?.data).toMatchObject({ n: EVENTS - 1 })
    const seqs = client.events().map((event) => event.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(
      client
        .events()
        .map((event) => (event.data as { notice?: number }).notice)
        .filter(Boolean),
    ).toEqual([1, 2])
    expect(harness.gateway.stats().queuedBytes).toBe(0)
  })

  it('closes with 1013 a client whose replies stay above the hard cap', async () => {
    const harness = await startGateway({
      highWaterBytes: 16 * 1024,
      hardCapBytes: 64 * 1024,
      slowClientTimeoutMs: 100,
      backlogPollMs: 10,
    })
    harness.gateway.handle('big', Type.Object({}), async () => 'y'.repeat(3_000))
    const client = await connect(harness)
    await client.request(1, { type: 'subscribe', channel: BLOCKS })
    client.pauseReading()
    // Fill the kernel's buffers first: the cap only concerns what they could not take.
    for (let n = 0; n < EVENTS; n++) harness.gateway.publish(BLOCKS, { n, padding: PADDING })
    for (let id = 10; id < 50; id++) client.send({ id, type: 'big' })
    await expect.poll(() => harness.gateway.stats().connectionsClosedByServer, { timeout: 3_000 }).toBe(1)
    client.resumeReading()
    expect((await client.closed).code).toBe(WS_CLOSE.TRY_AGAIN_LATER)
  })
})

describe('throttled channel', () => {
  it('publishes at most once per interval and always ends on the latest value', async () => {
    const intervalMs = 200
    const harness = await startGateway()
    const publishRound = harness.gateway.throttledChannel(ROUND, intervalMs)
    harness.gateway.channel(ROUND, { authorize: allowEveryone })
    const client = await connect(harness)
    await client.request(1, { type: 'subscribe', channel: ROUND })

    for (let n = 1; n <= 50; n++) publishRound({ n })
    await delay(intervalMs + 50)
    for (let n = 51; n <= 60; n++) harness.gateway.publish(ROUND, { n })
    await client.waitFor((message) => message.type === 'event' && (message.data as { n: number }).n === 60)

    const events = client.received.filter((entry) => entry.message.type === 'event')
    expect(events.map((entry) => (entry.message as EventMessage).data)).toEqual([
      { n: 1 },
      { n: 50 },
      { n: 60 },
    ])
    for (let i = 1; i < events.length; i++) {
      // A few ms of slack for timer and socket scheduling between the server and this client.
      expect(events[i]!.atMs - events[i - 1]!.atMs).toBeGreaterThanOrEqual(intervalMs - 15)
    }
  })
})

describe('liveness and sessions', () => {
  it('cuts off a client that stops answering pings, and keeps one that answers', async () => {
    const harness = await startGateway({ heartbeatIntervalMs: 100 })
    const dead = await connect(harness, { autoPong: false })
    const alive = await connect(harness)
    const started = performance.now()
    expect((await dead.closed).code).toBe(1006)
    expect(performance.now() - started).toBeLessThan(1_000)
    await delay(250)
    expect(alive.socket.readyState).toBe(WebSocket.OPEN)
  })

  it('pings only the clients it has not heard from lately, and keeps both', async () => {
    const harness = await startGateway({ heartbeatIntervalMs: 100 })
    const chatty = await connect(harness)
    const quiet = await connect(harness)
    const pings = { chatty: 0, quiet: 0 }
    chatty.socket.on('ping', () => pings.chatty++)
    quiet.socket.on('ping', () => pings.quiet++)
    // The chatty client sends a message every 20 ms (a watching viewer confirms every second).
    for (let n = 0; n < 25; n++) {
      chatty.socket.send(JSON.stringify({ type: 'ping', id: 1_000 + n }))
      await delay(20)
    }
    expect(pings.quiet).toBeGreaterThanOrEqual(3)
    expect(pings.chatty).toBe(0)
    expect(chatty.socket.readyState).toBe(WebSocket.OPEN)
    expect(quiet.socket.readyState).toBe(WebSocket.OPEN)
  })

  it('checks a crowd of connections at each heartbeat, pinging every quiet one', async () => {
    const harness = await startGateway({ heartbeatIntervalMs: 100 })
    // More than one heartbeat slice (500), so the later slices run on later turns.
    const crowd = await Promise.all(Array.from({ length: 700 }, () => connect(harness)))
    const pinged = new Set<number>()
    for (const [index, client] of crowd.entries()) client.socket.on('ping', () => pinged.add(index))
    await delay(350)
    expect(pinged.size).toBe(crowd.length)
    for (const client of crowd) client.socket.terminate()
  })

  it('closes an anonymous connection without subscriptions once idle, and no other', async () => {
    const harness = await startGateway({ heartbeatIntervalMs: 50, anonymousIdleTimeoutMs: 150 })
    const idle = await connect(harness)
    const watching = await connect(harness)
    await watching.request(1, { type: 'subscribe', channel: BLOCKS })
    const signedIn = await connect(harness, { token: VIEWER.token })
    expect((await idle.closed).code).toBe(WS_CLOSE.IDLE)
    await delay(200)
    expect(watching.socket.readyState).toBe(WebSocket.OPEN)
    expect(signedIn.socket.readyState).toBe(WebSocket.OPEN)
  })

  it('closes a connection when its session expires', async () => {
    const harness = await startGateway({ heartbeatIntervalMs: 50 })
    const shortLived = { id: 'user-brief', role: 'viewer' as const, token: 's'.repeat(43) }
    harness.sessions.add(shortLived, new Date(Date.now() + 200))
    const client = await connect(harness, { token: shortLived.token })
    expect((await client.closed).code).toBe(WS_CLOSE.SESSION_ENDED)
  })

  it('closes a connection whose session was revoked, at the next re-check', async () => {
    const harness = await startGateway({ heartbeatIntervalMs: 50, sessionRecheckMs: 100 })
    const client = await connect(harness, { token: VIEWER.token })
    const other = await connect(harness, { token: OTHER.token })
    harness.sessions.revoke(VIEWER.token)
    expect((await client.closed).code).toBe(WS_CLOSE.SESSION_ENDED)
    expect(other.socket.readyState).toBe(WebSocket.OPEN)
  })
})

describe('operations', () => {
  it('exports connection and message metrics', async () => {
    const registry = new Registry()
    const harness = await startGateway({ registry })
    const client = await connect(harness)
    await client.barrier()
    const metrics = await registry.metrics()
    expect(metrics).toMatch(/^ws_connections 1$/m)
    expect(metrics).toMatch(/^ws_messages_received_total 1$/m)
    expect(metrics).toMatch(/^ws_messages_sent_total\{type="pong"\} 1$/m)
  })

  it('closes every connection with 1001 on shutdown and accepts no more', async () => {
    const harness = await startGateway()
    const clients = [await connect(harness), await connect(harness, { token: ADMIN.token })]
    await harness.gateway.close()
    for (const client of clients) expect((await client.closed).code).toBe(WS_CLOSE.GOING_AWAY)
    expect(harness.gateway.stats().connections).toBe(0)
    const late = clientSocket(harness, {})
    await new Promise((resolve) => late.on('error', resolve))
    expect(late.readyState).not.toBe(WebSocket.OPEN)
  })
})
