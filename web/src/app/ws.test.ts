/**
 * Proves the shared WebSocket client against a fake socket: backoff grows and is jittered within
 * its bounds; replies and errors reach the request with the same id, and a drop rejects what was
 * sent; channels are subscribed once however many listen, unsubscribed when the last leaves, and
 * subscribed again after a reconnect; a change of signed-in user replaces the connection; and the
 * constants copied from contracts/ws.ts still match it.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import * as contract from '../../../contracts/ws.ts'
import {
  reconnectDelayMs,
  type SocketHandlers,
  userChannel,
  WS_CHANNELS,
  WS_CLOSE,
  WS_PATH,
  WS_RECONNECT_BASE_MS,
  WS_RECONNECT_MAX_MS,
  WsClient,
  type WsRequestError,
} from './ws.ts'

interface FakeSocket {
  url: string
  handlers: SocketHandlers
  sent: Record<string, unknown>[]
  closedWith: number | undefined
  /** The server's side: say hello as `user`. */
  hello(user?: { id: string; role: string } | null): void
  receive(message: Record<string, unknown>): void
  /** The server (or the network) closes it. */
  drop(code?: number): void
}

function fakeNetwork() {
  const sockets: FakeSocket[] = []
  const client = new WsClient({
    url: () => 'ws://test/api/v1/ws',
    random: () => 0.5,
    now: () => Date.parse('2025-01-01T00:00:00.000Z'),
    createSocket: (url, handlers) => {
      const socket: FakeSocket = {
        url,
        handlers,
        sent: [],
        closedWith: undefined,
        hello: (user = null) =>
          handlers.message(JSON.stringify({ type: 'hello', user, serverTime: '2025-01-01T00:00:02.000Z' })),
        receive: (message) => handlers.message(JSON.stringify(message)),
        drop: (code = 1006) => handlers.close(code, ''),
      }
      sockets.push(socket)
      return {
        send: (text) => socket.sent.push(JSON.parse(text) as Record<string, unknown>),
        close: (code) => {
          socket.closedWith = code
        },
      }
    },
  })
  const last = () => {
    const socket = sockets.at(-1)
    if (!socket) throw new Error('no socket was opened')
    return socket
  }
  const sentOfType = (socket: FakeSocket, type: string) => socket.sent.filter((m) => m.type === type)
  return { client, sockets, last, sentOfType }
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('reconnectDelayMs', () => {
  test('doubles per attempt up to the cap, with half of it jittered', () => {
    expect(reconnectDelayMs(0, () => 0)).toBe(WS_RECONNECT_BASE_MS / 2)
    expect(reconnectDelayMs(0, () => 1)).toBe(WS_RECONNECT_BASE_MS)
    expect(reconnectDelayMs(3, () => 0)).toBe((WS_RECONNECT_BASE_MS * 8) / 2)
    expect(reconnectDelayMs(50, () => 1)).toBe(WS_RECONNECT_MAX_MS)
    expect(reconnectDelayMs(50, () => 0)).toBe(WS_RECONNECT_MAX_MS / 2)
  })

  test('stays within [half, all] of the capped delay for any random value', () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const capped = Math.min(WS_RECONNECT_MAX_MS, WS_RECONNECT_BASE_MS * 2 ** attempt)
      for (const r of [0, 0.1, 0.5, 0.99]) {
        const delay = reconnectDelayMs(attempt, () => r)
        expect(delay).toBeGreaterThanOrEqual(capped / 2)
        expect(delay).toBeLessThanOrEqual(capped)
      }
    }
  })
})

describe('requests', () => {
  test('connects lazily and sends queued requests after hello, flat with an id', async () => {
    const { client, sockets, last } = fakeNetwork()
    expect(sockets).toHaveLength(0)
    const answer = client.request('watch.start', { memeId: 'm1' })
    expect(sockets).toHaveLength(1)
    expect(last().sent).toEqual([])
    last().hello({ id: 'u1', role: 'viewer' })
    expect(last().sent).toEqual([{ id: 1, type: 'watch.start', memeId: 'm1' }])
    expect(client.getState()).toMatchObject({ status: 'open', user: { id: 'u1' }, clockSkewMs: 2_000 })
    last().receive({ type: 'reply', id: 1, ok: true, data: { sessionId: 's1' } })
    await expect(answer).resolves.toEqual({ sessionId: 's1' })
  })

  test('each answer reaches the request with its id, in whatever order they come', async () => {
    const { client, last } = fakeNetwork()
    const first = client.request('a')
    const second = client.request('b')
    last().hello()
    last().receive({ type: 'error', id: 2, code: 'INSUFFICIENT_FUNDS', message: 'low' })
    last().receive({ type: 'reply', id: 1, ok: true, data: 'one' })
    // An answer to no one is ignored.
    last().receive({ type: 'reply', id: 99, ok: true, data: 'stray' })
    await expect(first).resolves.toBe('one')
    await expect(second).rejects.toEqual({ code: 'INSUFFICIENT_FUNDS', message: 'low' })
  })

  test('a drop rejects what was sent; what was not yet sent waits for the next connection', async () => {
    const { client, sockets, last } = fakeNetwork()
    client.subscribe('round', () => {})
    sockets[0]?.hello()
    const sent = client.request('watch.confirm', { sessionId: 's1' })
    sockets[0]?.drop()
    await expect(sent).rejects.toMatchObject({ code: 'WS_DISCONNECTED' })
    const waiting = client.request('watch.start', { memeId: 'm1' })
    await vi.advanceTimersByTimeAsync(WS_RECONNECT_BASE_MS)
    expect(sockets).toHaveLength(2)
    last().hello()
    const start = last().sent.find((message) => message.type === 'watch.start')
    expect(start).toBeDefined()
    last().receive({ type: 'reply', id: start?.id, ok: true, data: 'started' })
    await expect(waiting).resolves.toBe('started')
  })

  test('a request nobody answers times out', async () => {
    const { client, last } = fakeNetwork()
    const answer = client.request('watch.stop', {}, 1_000)
    last().hello()
    const caught = answer.catch((error: WsRequestError) => error)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(await caught).toMatchObject({ code: 'WS_TIMEOUT' })
  })
})

describe('subscriptions', () => {
  test('are counted: one subscribe for many listeners, one unsubscribe when the last leaves', () => {
    const { client, last, sentOfType } = fakeNetwork()
    const heard: unknown[] = []
    const leaveA = client.subscribe('round', (data) => heard.push(['a', data]))
    const leaveB = client.subscribe('round', (data) => heard.push(['b', data]))
    last().hello()
    expect(sentOfType(last(), 'subscribe')).toEqual([{ id: 1, type: 'subscribe', channel: 'round' }])
    last().receive({ type: 'event', channel: 'round', data: 1, seq: 0, snapshot: true })
    expect(heard).toEqual([
      ['a', 1],
      ['b', 1],
    ])
    leaveA()
    leaveA()
    expect(sentOfType(last(), 'unsubscribe')).toEqual([])
    last().receive({ type: 'event', channel: 'round', data: 2, seq: 1 })
    expect(heard.at(-1)).toEqual(['b', 2])
    leaveB()
    expect(sentOfType(last(), 'unsubscribe')).toEqual([{ id: 2, type: 'unsubscribe', channel: 'round' }])
    expect(client.channelNames).toEqual([])
    last().receive({ type: 'event', channel: 'round', data: 3, seq: 2 })
    expect(heard).toHaveLength(3)
  })

  test('pass the snapshot flag and seq to listeners', () => {
    const { client, last } = fakeNetwork()
    const metas: unknown[] = []
    client.subscribe('blocks', (_data, meta) => metas.push(meta))
    last().hello()
    last().receive({ type: 'event', channel: 'blocks', data: {}, seq: 4, snapshot: true })
    last().receive({ type: 'event', channel: 'blocks', data: {}, seq: 6 })
    expect(metas).toEqual([
      { seq: 4, snapshot: true },
      { seq: 6, snapshot: false },
    ])
  })

  test('are subscribed again after a reconnect, with backoff between failed attempts', async () => {
    const { client, sockets, last, sentOfType } = fakeNetwork()
    client.subscribe('round', () => {})
    client.subscribe('blocks', () => {})
    last().hello()
    last().drop(WS_CLOSE.GOING_AWAY)
    expect(client.getState().status).toBe('reconnecting')
    // random() is 0.5: three quarters of the capped delay.
    await vi.advanceTimersByTimeAsync(374)
    expect(sockets).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sockets).toHaveLength(2)
    // This attempt fails before hello: the next wait doubles.
    last().drop()
    await vi.advanceTimersByTimeAsync(749)
    expect(sockets).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(sockets).toHaveLength(3)
    last().hello()
    expect(sentOfType(last(), 'subscribe').map((m) => m.channel)).toEqual(['round', 'blocks'])
    // A good connection resets the backoff.
    last().drop()
    await vi.advanceTimersByTimeAsync(375)
    expect(sockets).toHaveLength(4)
  })

  test('a refused subscription is reported to its listeners and kept for the next connection', async () => {
    const { client, last } = fakeNetwork()
    const errors: WsRequestError[] = []
    client.subscribe(
      'user:u1',
      () => {},
      (error) => errors.push(error),
    )
    last().hello(null)
    last().receive({ type: 'error', id: 1, code: 'WS_FORBIDDEN_CHANNEL', message: 'no' })
    await vi.advanceTimersByTimeAsync(0)
    expect(errors).toEqual([{ code: 'WS_FORBIDDEN_CHANNEL', message: 'no' }])
    expect(client.channelNames).toEqual(['user:u1'])
  })

  test('nothing to listen to: a closed connection is not reopened', async () => {
    const { client, sockets, last } = fakeNetwork()
    const leave = client.subscribe('round', () => {})
    last().hello()
    leave()
    last().drop(WS_CLOSE.IDLE)
    await vi.advanceTimersByTimeAsync(WS_RECONNECT_MAX_MS)
    expect(sockets).toHaveLength(1)
    expect(client.getState().status).toBe('idle')
  })
})

describe('identity', () => {
  test('a new signed-in user replaces an open connection; the same user keeps it', () => {
    const { client, sockets, last, sentOfType } = fakeNetwork()
    client.subscribe('round', () => {})
    client.identify(null)
    last().hello(null)
    client.identify(null)
    expect(sockets).toHaveLength(1)
    client.identify('u1')
    expect(sockets[0]?.closedWith).toBe(4000)
    expect(sockets).toHaveLength(2)
    last().hello({ id: 'u1', role: 'viewer' })
    expect(sentOfType(last(), 'subscribe').map((m) => m.channel)).toEqual(['round'])
    expect(client.getState().user).toEqual({ id: 'u1', role: 'viewer' })
  })

  test('a hello that answers for the user of before is replaced once', () => {
    const { client, sockets, last } = fakeNetwork()
    client.subscribe('round', () => {})
    client.identify('u1')
    last().hello({ id: 'u1', role: 'viewer' })
    client.identify('u2')
    expect(sockets).toHaveLength(2)
    // Still connecting when the user changes again: this hello is stale.
    client.identify(null)
    last().hello({ id: 'u2', role: 'viewer' })
    expect(sockets).toHaveLength(3)
    // The server says anonymous, as expected: kept, and no loop.
    last().hello(null)
    expect(sockets).toHaveLength(3)
    expect(client.getState().status).toBe('open')
  })

  test('a session that ended on the server is reported by its close code', () => {
    const { client, last } = fakeNetwork()
    const codes: number[] = []
    client.onClose((code) => codes.push(code))
    client.subscribe('round', () => {})
    last().hello({ id: 'u1', role: 'viewer' })
    last().drop(WS_CLOSE.SESSION_ENDED)
    expect(codes).toEqual([WS_CLOSE.SESSION_ENDED])
  })
})

describe('heartbeat', () => {
  test('a ping left unanswered replaces the connection', async () => {
    const { client, sockets, last, sentOfType } = fakeNetwork()
    client.subscribe('round', () => {})
    last().hello()
    await vi.advanceTimersByTimeAsync(25_000)
    const ping = sentOfType(last(), 'ping')[0]
    expect(ping).toMatchObject({ type: 'ping' })
    last().receive({ type: 'pong', id: ping?.id, serverTime: '2025-01-01T00:00:00.000Z' })
    await vi.advanceTimersByTimeAsync(25_000 + 10_000)
    expect(sockets).toHaveLength(2)
  })
})

describe('contract', () => {
  test('the copied constants match contracts/ws.ts', () => {
    expect(WS_PATH).toBe(contract.WS_PATH)
    expect(WS_CHANNELS.round).toBe(contract.WS_CHANNELS.round)
    expect(WS_CHANNELS.blocks).toBe(contract.WS_CHANNELS.blocks)
    expect(WS_CHANNELS.adminContent).toBe(contract.WS_CHANNELS.adminContent)
    expect(userChannel('42')).toBe(contract.userChannel('42'))
    expect(WS_CLOSE).toEqual(contract.WS_CLOSE)
  })
})
