/**
 * The baseline of bench/viewers: a bare `ws` server that answers every message at once with a
 * reply of the size and shape the real gateway sends (a hello on connecting, a WatchStartReply
 * to watch.start, a WatchSessionView to watch.confirm, a pong to ping), and does nothing else:
 * no authentication, no validation beyond JSON.parse, no billing. What the gateway costs above
 * this is the price of everything the server does per viewer.
 *
 *   PORT=0 node --import tsx bench/viewers/echo-server.ts     prints `listening <port>`
 */
import { WebSocketServer } from 'ws'

const port = Number(process.env.PORT ?? 0)
const host = process.env.HOST ?? '127.0.0.1'

const wss = new WebSocketServer({ host, port, perMessageDeflate: false, maxPayload: 4096 })

function view(sessionId: string, confirmed: number) {
  return {
    sessionId,
    memeId: 'bench-meme-0',
    state: 'active',
    rateSats: 1,
    confirmedSeconds: confirmed,
    chargedSeconds: Math.max(0, confirmed - 1),
    chargedSats: Math.max(0, confirmed - 1),
    availableSats: 100_000 - confirmed,
    lowBalance: false,
    endReason: null,
  }
}

let sessions = 0

wss.on('connection', (socket) => {
  let sessionId = ''
  let confirmed = 0
  socket.send(
    JSON.stringify({
      type: 'hello',
      user: { id: 'bench-viewer', role: 'viewer' },
      serverTime: new Date().toISOString(),
    }),
  )
  socket.on('message', (raw) => {
    let message: { id?: number; type?: string }
    try {
      message = JSON.parse(raw.toString())
    } catch {
      return
    }
    const id = message.id
    if (message.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong', id, serverTime: new Date().toISOString() }))
    } else if (message.type === 'watch.start') {
      sessionId = `s${(sessions++).toString(36)}-echo-session-0123456789`
      confirmed = 0
      socket.send(
        JSON.stringify({
          type: 'reply',
          id,
          ok: true,
          data: {
            session: view(sessionId, 0),
            media: {
              url: `/media/${'0'.repeat(64)}.webp?token=${'x'.repeat(120)}`,
              mp4Url: null,
              posterUrl: `/media/${'0'.repeat(64)}.png`,
              expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
            },
            title: 'bench meme',
            minBillableSeconds: 3,
            maxSeconds: 3600,
            confirmTimeoutMs: 3000,
          },
        }),
      )
    } else {
      confirmed += 1
      socket.send(JSON.stringify({ type: 'reply', id, ok: true, data: view(sessionId, confirmed) }))
    }
  })
  socket.on('error', () => {})
})

wss.on('listening', () => {
  const address = wss.address()
  const actual = typeof address === 'string' || address === null ? address : address.port
  process.stdout.write(`listening ${actual}\n`)
})

process.on('SIGTERM', () => {
  for (const client of wss.clients) client.terminate()
  wss.close(() => process.exit(0))
})
