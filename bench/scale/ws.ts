/**
 * WebSocket capacity of the gateway against a Socket.IO 4.8 server doing the same work: each
 * server in its own process (./gateway-server.ts, ./socketio-server.ts), driven in turn by the
 * same load: --workers load processes (./ws-load.ts) opening --clients clients in all, each
 * sending one watch.confirm a second. After --warmup seconds with every client connected, a
 * window of --steady seconds measures the round trip (p50, p99), the server's CPU and RSS (from
 * /proc) per 1,000 clients, and how busy the rest of the machine was.
 *
 *   node --import tsx bench/scale/ws.ts --clients 10000 --out result.json
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { Histogram } from '../viewers/histogram.ts'
import { rssMb } from '../viewers/procstat.ts'
import {
  forkLoad,
  HERE,
  type MachineLoad,
  measureMachine,
  measureProcess,
  round1,
  round2,
  sleep,
  startServer,
  stopChildrenOnExit,
  stopLoads,
  stopServer,
} from './common.ts'
import { type BenchResult, othersPair, rowMaker, writeResult } from './report.ts'
import type { WsLoadCommand, WsLoadMessage, WsProtocol } from './ws-load.ts'

/** Connecting this long without a new client ends the ramp where it got to. */
const RAMP_STALL_MS = 30_000

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '2' },
    ramp: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '10' },
    steady: { type: 'string', default: '30' },
    'log-dir': { type: 'string', default: 'bench/results/scale-logs' },
    out: { type: 'string' },
  },
})

const clients = Number(args.clients)
const workerCount = Number(args.workers)
const logDir = path.resolve(args['log-dir'])

export interface WsPhase {
  protocol: WsProtocol
  server: string
  clientsReady: number
  rampS: number
  windowS: number
  answersPerSecond: number
  sent: number
  answered: number
  errors: Record<string, number>
  latencyMs: { p50: number; p99: number; max: number }
  serverUse: { cpuPct: number; rssIdleMb: number; rssMeanMb: number; rssMaxMb: number }
  perThousand: { cpuPct: number; rssMb: number; rssMarginalMb: number }
  loadCpuPct: number
  machine: MachineLoad
}

async function runPhase(protocol: WsProtocol, phaseIndex: number): Promise<WsPhase> {
  const name = protocol === 'gateway' ? 'gateway' : 'socket.io'
  const server = await startServer({
    name,
    script: path.join(HERE, protocol === 'gateway' ? 'gateway-server.ts' : 'socketio-server.ts'),
    env: { PORT: '0', HOST: '127.0.0.1' },
    logFile: path.join(logDir, `ws-${protocol}.log`),
    ready: { line: true },
  })
  await sleep(1_000)
  const rssIdleMb = rssMb(server.pid) ?? 0
  const loads: ChildProcess[] = []
  const progress = new Map<number, { ready: number; failures: number }>()
  const finals = new Map<number, Extract<WsLoadMessage, { type: 'final' }>>()
  const readies: Array<Promise<void>> = []
  for (let w = 0; w < workerCount; w++) {
    const child = forkLoad('ws-load.ts', w)
    loads.push(child)
    readies.push(
      new Promise((resolve) => {
        child.on('message', (message: WsLoadMessage) => {
          if (message.type === 'ready') resolve()
          else if (message.type === 'progress') progress.set(message.workerIndex, message)
          else finals.set(message.workerIndex, message)
        })
      }),
    )
  }
  await Promise.all(readies)
  const rampStarted = Date.now()
  for (const [w, child] of loads.entries()) {
    const share = Math.floor(clients / workerCount) + (w < clients % workerCount ? 1 : 0)
    child.send({
      cmd: 'setup',
      setup: {
        workerIndex: w,
        protocol,
        baseUrl: `http://127.0.0.1:${server.port}`,
        clients: share,
        // Own addresses per phase and worker: own ephemeral ports, none left in TIME_WAIT.
        localAddress: `127.3.${phaseIndex + 1}.${w + 1}`,
        rampPerSecond: Number(args.ramp) / workerCount,
      },
    } satisfies WsLoadCommand)
  }
  const ready = () => [...progress.values()].reduce((a, p) => a + p.ready, 0)
  let best = 0
  let bestAt = Date.now()
  while (ready() < clients) {
    await sleep(500)
    if (ready() > best) {
      best = ready()
      bestAt = Date.now()
    } else if (Date.now() - bestAt > RAMP_STALL_MS) {
      console.log(`ws ${name}: the ramp stalled at ${ready()} of ${clients} clients`)
      break
    }
  }
  const rampS = (Date.now() - rampStarted) / 1000
  console.log(`ws ${name}: ${ready()} clients in ${rampS.toFixed(1)} s; warming up ${args.warmup} s`)
  await sleep(Number(args.warmup) * 1000)

  const broadcast = (command: WsLoadCommand) => {
    for (const child of loads) if (child.connected) child.send(command)
  }
  broadcast({ cmd: 'measure' })
  const endMachine = measureMachine()
  const endServer = measureProcess(server.pid)
  const windowStart = performance.now()
  await sleep(Number(args.steady) * 1000)
  finals.clear()
  broadcast({ cmd: 'finish' })
  const windowS = (performance.now() - windowStart) / 1000
  const serverFigures = endServer()
  const machine = endMachine()
  const deadline = Date.now() + 10_000
  while (finals.size < loads.length && Date.now() < deadline) await sleep(50)
  await stopLoads(loads)
  await stopServer(server)

  const latency = new Histogram()
  const errors: Record<string, number> = {}
  let sent = 0
  let answered = 0
  let loadCpuMs = 0
  let clientsReady = 0
  for (const final of finals.values()) {
    latency.add(final.window.latencyUs)
    sent += final.window.sent
    answered += final.window.answered
    loadCpuMs += final.window.cpuMs
    clientsReady += final.ready
    for (const [k, v] of Object.entries(final.window.errors)) errors[k] = (errors[k] ?? 0) + v
  }
  const s = latency.summary()
  const thousands = Math.max(1, clientsReady) / 1000
  const phase: WsPhase = {
    protocol,
    server: name,
    clientsReady,
    rampS: round1(rampS),
    windowS: round1(windowS),
    answersPerSecond: Math.round(answered / windowS),
    sent,
    answered,
    errors,
    latencyMs: { p50: round2(s.p50 / 1000), p99: round2(s.p99 / 1000), max: round2(s.max / 1000) },
    serverUse: { ...serverFigures, rssIdleMb: round1(rssIdleMb) },
    perThousand: {
      cpuPct: round2(serverFigures.cpuPct / thousands),
      rssMb: round2(serverFigures.rssMeanMb / thousands),
      rssMarginalMb: round2((serverFigures.rssMeanMb - rssIdleMb) / thousands),
    },
    loadCpuPct: round1(loadCpuMs / 10 / windowS),
    machine,
  }
  console.log(
    `ws ${name}: ${clientsReady} clients, ${phase.answersPerSecond} answers/s, p50 ${phase.latencyMs.p50} p99 ${phase.latencyMs.p99} ms, server cpu ${serverFigures.cpuPct}% rss ${serverFigures.rssMeanMb} MB; others' cpu ${machine.othersPct}%`,
  )
  return phase
}

async function main() {
  mkdirSync(logDir, { recursive: true })
  stopChildrenOnExit()
  const gateway = await runPhase('gateway', 0)
  await sleep(2_000)
  const socketio = await runPhase('socketio', 1)
  const others = othersPair(gateway.machine.othersPct, socketio.machine.othersPct)
  const at = `@ ${clients} clients`
  const row = rowMaker({
    benchmark: 'ws',
    label: (measure) => `${measure} ${at}`,
    subject: 'gateway',
    baseline: 'Socket.IO 4.8',
    othersPct: others,
  })
  const result: BenchResult = {
    benchmark: 'ws',
    rows: [
      row('round trip p50 ms', gateway.latencyMs.p50, socketio.latencyMs.p50),
      row('round trip p99 ms', gateway.latencyMs.p99, socketio.latencyMs.p99),
      row('server CPU % per 1k clients', gateway.perThousand.cpuPct, socketio.perThousand.cpuPct),
      row('server RSS MB per 1k clients', gateway.perThousand.rssMb, socketio.perThousand.rssMb),
      row(
        'server RSS MB per 1k clients above idle',
        gateway.perThousand.rssMarginalMb,
        socketio.perThousand.rssMarginalMb,
      ),
      row('answers/s', gateway.answersPerSecond, socketio.answersPerSecond),
    ],
    details: {
      clients,
      workers: workerCount,
      warmupS: Number(args.warmup),
      steadyS: Number(args.steady),
      phases: [gateway, socketio],
    },
  }
  writeResult(args.out, result)
  process.exit(0)
}

await main()
