/**
 * One load process of the `ws` benchmark (bench/scale/ws.ts forks several): it opens its share
 * of clients at a steady ramp from its own loopback source address, then each client sends one
 * watch.confirm a second and times the answer. The same code drives both servers; only the
 * client differs: `ws` speaking the gateway's protocol (contracts/ws.ts), or socket.io-client
 * (WebSocket transport only) with an acknowledgement.
 *
 * Requests are scheduled on a wheel of 200 slots of 5 ms, as in bench/viewers/load.ts: a client
 * keeps the slot of the moment it became ready, so the requests are spread over the second as
 * the ramp spread the connections, and one timer serves them all.
 */
import { performance } from 'node:perf_hooks'
import { io, type Socket } from 'socket.io-client'
import WebSocket from 'ws'
import { WS_PATH } from '../../contracts/ws.ts'
import { Histogram, type SparseCounts } from '../viewers/histogram.ts'
import { CONFIRM_TYPE } from './confirm.ts'

const SLOT_MS = 5
const SLOTS = 200
const REQUEST_INTERVAL_MS = 1_000
const MAX_CONNECTING = 256
const PROGRESS_INTERVAL_MS = 2_000
const HANDSHAKE_TIMEOUT_MS = 30_000

export type WsProtocol = 'gateway' | 'socketio'

export interface WsLoadSetup {
  workerIndex: number
  protocol: WsProtocol
  /** http://127.0.0.1:port */
  baseUrl: string
  clients: number
  localAddress: string
  rampPerSecond: number
}

export type WsLoadCommand =
  | { cmd: 'setup'; setup: WsLoadSetup }
  | { cmd: 'measure' }
  | { cmd: 'finish' }
  | { cmd: 'stop' }

export interface WsLoadWindow {
  sent: number
  answered: number
  latencyUs: { counts: SparseCounts; sum: number; max: number }
  errors: Record<string, number>
  cpuMs: number
}

export type WsLoadMessage =
  | { type: 'ready' }
  | { type: 'progress'; workerIndex: number; ready: number; connecting: number; failures: number }
  | { type: 'final'; workerIndex: number; ready: number; window: WsLoadWindow }

/** One client connection, whichever library speaks for it. */
interface Client {
  ready: boolean
  slot: number
  armedAt: number
  request(onAnswer: (ok: boolean) => void): void
  close(): void
}

function send(message: WsLoadMessage): void {
  process.send?.(message)
}

class WsLoad {
  private readonly clients: Client[] = []
  private readonly wheel: Array<Set<Client>> = Array.from({ length: SLOTS }, () => new Set())
  private latency = new Histogram()
  private sent = 0
  private answered = 0
  private errors: Record<string, number> = {}
  private cpu = process.cpuUsage()
  private launched = 0
  private connecting = 0
  private readyCount = 0
  private failures = 0
  private lastSlot = Math.floor(performance.now() / SLOT_MS)
  private readonly startedAt = performance.now()
  private readonly timers: NodeJS.Timeout[] = []
  private stopping = false

  constructor(private readonly setup: WsLoadSetup) {}

  start(): void {
    this.timers.push(setInterval(() => this.ramp(), 20))
    this.timers.push(setInterval(() => this.tick(), SLOT_MS))
    this.timers.push(
      setInterval(
        () =>
          send({
            type: 'progress',
            workerIndex: this.setup.workerIndex,
            ready: this.readyCount,
            connecting: this.connecting,
            failures: this.failures,
          }),
        PROGRESS_INTERVAL_MS,
      ),
    )
  }

  measure(): void {
    this.latency = new Histogram()
    this.sent = 0
    this.answered = 0
    this.errors = {}
    this.cpu = process.cpuUsage()
  }

  finish(): void {
    const cpu = process.cpuUsage(this.cpu)
    send({
      type: 'final',
      workerIndex: this.setup.workerIndex,
      ready: this.readyCount,
      window: {
        sent: this.sent,
        answered: this.answered,
        latencyUs: this.latency.toJSON(),
        errors: { ...this.errors },
        cpuMs: (cpu.user + cpu.system) / 1000,
      },
    })
  }

  stop(): void {
    this.stopping = true
    for (const timer of this.timers) clearInterval(timer)
    for (const client of this.clients) client.close()
  }

  private ramp(): void {
    if (this.stopping) return
    const due = Math.min(
      this.setup.clients,
      Math.floor(((performance.now() - this.startedAt) / 1000) * this.setup.rampPerSecond) + 1,
    )
    while (this.launched < due && this.connecting < MAX_CONNECTING) {
      this.connecting += 1
      const index = this.launched++
      const client =
        this.setup.protocol === 'gateway' ? this.gatewayClient(index) : this.socketIoClient(index)
      this.clients.push(client)
    }
  }

  private onReady(client: Client): void {
    this.connecting -= 1
    this.readyCount += 1
    client.ready = true
    const now = performance.now()
    client.armedAt = now
    client.slot = (Math.floor(now / SLOT_MS) + 1) % SLOTS
    this.wheel[client.slot]!.add(client)
  }

  private onGone(client: Client, reason: string): void {
    if (client.ready) {
      this.readyCount -= 1
      this.wheel[client.slot]!.delete(client)
      client.ready = false
      if (!this.stopping) this.bump(`closed:${reason}`)
    } else if (!this.stopping) {
      this.connecting -= 1
      this.failures += 1
      this.bump(`connect:${reason}`)
    }
  }

  private bump(key: string): void {
    this.errors[key] = (this.errors[key] ?? 0) + 1
  }

  private gatewayClient(index: number): Client {
    const socket = new WebSocket(`${this.setup.baseUrl.replace(/^http/, 'ws')}${WS_PATH}`, {
      headers: { authorization: `Bearer v${this.setup.workerIndex}-${index}` },
      perMessageDeflate: false,
      localAddress: this.setup.localAddress,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    })
    const pending = new Map<number, (ok: boolean) => void>()
    let nextId = 1
    const client: Client = {
      ready: false,
      slot: -1,
      armedAt: 0,
      request: (onAnswer) => {
        if (socket.readyState !== WebSocket.OPEN) return
        const id = nextId++
        pending.set(id, onAnswer)
        socket.send(JSON.stringify({ id, type: CONFIRM_TYPE, sessionId: `s${index}` }))
      },
      close: () => socket.terminate(),
    }
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type: string; id?: number; code?: string }
      if (message.type === 'hello') {
        this.onReady(client)
        return
      }
      const answer = message.id === undefined ? undefined : pending.get(message.id)
      if (answer === undefined) return
      pending.delete(message.id!)
      if (message.type === 'error') this.bump(`error:${message.code}`)
      answer(message.type === 'reply')
    })
    let gone = false
    const goneOnce = (reason: string) => {
      if (gone) return
      gone = true
      this.onGone(client, reason)
    }
    socket.on('error', (error: NodeJS.ErrnoException) => goneOnce(error.code ?? 'error'))
    socket.on('close', (code) => goneOnce(String(code)))
    return client
  }

  private socketIoClient(index: number): Client {
    // localAddress is passed on to the `ws` transport by engine.io-client, though not typed.
    const options = {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: HANDSHAKE_TIMEOUT_MS,
      localAddress: this.setup.localAddress,
    }
    const socket: Socket = io(this.setup.baseUrl, options)
    const client: Client = {
      ready: false,
      slot: -1,
      armedAt: 0,
      request: (onAnswer) => {
        if (!socket.connected) return
        socket.emit(CONFIRM_TYPE, { sessionId: `s${index}` }, () => onAnswer(true))
      },
      close: () => socket.disconnect(),
    }
    socket.on('connect', () => this.onReady(client))
    socket.on('connect_error', (error) => this.onGone(client, error.message.slice(0, 40)))
    socket.on('disconnect', (reason) => this.onGone(client, reason))
    return client
  }

  private tick(): void {
    const now = performance.now()
    const current = Math.floor(now / SLOT_MS)
    // A stall longer than the wheel runs each slot once, not several times.
    const from = Math.max(this.lastSlot + 1, current - SLOTS + 1)
    for (let absolute = from; absolute <= current; absolute++) {
      for (const client of this.wheel[absolute % SLOTS]!) {
        if (now - client.armedAt < REQUEST_INTERVAL_MS / 2) continue
        const sentAt = performance.now()
        this.sent += 1
        client.request((ok) => {
          this.answered += 1
          if (ok) this.latency.record((performance.now() - sentAt) * 1000)
        })
      }
    }
    this.lastSlot = current
  }
}

let load: WsLoad | undefined

process.on('message', (command: WsLoadCommand) => {
  switch (command.cmd) {
    case 'setup':
      load = new WsLoad(command.setup)
      load.start()
      break
    case 'measure':
      load?.measure()
      break
    case 'finish':
      load?.finish()
      break
    case 'stop':
      load?.stop()
      setTimeout(() => process.exit(0), 500)
      break
  }
})
process.on('disconnect', () => process.exit(0))
send({ type: 'ready' })
