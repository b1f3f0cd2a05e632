/**
 * One load process of the `fanout` benchmark (bench/scale/fanout.ts forks several): it opens its
 * share of subscribers, spread over the given servers, from its own loopback source address,
 * and times each update's arrival at each subscriber against the moment the orchestrator
 * triggered it (epoch ms from performance.timeOrigin: every process is on the same machine).
 *
 * Two kinds of server: `gateway`, the real server's WebSocket endpoint, where a subscriber is
 * an anonymous connection subscribed to the `round` channel (its snapshot is not counted, only
 * live events); `broadcast`, the bare `ws` baseline (./broadcast-server.ts), where every
 * message is an update.
 */
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { WS_CHANNELS, WS_PATH } from '../../contracts/ws.ts'

const MAX_CONNECTING = 256
const PROGRESS_INTERVAL_MS = 1_000
const HANDSHAKE_TIMEOUT_MS = 30_000

export type FanoutServerKind = 'gateway' | 'broadcast'

export interface FanoutSetup {
  workerIndex: number
  kind: FanoutServerKind
  /** ws:// URLs of the servers (nodes); subscribers take them in turn. */
  urls: string[]
  subscribers: number
  localAddress: string
  rampPerSecond: number
}

export type FanoutCommand =
  | { cmd: 'setup'; setup: FanoutSetup }
  /** From now on, updates are counted against this trigger. */
  | { cmd: 'arm'; update: number; triggerAtMs: number }
  /** Reports the armed update's receipts and disarms. */
  | { cmd: 'collect' }
  | { cmd: 'stop' }

export interface NodeReceipts {
  subscribers: number
  /** Trigger to receipt of each subscriber that received the update, µs. */
  delaysUs: number[]
}

export type FanoutMessage =
  | { type: 'ready' }
  | { type: 'progress'; workerIndex: number; subscribed: number; failures: number }
  | {
      type: 'receipts'
      workerIndex: number
      update: number
      perNode: NodeReceipts[]
      /** Events that came while nothing was armed, or a second time for the same update. */
      stray: number
      frameBytes: number
    }

function send(message: FanoutMessage): void {
  process.send?.(message)
}

function epochMs(): number {
  return performance.timeOrigin + performance.now()
}

class FanoutLoad {
  private readonly sockets: WebSocket[] = []
  /** The update each subscriber last counted, so that it counts each update once. */
  private readonly counted: Int32Array
  private readonly subscribedPerNode: number[]
  private armed: { update: number; triggerAtMs: number; delays: number[][] } | undefined
  private stray = 0
  private frameBytes = 0
  private launched = 0
  private connecting = 0
  private subscribed = 0
  private failures = 0
  private readonly startedAt = performance.now()
  private readonly timers: NodeJS.Timeout[] = []
  private stopping = false

  constructor(private readonly setup: FanoutSetup) {
    this.counted = new Int32Array(setup.subscribers).fill(-1)
    this.subscribedPerNode = setup.urls.map(() => 0)
  }

  start(): void {
    this.timers.push(setInterval(() => this.ramp(), 20))
    this.timers.push(
      setInterval(
        () =>
          send({
            type: 'progress',
            workerIndex: this.setup.workerIndex,
            subscribed: this.subscribed,
            failures: this.failures,
          }),
        PROGRESS_INTERVAL_MS,
      ),
    )
  }

  arm(update: number, triggerAtMs: number): void {
    const nodes = this.setup.urls.length
    this.armed = {
      update,
      triggerAtMs,
      delays: Array.from({ length: nodes }, () => []),
    }
  }

  collect(): void {
    const armed = this.armed
    this.armed = undefined
    if (armed === undefined) return
    send({
      type: 'receipts',
      workerIndex: this.setup.workerIndex,
      update: armed.update,
      perNode: armed.delays.map((delaysUs, node) => ({
        subscribers: this.subscribedPerNode[node]!,
        delaysUs,
      })),
      stray: this.stray,
      frameBytes: this.frameBytes,
    })
    this.stray = 0
  }

  stop(): void {
    this.stopping = true
    for (const timer of this.timers) clearInterval(timer)
    for (const socket of this.sockets) socket.terminate()
  }

  private ramp(): void {
    if (this.stopping) return
    const due = Math.min(
      this.setup.subscribers,
      Math.floor(((performance.now() - this.startedAt) / 1000) * this.setup.rampPerSecond) + 1,
    )
    while (this.launched < due && this.connecting < MAX_CONNECTING) this.open(this.launched++)
  }

  private open(index: number): void {
    const node = index % this.setup.urls.length
    const gateway = this.setup.kind === 'gateway'
    const socket = new WebSocket(`${this.setup.urls[node]}${gateway ? WS_PATH : '/'}`, {
      perMessageDeflate: false,
      localAddress: this.setup.localAddress,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    })
    this.sockets.push(socket)
    this.connecting += 1
    let state: 'connecting' | 'subscribing' | 'subscribed' | 'gone' = 'connecting'
    const subscribedNow = () => {
      state = 'subscribed'
      this.connecting -= 1
      this.subscribed += 1
      this.subscribedPerNode[node]! += 1
    }
    socket.on('open', () => {
      if (!gateway) subscribedNow()
    })
    socket.on('message', (data: Buffer) => {
      const atMs = epochMs()
      if (state === 'subscribed' && (!gateway || this.isLiveEvent(data))) {
        this.receive(index, node, atMs, data.length)
        return
      }
      if (!gateway) return
      const message = JSON.parse(data.toString('utf8')) as { type: string; id?: number }
      if (message.type === 'hello' && state === 'connecting') {
        state = 'subscribing'
        socket.send(JSON.stringify({ id: 1, type: 'subscribe', channel: WS_CHANNELS.round }))
      } else if (message.type === 'reply' && message.id === 1 && state === 'subscribing') {
        subscribedNow()
      }
    })
    const gone = () => {
      if (state === 'gone') return
      if (state === 'subscribed') {
        this.subscribed -= 1
        this.subscribedPerNode[node]! -= 1
      } else {
        this.connecting -= 1
        if (!this.stopping) this.failures += 1
      }
      state = 'gone'
    }
    socket.on('error', gone)
    socket.on('close', gone)
  }

  /** A live event of the round channel (not its snapshot, not a reply). */
  private isLiveEvent(data: Buffer): boolean {
    const text = data.toString('utf8', 0, Math.min(data.length, 64))
    if (!text.startsWith('{"type":"event"')) return false
    // The snapshot flag is the frame's last field.
    return !data.toString('utf8', Math.max(0, data.length - 24)).includes('"snapshot":true')
  }

  private receive(index: number, node: number, atMs: number, bytes: number): void {
    const armed = this.armed
    if (armed === undefined || this.counted[index] === armed.update) {
      this.stray += 1
      return
    }
    this.counted[index] = armed.update
    this.frameBytes = bytes
    armed.delays[node]!.push(Math.round(Math.max(0, (atMs - armed.triggerAtMs) * 1000)))
  }
}

let load: FanoutLoad | undefined

process.on('message', (command: FanoutCommand) => {
  switch (command.cmd) {
    case 'setup':
      load = new FanoutLoad(command.setup)
      load.start()
      break
    case 'arm':
      load?.arm(command.update, command.triggerAtMs)
      break
    case 'collect':
      load?.collect()
      break
    case 'stop':
      load?.stop()
      setTimeout(() => process.exit(0), 500)
      break
  }
})
process.on('disconnect', () => process.exit(0))
send({ type: 'ready' })
