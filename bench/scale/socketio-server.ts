/**
 * The baseline of the `ws` benchmark: a Socket.IO 4.8 server doing the gateway's work
 * (./gateway-server.ts): it accepts WebSocket connections (no long-polling), and answers the
 * same watch.confirm request from memory (./confirm.ts) through an acknowledgement.
 *
 *   PORT=0 node --import tsx bench/scale/socketio-server.ts     prints `listening <port>`
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { CONFIRM_TYPE, ConfirmState } from './confirm.ts'

const server = http.createServer((_request, response) => response.writeHead(404).end())
const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 4096,
})

io.on('connection', (socket) => {
  let state: ConfirmState | undefined
  socket.on(CONFIRM_TYPE, (body: { sessionId?: unknown }, ack: unknown) => {
    if (typeof ack !== 'function' || typeof body?.sessionId !== 'string') return
    state ??= new ConfirmState(body.sessionId)
    ack(state.confirm())
  })
})

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`)
})

process.on('SIGTERM', () => {
  io.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 2_000).unref()
})
