/**
 * The subject of the `ws` benchmark: the real WebSocket gateway (src/http/ws/gateway.ts) on a
 * plain HTTP server, with one registered message, watch.confirm, answered from memory
 * (./confirm.ts). Sessions resolve from memory too (any bearer token is a viewer of that id), so
 * what is measured is the gateway: upgrade, framing, envelope checks, rate limit, routing, reply.
 *
 *   PORT=0 node --import tsx bench/scale/gateway-server.ts      prints `listening <port>`
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WatchSessionBody } from '../../contracts/watch.ts'
import { attachGateway } from '../../src/http/ws/gateway.ts'
import { CONFIRM_TYPE, ConfirmState } from './confirm.ts'

const FAR_FUTURE = new Date(Date.now() + 365 * 86_400_000)
/** The server's default (RATE_LIMIT_WS_PER_S); a client here sends one message a second. */
const MESSAGES_PER_SECOND = 100

const server = http.createServer((_request, response) => response.writeHead(404).end())
const gateway = attachGateway(server, {
  sessions: {
    resolveSession: async (token) => ({
      user: { id: token, address: null, identityKey: null, role: 'viewer', createdAt: FAR_FUTURE },
      expiresAt: FAR_FUTURE,
    }),
  },
  messagesPerSecond: MESSAGES_PER_SECOND,
})

const states = new Map<string, ConfirmState>()

gateway.handle(CONFIRM_TYPE, WatchSessionBody, async (context, { sessionId }) => {
  let state = states.get(context.connectionId)
  if (state === undefined) {
    state = new ConfirmState(sessionId)
    states.set(context.connectionId, state)
    const connectionId = context.connectionId
    context.onClose(() => states.delete(connectionId))
  }
  return state.confirm()
})

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`)
})

process.on('SIGTERM', async () => {
  await gateway.close()
  server.close()
  process.exit(0)
})
