/**
 * The admin:content channel over a real WebSocket (SPEC 8 "for admins the processing queue"),
 * registered and fed by attachAdminContentChannel as src/rounds.ts does, on a real database:
 * an admin's subscription starts with an empty snapshot (the page's cue to read its lists), then
 * each content.meme message on the bus arrives as the meme's full admin view with the progress
 * the message carried, in order; a viewer and an anonymous socket are refused the channel; and
 * with no admin subscribed nothing is read from the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { AdminMemeView } from '../../contracts/content.ts'
import { type ServerMessage, WS_CHANNELS } from '../../contracts/ws.ts'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { AdminMemeViews } from '../../src/http/routes/content.ts'
import type { ActiveSession } from '../../src/services/auth/auth.service.ts'
import { attachAdminContentChannel } from '../../src/services/content/admin-content-channel.ts'
import { MemesRepository } from '../../src/services/content/memes.repository.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { type ListeningGateway, listenGateway } from '../support/gateway.ts'
import { eventually } from '../support/wait.ts'
import { WatchWorld } from '../support/watch-world.ts'

const CHANNEL = WS_CHANNELS.adminContent
const ADMIN_TOKEN = 'a'.repeat(43)
const VIEWER_TOKEN = 'v'.repeat(43)

let db: TestDb
let world: WatchWorld
let listening: ListeningGateway
let url: string
let stopFeed: () => void
let loads = 0
const bus = new InProcessBus()

function session(id: string, role: 'viewer' | 'admin'): ActiveSession {
  return {
    user: { id, role, address: null, identityKey: null, createdAt: new Date(0) },
    expiresAt: new Date(Date.now() + 3_600_000),
  }
}

class Socket {
  readonly messages: ServerMessage[] = []
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => this.messages.push(JSON.parse(String(raw)) as ServerMessage))
  }

  static async open(token?: string): Promise<Socket> {
    const ws = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    const socket = new Socket(ws)
    await eventually('hello', () => socket.messages.some((m) => m.type === 'hello'))
    return socket
  }

  /** Subscribes and returns the answer: a reply, or an error with its code. */
  async subscribe(id: number): Promise<ServerMessage> {
    this.ws.send(JSON.stringify({ id, type: 'subscribe', channel: CHANNEL }))
    await eventually('the answer', () => this.answer(id) !== undefined)
    return this.answer(id)!
  }

  events(): Array<{ data: unknown; snapshot: boolean }> {
    return this.messages.flatMap((m) =>
      m.type === 'event' && m.channel === CHANNEL ? [{ data: m.data, snapshot: m.snapshot === true }] : [],
    )
  }

  close(): void {
    this.ws.close()
  }

  private answer(id: number): ServerMessage | undefined {
    return this.messages.find((m) => (m.type === 'reply' || m.type === 'error') && m.id === id)
  }
}

beforeAll(async () => {
  db = await openTestDb()
  world = await new WatchWorld(db).init()
  const views = new AdminMemeViews(new MemesRepository(db.kysely), bus)
  listening = await listenGateway({
    sessions: {
      resolveSession: async (token) =>
        token === ADMIN_TOKEN
          ? session('admin-1', 'admin')
          : token === VIEWER_TOKEN
            ? session('viewer-1', 'viewer')
            : null,
    },
  })
  url = listening.url
  const counted = {
    load: (memeId: string, progress?: number | null) => {
      loads++
      return views.load(memeId, progress)
    },
  }
  stopFeed = attachAdminContentChannel(listening.gateway, bus, counted)
})
afterAll(async () => {
  stopFeed?.()
  await listening?.close()
  await db?.close()
})

describe('the admin:content channel', () => {
  it('reads nothing while no admin listens', async () => {
    const creator = await world.newUser()
    const memeId = await world.approvedMeme(creator)
    bus.publish('content.meme', { memeId, progress: 0.5 })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(loads).toBe(0)
  })

  it('refuses viewers and anonymous sockets', async () => {
    for (const token of [VIEWER_TOKEN, undefined]) {
      const socket = await Socket.open(token)
      expect(await socket.subscribe(1)).toMatchObject({ type: 'error', code: 'WS_FORBIDDEN_CHANNEL' })
      socket.close()
    }
  })

  it('gives an admin an empty snapshot, then each change as the meme’s full view, in order', async () => {
    const creator = await world.newUser()
    const memeId = await world.approvedMeme(creator)
    const admin = await Socket.open(ADMIN_TOKEN)
    expect(await admin.subscribe(1)).toMatchObject({ type: 'reply', ok: true })
    await eventually('the snapshot', () => admin.events().length === 1)
    expect(admin.events()[0]).toEqual({ data: null, snapshot: true })

    for (const progress of [0.25, 0.75, null]) bus.publish('content.meme', { memeId, progress })
    await eventually('three events', () => admin.events().length === 4)
    const views = admin
      .events()
      .slice(1)
      .map((event) => event.data as AdminMemeView)
    expect(views.map((view) => view.progress)).toEqual([0.25, 0.75, null])
    for (const view of views) {
      expect(view).toMatchObject({ id: memeId, state: 'approved', creator: { id: creator } })
      expect(view.original.url).toMatch(/^\/api\/v1\/media\/[0-9a-f]{64}\.\w+$/)
    }
    expect(
      admin
        .events()
        .slice(1)
        .every((event) => !event.snapshot),
    ).toBe(true)
    admin.close()
  })
})
