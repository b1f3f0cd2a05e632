/**
 * The baseline of the `fanout` benchmark: a bare `ws` server in one process that, when its
 * parent says so over IPC, sends one text message of the given size to every connected client,
 * serialised once. Nothing else: no channels, no authentication, no throttle, no bus.
 *
 *   node --import tsx bench/scale/broadcast-server.ts   (forked; prints `listening <port>`)
 */
import { WebSocketServer } from 'ws'

const wss = new WebSocketServer({
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  perMessageDeflate: false,
  maxPayload: 4096,
})
let seq = 0

process.on('message', (command: { broadcast: number }) => {
  seq += 1
  const head = `{"type":"event","channel":"round","seq":${seq},"data":"`
  const frame = `${head}${'x'.repeat(Math.max(0, command.broadcast - head.length - 2))}"}`
  for (const client of wss.clients) client.send(frame)
})

wss.on('connection', (socket) => socket.on('error', () => {}))

wss.on('listening', () => {
  const address = wss.address()
  process.stdout.write(
    `listening ${typeof address === 'string' || address === null ? address : address.port}\n`,
  )
})

process.on('SIGTERM', () => {
  for (const client of wss.clients) client.terminate()
  wss.close(() => process.exit(0))
})
