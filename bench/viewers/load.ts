/**
 * One load process of bench/viewers: forked by the orchestrator (bench/viewers.ts), it opens its
 * share of viewer connections at a steady ramp, and each connection then does what a watching
 * browser tab does: `watch.start`, then `watch.confirm` once a second for as long as the run
 * lasts (or `ping` once a second, to test the harness against a server without the watch
 * protocol). It measures each confirmation's round trip and what the replies say about billing,
 * and reports to the orchestrator over IPC every few seconds.
 *
 * Confirmations are scheduled on a wheel of 200 slots of 5 ms: a connection keeps the slot of
 * the moment its session started, so the connections' confirmations are spread over the second
 * as the ramp spread their starts, and one timer serves them all.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { Histogram } from './histogram.ts'
import type { ParentCommand, WindowStats, WorkerMessage, WorkerReport, WorkerSetup } from './protocol.ts'

const SLOT_MS = 5
const SLOTS = 200
/** Handshakes in progress at once, at most: a ramp that outruns the server queues here. */
const MAX_CONNECTING = 256
const RECONNECT_DELAY_MS = 1_000
const RESTART_DELAY_MS = 1_000
/** The longest wait before asking again after repeated SERVICE_UNAVAILABLE refusals of a start. */
const MAX_START_BACKOFF_MS = 16_000
const HANDSHAKE_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 5_000

type PendingKind = 'start' | 'confirm' | 'ping'

interface Viewer {
  index: number
  token: string
  localAddress: string
  memeId: string
  socket: WebSocket | undefined
  state: 'waiting' | 'connecting' | 'open' | 'active'
  nextId: number
  pending: Map<number, { sentAt: number; kind: PendingKind }>
  sessionId: string | undefined
  confirmed: number
  /** When the connection was put on the wheel; its slot's next turn is skipped if it is too soon. */
  armedAt: number
  slot: number
  /** Billable seconds acknowledged but not yet seen charged: [second, ack time epoch ms]. */
  unbilled: Array<[number, number]>
  lastReplyAt: number
  /** SERVICE_UNAVAILABLE answers to starts in a row: each doubles the wait before the next. */
  startRefusals: number
}

interface WatchView {
  sessionId: string
  state: 'active' | 'ended'
  confirmedSeconds: number
  chargedSeconds: number
}

function send(message: WorkerMessage): void {
  process.send?.(message)
}

/** Wall-clock time in ms with sub-millisecond precision, comparable across processes. */
function epochMs(): number {
  return performance.timeOrigin + performance.now()
}

function newWindow(): {
  stats: Omit<
    WindowStats,
    | 'latencyUs'
    | 'startLatencyUs'
    | 'billingLagUpperMs'
    | 'billingLagLowerMs'
    | 'unchargedSeconds'
    | 'replyBytes'
    | 'cpuMs'
  >
  latency: Histogram
  startLatency: Histogram
  lagUpper: Histogram
  lagLower: Histogram
  uncharged: Histogram
  replyBytes: Histogram
} {
  return {
    stats: {
      sent: 0,
      answered: 0,
      ok: 0,
      errors: {},
      uncounted: 0,
      sessionsStarted: 0,
      sessionRestarts: 0,
    },
    latency: new Histogram(),
    startLatency: new Histogram(),
    lagUpper: new Histogram(),
    lagLower: new Histogram(),
    uncharged: new Histogram(),
    replyBytes: new Histogram(),
  }
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by
}

class LoadWorker {
  private readonly viewers: Viewer[]
  private readonly wheel: Array<Set<Viewer>> = Array.from({ length: SLOTS }, () => new Set())
  private window = newWindow()
  private windowCpu = process.cpuUsage()
  private limit: number
  private interval = { sent: 0, answered: 0, latency: new Histogram() }
  private ackedBuckets = new Map<number, number>()
  private readonly connectFailures: Record<string, number> = {}
  private readonly closes: Record<string, number> = {}
  private opened = 0
  private connecting = 0
  private openCount = 0
  private activeCount = 0
  private launched = 0
  /** Connections launched when the ramp (re)started. */
  private rampBase = 0
  private rampStartedAt = 0
  private lastSlot = 0
  private stopping = false
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 })
  private timers: NodeJS.Timeout[] = []
  private tickTimer: NodeJS.Timeout | undefined

  constructor(private readonly setup: WorkerSetup) {
    this.limit = Math.min(setup.connections, setup.tokens.length)
    this.viewers = setup.tokens.map((token, index) => ({
      index,
      token,
      localAddress: setup.localAddresses[index % setup.localAddresses.length]!,
      memeId: setup.memeIds[index % Math.max(1, setup.memeIds.length)] ?? '',
      socket: undefined,
      state: 'waiting',
      nextId: 1,
      pending: new Map(),
      sessionId: undefined,
      confirmed: 0,
      armedAt: 0,
      slot: -1,
      unbilled: [],
      lastReplyAt: 0,
      startRefusals: 0,
    }))
  }

  start(): void {
    this.loopDelay.enable()
    this.rampStartedAt = performance.now()
    this.lastSlot = Math.floor(performance.now() / SLOT_MS)
    this.timers.push(setInterval(() => this.ramp(), 20))
    this.scheduleTick()
    this.timers.push(setInterval(() => this.report(false), this.setup.reportIntervalMs))
  }

  measure(): void {
    this.window = newWindow()
    this.windowCpu = process.cpuUsage()
  }

  /** Opens more connections, at the ramp rate from now. */
  raise(connections: number): void {
    this.limit = Math.min(connections, this.viewers.length)
    this.rampStartedAt = performance.now()
    this.rampBase = this.launched
  }

  // --- Connections ------------------------------------------------------------------------------

  private ramp(): void {
    if (this.stopping) return
    const due = Math.min(
      this.limit,
      this.rampBase +
        Math.floor(((performance.now() - this.rampStartedAt) / 1000) * this.setup.rampPerSecond) +
        1,
    )
    while (this.launched < due && this.connecting < MAX_CONNECTING) {
      this.connect(this.viewers[this.launched]!)
      this.launched += 1
    }
  }

  private connect(viewer: Viewer): void {
    if (this.stopping) return
    viewer.state = 'connecting'
    this.connecting += 1
    let settled = false
    const socket = new WebSocket(this.setup.url, {
      headers: { authorization: `Bearer ${viewer.token}` },
      perMessageDeflate: false,
      localAddress: viewer.localAddress,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    })
    viewer.socket = socket
    const handshakeDone = () => {
      if (settled) return
      settled = true
      this.connecting -= 1
    }
    socket.on('open', () => {
      handshakeDone()
      this.opened += 1
    })
    socket.on('unexpected-response', (_request, response) => {
      handshakeDone()
      bump(this.connectFailures, `http_${response.statusCode}`)
      socket.terminate()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!settled) {
        handshakeDone()
        bump(this.connectFailures, error.code ?? error.message.slice(0, 40))
      }
    })
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(viewer, data as Buffer)
    })
    socket.on('close', (code) => {
      handshakeDone()
      const wasOpen = viewer.state === 'open' || viewer.state === 'active'
      if (wasOpen) {
        this.openCount -= 1
        bump(this.closes, String(code))
      }
      if (viewer.state === 'active') this.activeCount -= 1
      this.disarm(viewer)
      viewer.state = 'waiting'
      viewer.pending.clear()
      viewer.sessionId = undefined
      viewer.unbilled = []
      viewer.socket = undefined
      if (!this.stopping) setTimeout(() => this.connect(viewer), RECONNECT_DELAY_MS).unref()
    })
  }

  private onMessage(viewer: Viewer, data: Buffer): void {
    const at = performance.now()
    let message: {
      type: string
      id?: number
      data?: unknown
      code?: string
    }
    try {
      message = JSON.parse(data.toString('utf8'))
    } catch {
      bump(this.window.stats.errors, 'client:bad_json')
      return
    }
    if (message.type === 'hello') {
      viewer.state = 'open'
      this.openCount += 1
      if (this.setup.request === 'watch') this.sendStart(viewer)
      else this.activate(viewer)
      return
    }
    if (message.id === undefined) {
      // Events (not subscribed to here) and errors without an id.
      if (message.type === 'error') bump(this.window.stats.errors, `unsolicited:${message.code}`)
      return
    }
    const pending = viewer.pending.get(message.id)
    if (pending === undefined) return
    viewer.pending.delete(message.id)
    const elapsedUs = (at - pending.sentAt) * 1000
    if (pending.kind !== 'start') {
      this.window.stats.answered += 1
      this.interval.answered += 1
    }
    if (message.type === 'error') {
      bump(this.window.stats.errors, message.code ?? 'unknown')
      this.onError(viewer, pending.kind, message.code)
      return
    }
    if (pending.kind === 'start') {
      viewer.startRefusals = 0
      this.window.startLatency.record(elapsedUs)
      const reply = message.data as { session: WatchView }
      viewer.sessionId = reply.session.sessionId
      viewer.confirmed = reply.session.confirmedSeconds
      this.window.stats.sessionsStarted += 1
      this.activate(viewer)
      return
    }
    this.window.stats.ok += 1
    this.window.latency.record(elapsedUs)
    this.interval.latency.record(elapsedUs)
    this.window.replyBytes.record(data.length)
    if (pending.kind === 'confirm') this.onConfirmed(viewer, message.data as WatchView)
  }

  private onError(viewer: Viewer, kind: PendingKind, code: string | undefined): void {
    if (kind === 'start') {
      // "Try again shortly" is answered as a client should: waiting longer after each refusal,
      // with jitter, so that a crowd refused together does not come back together.
      const refusals = code === 'SERVICE_UNAVAILABLE' ? ++viewer.startRefusals : 0
      const delayMs =
        refusals === 0
          ? RESTART_DELAY_MS
          : Math.min(MAX_START_BACKOFF_MS, RESTART_DELAY_MS * 2 ** (refusals - 1)) * (0.5 + Math.random())
      setTimeout(() => {
        if (viewer.state === 'open') this.sendStart(viewer)
      }, delayMs).unref()
    } else if (kind === 'confirm' && (code === 'WATCH_SESSION_ENDED' || code === 'WATCH_SESSION_NOT_FOUND')) {
      this.restart(viewer)
    }
  }

  private onConfirmed(viewer: Viewer, view: WatchView): void {
    const now = epochMs()
    const minBillable = this.setup.minBillableSeconds
    // Seconds now charged: how long after its acknowledgement each was first seen charged.
    while (viewer.unbilled.length > 0 && viewer.unbilled[0]![0] <= view.chargedSeconds) {
      const [, ackAt] = viewer.unbilled.shift()!
      this.window.lagUpper.record(now - ackAt)
      this.window.lagLower.record(Math.max(0, viewer.lastReplyAt - ackAt))
    }
    if (view.confirmedSeconds > viewer.confirmed) {
      for (let s = viewer.confirmed + 1; s <= view.confirmedSeconds; s++) {
        if (s < minBillable) continue
        viewer.unbilled.push([s, now])
        // The first billable confirmation makes the seconds before it chargeable too.
        const chargeable = s === minBillable ? minBillable : 1
        const bucket = Math.floor(now / 100)
        this.ackedBuckets.set(bucket, (this.ackedBuckets.get(bucket) ?? 0) + chargeable)
      }
      viewer.confirmed = view.confirmedSeconds
    } else {
      this.window.stats.uncounted += 1
    }
    if (view.confirmedSeconds >= minBillable) {
      this.window.uncharged.record(view.confirmedSeconds - view.chargedSeconds)
    }
    viewer.lastReplyAt = now
    if (view.state === 'ended') this.restart(viewer)
  }

  private restart(viewer: Viewer): void {
    if (viewer.state !== 'active') return
    this.window.stats.sessionRestarts += 1
    this.disarm(viewer)
    this.activeCount -= 1
    viewer.state = 'open'
    viewer.sessionId = undefined
    viewer.unbilled = []
    setTimeout(() => {
      if (viewer.state === 'open') this.sendStart(viewer)
    }, RESTART_DELAY_MS).unref()
  }

  private sendStart(viewer: Viewer): void {
    viewer.confirmed = 0
    viewer.lastReplyAt = 0
    this.request(viewer, 'start', { type: 'watch.start', memeId: viewer.memeId })
  }

  /** Puts the connection on the wheel: its first turn comes a full cycle from now. */
  private activate(viewer: Viewer): void {
    viewer.state = 'active'
    this.activeCount += 1
    const now = performance.now()
    viewer.armedAt = now
    viewer.slot = (Math.floor(now / SLOT_MS) + 1) % SLOTS
    this.wheel[viewer.slot]!.add(viewer)
  }

  private disarm(viewer: Viewer): void {
    if (viewer.slot >= 0) this.wheel[viewer.slot]!.delete(viewer)
    viewer.slot = -1
  }

  private request(viewer: Viewer, kind: PendingKind, body: Record<string, unknown>): void {
    const socket = viewer.socket
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return
    const id = viewer.nextId++
    viewer.pending.set(id, { sentAt: performance.now(), kind })
    socket.send(JSON.stringify({ id, ...body }))
    if (kind !== 'start') {
      this.window.stats.sent += 1
      this.interval.sent += 1
    }
  }

  // --- The wheel -----------------------------------------------------------------------------

  private scheduleTick(): void {
    this.tickTimer = setTimeout(() => {
      this.tick()
      if (!this.stopping) this.scheduleTick()
    }, SLOT_MS)
  }

  private tick(): void {
    const now = performance.now()
    const current = Math.floor(now / SLOT_MS)
    // A stall longer than the wheel runs each slot once, not several times.
    const from = Math.max(this.lastSlot + 1, current - SLOTS + 1)
    for (let absolute = from; absolute <= current; absolute++) {
      for (const viewer of this.wheel[absolute % SLOTS]!) {
        if (now - viewer.armedAt < this.setup.confirmIntervalMs / 2) continue
        if (this.setup.request === 'watch') {
          this.request(viewer, 'confirm', { type: 'watch.confirm', sessionId: viewer.sessionId })
        } else {
          this.request(viewer, 'ping', { type: 'ping' })
        }
      }
    }
    this.lastSlot = current
  }

  // --- Reporting -----------------------------------------------------------------------------

  report(final: boolean): void {
    const cpu = process.cpuUsage()
    const w = this.window
    const report: WorkerReport = {
      type: 'report',
      workerIndex: this.setup.workerIndex,
      final,
      atMs: Date.now(),
      open: this.openCount,
      active: this.activeCount,
      connecting: this.connecting,
      opened: this.opened,
      connectFailures: { ...this.connectFailures },
      closes: { ...this.closes },
      interval: {
        sent: this.interval.sent,
        answered: this.interval.answered,
        latencyUs: this.interval.latency.toJSON(),
      },
      window: {
        ...w.stats,
        errors: { ...w.stats.errors },
        latencyUs: w.latency.toJSON(),
        startLatencyUs: w.startLatency.toJSON(),
        billingLagUpperMs: w.lagUpper.toJSON(),
        billingLagLowerMs: w.lagLower.toJSON(),
        unchargedSeconds: w.uncharged.toJSON(),
        replyBytes: w.replyBytes.toJSON(),
        cpuMs: (() => {
          const used = process.cpuUsage(this.windowCpu)
          return (used.user + used.system) / 1000
        })(),
      },
      ackedBuckets: [...this.ackedBuckets],
      loopDelayP99Ms: Math.max(0, this.loopDelay.percentile(99) / 1e6 - 10),
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
    }
    this.interval = { sent: 0, answered: 0, latency: new Histogram() }
    this.ackedBuckets = new Map()
    this.loopDelay.reset()
    send(report)
  }

  async stop(): Promise<void> {
    // The acknowledgements since the last report complete the orchestrator's billing curve.
    this.report(false)
    this.stopping = true
    for (const timer of this.timers) clearInterval(timer)
    clearTimeout(this.tickTimer)
    const open = this.viewers.flatMap((v) => (v.socket ? [v.socket] : []))
    const closed = Promise.all(
      open.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) resolve()
            else socket.once('close', () => resolve())
          }),
      ),
    )
    for (const socket of open) {
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'bench over')
      else socket.terminate()
    }
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))])
    for (const socket of open) socket.terminate()
  }
}

let worker: LoadWorker | undefined

process.on('message', (command: ParentCommand) => {
  switch (command.cmd) {
    case 'setup':
      worker = new LoadWorker(command.setup)
      worker.start()
      break
    case 'limit':
      worker?.raise(command.connections)
      break
    case 'measure':
      worker?.measure()
      break
    case 'finish':
      worker?.report(true)
      break
    case 'stop':
      void (worker?.stop() ?? Promise.resolve()).then(() => {
        process.disconnect?.()
        process.exit(0)
      })
      break
  }
})
// The orchestrator going away ends the worker too.
process.on('disconnect', () => process.exit(0))
send({ type: 'ready', workerIndex: Number(process.env.BENCH_WORKER_INDEX ?? 0) })
