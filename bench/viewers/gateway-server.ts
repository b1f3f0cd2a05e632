/**
 * A middle layer for bench/viewers (`--server gateway`): the real WebSocket gateway, with real
 * session lookups in the configured database (same environment variables as src/main.ts), but
 * with watch handlers that only count in memory: no ledger, no database write per second. Run
 * beside the echo baseline and the full server, it splits the full server's cost into what the
 * gateway itself takes and what watching (sessions, billing, the ledger) adds. It also serves to
 * test the harness before the real watch service is wired into src/main.ts.
 *
 *   PORT=0 DATA_DIR=... node --import tsx bench/viewers/gateway-server.ts   prints `listening <port>`
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WatchSessionBody, type WatchSessionView, WatchStartBody } from '../../contracts/watch.ts'
import { openConfiguredDatabase } from '../../src/bootstrap.ts'
import { loadConfig } from '../../src/config.ts'
import { attachGateway, WsError } from '../../src/http/ws/gateway.ts'
import { AuthService } from '../../src/services/auth/auth.service.ts'

const config = loadConfig()
const db = await openConfiguredDatabase(config)
const auth = new AuthService({
  db: db.kysely,
  siteName: config.siteName,
  publicUrl: config.publicUrl,
  chain: config.chain,
  admins: config.admins,
  sessionTtlMs: config.sessionTtlHours * 3_600_000,
  firstUserIsAdmin: false,
})
const server = http.createServer((_request, response) => response.writeHead(404).end())
const gateway = attachGateway(server, {
  sessions: auth,
  messagesPerSecond: config.rateLimit.wsMessagesPerSecond,
})

interface StubSession {
  view: WatchSessionView
  userId: string
  startedAtMs: number
}

const sessions = new Map<string, StubSession>()
let nextSession = 0
const minBillable = config.money.minBillableSeconds

gateway.handle('watch.start', WatchStartBody, async (context, { memeId }) => {
  if (context.user === null) throw new WsError('WS_FORBIDDEN_CHANNEL')
  const sessionId = `stub-${(nextSession++).toString(36)}`
  const view: WatchSessionView = {
    sessionId,
    memeId,
    state: 'active',
    rateSats: config.money.viewRateSatsPerSecond,
    confirmedSeconds: 0,
    chargedSeconds: 0,
    chargedSats: 0,
    availableSats: 100_000,
    lowBalance: false,
    endReason: null,
  }
  sessions.set(sessionId, { view, userId: context.user.id, startedAtMs: Date.now() })
  context.onClose(() => sessions.delete(sessionId))
  return {
    session: view,
    media: {
      url: `/media/${'0'.repeat(64)}.webp?token=${'x'.repeat(120)}`,
      mp4Url: null,
      posterUrl: `/media/${'0'.repeat(64)}.png`,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
    title: 'bench meme',
    minBillableSeconds: minBillable,
    maxSeconds: config.money.maxSessionSeconds,
    confirmTimeoutMs: 3_000,
  }
})

function sessionOf(userId: string | undefined, sessionId: string): StubSession {
  const session = sessions.get(sessionId)
  if (session === undefined || session.userId !== userId) throw new WsError('WS_BAD_MESSAGE')
  return session
}

gateway.handle('watch.confirm', WatchSessionBody, async (context, { sessionId }) => {
  const session = sessionOf(context.user?.id, sessionId)
  const allowed = Math.floor((Date.now() - session.startedAtMs) / 1000) + 1
  if (session.view.confirmedSeconds < allowed) session.view.confirmedSeconds += 1
  return session.view
})

gateway.handle('watch.stop', WatchSessionBody, async (context, { sessionId }) => {
  const session = sessionOf(context.user?.id, sessionId)
  sessions.delete(sessionId)
  return { ...session.view, state: 'ended', endReason: 'stopped' }
})

// A stand-in for the billing flush: once a second, what is confirmed becomes charged.
setInterval(() => {
  for (const { view } of sessions.values()) {
    if (view.confirmedSeconds >= minBillable) {
      view.chargedSeconds = view.confirmedSeconds
      view.chargedSats = view.chargedSeconds * view.rateSats
    }
  }
}, config.ledger.flushIntervalMs).unref()

server.listen(config.port, config.host, () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`)
})

process.on('SIGTERM', async () => {
  await gateway.close()
  server.close()
  await db.close()
  process.exit(0)
})
