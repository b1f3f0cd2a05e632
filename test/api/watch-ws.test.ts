/**
 * The watch protocol (contracts/watch.ts) over a real WebSocket: the gateway on a node:http
 * server with the watch handlers, a WatchService on a real database and a simulated clock (flushes
 * run when the test says). It proves: an anonymous connection may not watch (UNAUTHORIZED);
 * watch.start answers a session, a signed media URL and the rules; each confirmation is answered
 * with the session's state, and the charge follows at the flush; another viewer's session is
 * WATCH_SESSION_NOT_FOUND; a malformed body is WS_BAD_MESSAGE and moves nothing; watch.stop
 * answers the final state with the balance down by exactly the charge; closing the connection
 * ends the sessions it started and charges what was confirmed.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { WatchSessionView, WatchStartReply } from '../../contracts/watch.ts'
import { type ServerMessage, WS_PATH } from '../../contracts/ws.ts'
import { attachGateway, type Gateway } from '../../src/http/ws/gateway.ts'
import { registerWatchHandlers } from '../../src/http/ws/watch-handlers.ts'
import { userAccountId } from '../../src/ledger/accounts.ts'
import type { ActiveSession } from '../../src/services/auth/auth.service.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { WatchWorld } from '../support/watch-world.ts'

let db: TestDb
let world: WatchWorld
let server: http.Server
let gateway: Gateway
let url: string
let height = 500
const tokens = new Map<string, ActiveSession>()

function tokenFor(userId: string): string {
  const token = `t${userId.replaceAll('-', '')}`.padEnd(43, 'x')
  tokens.set(token, {
    user: { id: userId, role: 'viewer', address: null, identityKey: null, createdAt: new Date(0) },
    expiresAt: new Date(Date.now() + 3_600_000),
  })
  return token
}

class Client {
  private nextId = 1
  private readonly waiting = new Map<number, (m: ServerMessage) => void>()
  readonly events: ServerMessage[] = []
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as ServerMessage
      const id = 'id' in message ? message.id : undefined
      if (id !== undefined && this.waiting.has(id)) {
        this.waiting.get(id)!(message)
        this.waiting.delete(id)
      } else this.events.push(message)
    })
  }

  static async open(token?: string): Promise<Client> {
    const ws = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    const client = new Client(ws)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    return client
  }

  request(type: string, body: Record<string, unknown>): Promise<ServerMessage> {
    const id = this.nextId++
    const answer = new Promise<ServerMessage>((resolve) => this.waiting.set(id, resolve))
    this.ws.send(JSON.stringify({ id, type, ...body }))
    return answer
  }

  async data<T>(type: string, body: Record<string, unknown>): Promise<T> {
    const answer = await this.request(type, body)
    if (answer.type !== 'reply') throw new Error(`expected a reply, got ${JSON.stringify(answer)}`)
    return answer.data as T
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

async function assignedMeme(): Promise<string> {
  const creator = await world.newUser()
  const memeId = await world.approvedMeme(creator)
  height += 1
  await world.block(height)
  return memeId
}

beforeAll(async () => {
  db = await openTestDb()
  world = await new WatchWorld(db).init()
  server = http.createServer()
  gateway = attachGateway(server, {
    sessions: { resolveSession: async (token) => tokens.get(token) ?? null },
    messagesPerSecond: 100,
  })
  registerWatchHandlers(gateway, world.watch)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}${WS_PATH}`
})
afterAll(async () => {
  await gateway?.close()
  await new Promise((resolve) => server?.close(resolve))
  await db?.close()
})

describe('the watch protocol', () => {
  it('refuses an anonymous connection', async () => {
    const memeId = await assignedMeme()
    const anonymous = await Client.open()
    expect(await anonymous.request('watch.start', { memeId })).toMatchObject({
      type: 'error',
      code: 'UNAUTHORIZED',
    })
    await anonymous.close()
  })

  it('starts, confirms, charges at the flush, and stops with the balance down by exactly the charge', async () => {
    const memeId = await assignedMeme()
    const viewer = await world.newUser(500)
    const client = await Client.open(tokenFor(viewer))
    const started = await client.data<WatchStartReply>('watch.start', { memeId })
    expect(started).toMatchObject({
      session: { state: 'active', confirmedSeconds: 0, chargedSats: 0, rateSats: 1, endReason: null },
      minBillableSeconds: 3,
      maxSeconds: 3600,
      confirmTimeoutMs: 3000,
    })
    expect(started.media.url).toContain(memeId)
    const sessionId = started.session.sessionId
    let view: WatchSessionView | undefined
    for (let second = 0; second < 12; second++) {
      world.clock.advance(1000)
      view = await client.data<WatchSessionView>('watch.confirm', { sessionId })
      await world.watch.flush()
    }
    expect(view).toMatchObject({ confirmedSeconds: 12, chargedSeconds: 11 })
    const stopping = client.data<WatchSessionView>('watch.stop', { sessionId })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await world.watch.flush()
    const final = await stopping
    expect(final).toMatchObject({ state: 'ended', endReason: 'stopped', chargedSats: 12, availableSats: 488 })
    expect(await world.balance(viewer)).toBe(488)
    expect(await client.request('watch.confirm', { sessionId })).toMatchObject({
      type: 'error',
      code: 'WATCH_SESSION_NOT_FOUND',
    })
    await client.close()
  })

  it("keeps a viewer out of another viewer's session and refuses malformed bodies", async () => {
    const memeId = await assignedMeme()
    const owner = await world.newUser(500)
    const intruder = await world.newUser(500)
    const a = await Client.open(tokenFor(owner))
    const b = await Client.open(tokenFor(intruder))
    const { session } = await a.data<WatchStartReply>('watch.start', { memeId })
    expect(await b.request('watch.confirm', { sessionId: session.sessionId })).toMatchObject({
      code: 'WATCH_SESSION_NOT_FOUND',
    })
    expect(await b.request('watch.stop', { sessionId: session.sessionId })).toMatchObject({
      code: 'WATCH_SESSION_NOT_FOUND',
    })
    expect(await b.request('watch.start', { memeId: 42 })).toMatchObject({ code: 'WS_BAD_MESSAGE' })
    expect(await b.request('watch.confirm', { sessionId: 'has spaces' })).toMatchObject({
      code: 'WS_BAD_MESSAGE',
    })
    expect(await b.request('watch.start', { memeId: 'm_unknown' })).toMatchObject({ code: 'NOT_FOUND' })
    expect(await world.ctx.available(userAccountId(intruder))).toBe(500)
    await a.close()
    await b.close()
  })

  it('ends the sessions of a connection that closes, charging what was confirmed', async () => {
    const memeId = await assignedMeme()
    const viewer = await world.newUser(500)
    const client = await Client.open(tokenFor(viewer))
    const { session } = await client.data<WatchStartReply>('watch.start', { memeId })
    for (let second = 0; second < 5; second++) {
      world.clock.advance(1000)
      await client.data('watch.confirm', { sessionId: session.sessionId })
    }
    await client.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    await world.watch.flush()
    const ended = world.ended.find((e) => e.view.sessionId === session.sessionId)
    expect(ended?.view).toMatchObject({ endReason: 'disconnected', chargedSats: 5 })
    expect(await world.balance(viewer)).toBe(495)
  })
})
