/**
 * Fan-out latency of a round update to --subscribers WebSocket subscribers across two server
 * nodes, against a bare `ws` broadcast server carrying the same subscribers, in one run.
 *
 * The nodes are two real servers (src/main.ts) sharing PostgreSQL (a scratch database, dropped
 * after) and Redis (REDIS_URL, database --redis-db); node A owns the devnet (mining only on
 * demand) and node B uses it through DEVNET_URL, as `npm run cluster` sets them up. Forked load
 * processes (./fanout-load.ts) hold the subscribers, half on each node, each subscribed to the
 * `round` channel.
 *
 * An update is triggered by publishing 'round.updated' on the Redis bus, as the round engine
 * or the billing flush of any node does (from this process, a bus member of its own, so both
 * nodes hear it the same way). Each node then marks its round view stale; its once-a-second
 * round timer recomputes the view (through the shared round cache) and publishes it on the
 * throttled `round` channel. Per update, the time from the trigger to each subscriber's receipt
 * is measured (the nodes' round timer adds up to 1 s by design), as well as the spread, from the
 * first receipt on a node to each receipt on it: the fan-out itself. The baseline receives its
 * trigger over IPC and sends at once, so its trigger-to-receipt is its spread.
 *
 *   node --import tsx bench/scale/fanout.ts --subscribers 10000 --updates 10 --out result.json
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { HD } from '@bsv/sdk'
import pg from 'pg'
import { RedisBus } from '../../src/adapters/bus/redis-bus.ts'
import { openRedisClients } from '../../src/adapters/redis/client.ts'
import { Histogram } from '../viewers/histogram.ts'
import {
  forkLoad,
  freePort,
  HERE,
  type MachineLoad,
  measureMachine,
  ROOT,
  round1,
  round2,
  type ServerProcess,
  sleep,
  startServer,
  stopChildrenOnExit,
  stopLoads,
  stopServer,
} from './common.ts'
import type { FanoutCommand, FanoutMessage, FanoutServerKind } from './fanout-load.ts'
import { type BenchResult, othersPair, rowMaker, writeResult } from './report.ts'

const PG_DATABASE = 'memepool_bench_fanout'
/** Time for an update to reach everyone: the nodes' round timer is 1 s. */
const COLLECT_AFTER_MS = 2_500
const BETWEEN_UPDATES_MS = 500
const RAMP_STALL_MS = 30_000

const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    updates: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    ramp: { type: 'string', default: '1000' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    'redis-db': { type: 'string', default: '9' },
    'log-dir': { type: 'string', default: 'bench/results/scale-logs' },
    out: { type: 'string' },
  },
})

const subscribers = Number(args.subscribers)
const updates = Number(args.updates)
const workerCount = Number(args.workers)
const logDir = path.resolve(args['log-dir'])

interface UpdateFigures {
  received: number
  subscribers: number
  /** Trigger to receipt, and first receipt (per node) to receipt, ms. */
  delayMs: { p50: number; p99: number; max: number }
  spreadMs: { p50: number; p99: number; max: number }
  firstMs: number[]
}

interface FanoutPhase {
  server: string
  subscribed: number
  frameBytes: number
  stray: number
  /** Over every update and subscriber. */
  delayMs: { p50: number; p99: number; max: number }
  spreadMs: { p50: number; p99: number; max: number }
  receivedPct: number
  perUpdate: UpdateFigures[]
  machine: MachineLoad
}

// --- The load -------------------------------------------------------------------------------------

class Subscribers {
  private readonly loads: ChildProcess[] = []
  private readonly subscribed = new Map<number, number>()
  private readonly receipts = new Map<number, Extract<FanoutMessage, { type: 'receipts' }>>()

  async open(kind: FanoutServerKind, urls: string[], phaseIndex: number): Promise<number> {
    const readies: Array<Promise<void>> = []
    for (let w = 0; w < workerCount; w++) {
      const child = forkLoad('fanout-load.ts', w)
      this.loads.push(child)
      readies.push(
        new Promise((resolve) => {
          child.on('message', (message: FanoutMessage) => {
            if (message.type === 'ready') resolve()
            else if (message.type === 'progress') this.subscribed.set(message.workerIndex, message.subscribed)
            else this.receipts.set(message.workerIndex, message)
          })
        }),
      )
    }
    await Promise.all(readies)
    for (const [w, child] of this.loads.entries()) {
      const share = Math.floor(subscribers / workerCount) + (w < subscribers % workerCount ? 1 : 0)
      child.send({
        cmd: 'setup',
        setup: {
          workerIndex: w,
          kind,
          urls,
          subscribers: share,
          localAddress: `127.4.${phaseIndex + 1}.${w + 1}`,
          rampPerSecond: Number(args.ramp) / workerCount,
        },
      } satisfies FanoutCommand)
    }
    let best = 0
    let bestAt = Date.now()
    while (this.count() < subscribers) {
      await sleep(500)
      if (this.count() > best) {
        best = this.count()
        bestAt = Date.now()
      } else if (Date.now() - bestAt > RAMP_STALL_MS) break
    }
    return this.count()
  }

  count(): number {
    return [...this.subscribed.values()].reduce((a, b) => a + b, 0)
  }

  arm(update: number, triggerAtMs: number): void {
    this.broadcast({ cmd: 'arm', update, triggerAtMs })
  }

  async collect(): Promise<Array<Extract<FanoutMessage, { type: 'receipts' }>>> {
    this.receipts.clear()
    this.broadcast({ cmd: 'collect' })
    const deadline = Date.now() + 10_000
    while (this.receipts.size < this.loads.length && Date.now() < deadline) await sleep(20)
    return [...this.receipts.values()]
  }

  stop(): Promise<void> {
    return stopLoads(this.loads)
  }

  private broadcast(command: FanoutCommand): void {
    for (const child of this.loads) if (child.connected) child.send(command)
  }
}

// --- Measuring --------------------------------------------------------------------------------------

function summarize(h: Histogram) {
  const s = h.summary()
  return { p50: round2(s.p50 / 1000), p99: round2(s.p99 / 1000), max: round2(s.max / 1000) }
}

/** Triggers `updates` updates in turn and gathers their receipts. */
async function measure(
  server: string,
  load: Subscribers,
  subscribed: number,
  trigger: () => number,
): Promise<FanoutPhase> {
  const allDelays = new Histogram()
  const allSpreads = new Histogram()
  const perUpdate: UpdateFigures[] = []
  let frameBytes = 0
  let stray = 0
  let received = 0
  const endMachine = measureMachine()
  for (let update = 0; update < updates; update++) {
    // Armed a little before the trigger, so that no receipt can beat its arming.
    load.arm(update, Date.now() + 1e9)
    await sleep(100)
    const triggerAtMs = trigger()
    load.arm(update, triggerAtMs)
    await sleep(COLLECT_AFTER_MS)
    const reports = await load.collect()
    const nodes = Math.max(0, ...reports.map((r) => r.perNode.length))
    const delays = new Histogram()
    const spreads = new Histogram()
    const firstMs: number[] = []
    let got = 0
    for (let node = 0; node < nodes; node++) {
      const values = reports.flatMap((r) => r.perNode[node]?.delaysUs ?? [])
      let first = Number.POSITIVE_INFINITY
      for (const v of values) if (v < first) first = v
      firstMs.push(values.length === 0 ? -1 : round2(first / 1000))
      for (const v of values) {
        delays.record(v)
        spreads.record(v - first)
      }
      got += values.length
    }
    for (const r of reports) {
      stray += r.stray
      frameBytes = Math.max(frameBytes, r.frameBytes)
    }
    allDelays.add(delays.toJSON())
    allSpreads.add(spreads.toJSON())
    received += got
    perUpdate.push({
      received: got,
      subscribers: subscribed,
      delayMs: summarize(delays),
      spreadMs: summarize(spreads),
      firstMs,
    })
    console.log(
      `fanout ${server} update ${update + 1}: ${got}/${subscribed} received, trigger→receipt p50 ${perUpdate.at(-1)!.delayMs.p50} p99 ${perUpdate.at(-1)!.delayMs.p99} max ${perUpdate.at(-1)!.delayMs.max} ms, spread p99 ${perUpdate.at(-1)!.spreadMs.p99} ms`,
    )
    await sleep(BETWEEN_UPDATES_MS)
  }
  return {
    server,
    subscribed,
    frameBytes,
    stray,
    delayMs: summarize(allDelays),
    spreadMs: summarize(allSpreads),
    receivedPct: round1((100 * received) / Math.max(1, subscribed * updates)),
    perUpdate,
    machine: endMachine(),
  }
}

// --- The two setups ----------------------------------------------------------------------------------

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = args['pg-url']
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 })
    await client.connect()
    try {
      await client.query(text)
    } finally {
      await client.end()
    }
  }
  await query(`drop database if exists ${PG_DATABASE} with (force)`)
  await query(`create database ${PG_DATABASE}`)
  const url = new URL(adminUrl)
  url.pathname = `/${PG_DATABASE}`
  return { url: url.toString(), drop: () => query(`drop database if exists ${PG_DATABASE} with (force)`) }
}

async function runNodes(databaseUrl: string, redisUrl: string, dataDir: string): Promise<FanoutPhase> {
  // Pub/sub ignores the database number: a prefix of our own keeps other deployments out.
  const prefix = `bench-fanout-${process.pid}:`
  const common = {
    REDIS_PREFIX: prefix,
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    // One key for both nodes, as the cluster shares one; generated, never printed.
    MASTER_KEY: HD.fromRandom().toString(),
    CHAIN: 'devnet',
    DEVNET_BLOCK_INTERVAL_S: '0',
    DEMO: 'off',
    LOG_LEVEL: 'warn',
    TRANSFORM_WORKERS: '0',
  }
  const nodes: ServerProcess[] = []
  const clients = openRedisClients(redisUrl)
  const bus = new RedisBus({ publisher: clients.commands, subscriber: clients.subscriber, prefix })
  const load = new Subscribers()
  try {
    for (const name of ['a', 'b']) {
      const port = await freePort()
      nodes.push(
        await startServer({
          name: `node ${name}`,
          script: path.join(ROOT, 'src', 'main.ts'),
          env: {
            ...common,
            PORT: String(port),
            MEMEPOOL_NODE: name,
            ...(name === 'b' ? { DEVNET_URL: `http://127.0.0.1:${nodes[0]!.port}` } : {}),
          },
          logFile: path.join(logDir, `fanout-node-${name}.log`),
          ready: { httpPath: '/health', port },
        }),
      )
    }
    const urls = nodes.map((n) => `ws://127.0.0.1:${n.port}`)
    const subscribed = await load.open('gateway', urls, 0)
    console.log(`fanout nodes: ${subscribed} subscribers on 2 nodes; ${updates} updates`)
    // Anything the start left stale goes out before the first trigger.
    await sleep(2_000)
    return await measure('2 nodes', load, subscribed, () => {
      const at = performance.timeOrigin + performance.now()
      bus.publish('round.updated', { height: null })
      return at
    })
  } finally {
    await load.stop()
    for (const node of nodes) await stopServer(node)
    bus.close()
    await clients.close()
  }
}

async function runBroadcast(frameBytes: number): Promise<FanoutPhase> {
  const server = await startServer({
    name: 'ws broadcast',
    script: path.join(HERE, 'broadcast-server.ts'),
    env: { PORT: '0', HOST: '127.0.0.1' },
    logFile: path.join(logDir, 'fanout-broadcast.log'),
    ready: { line: true },
  })
  const load = new Subscribers()
  try {
    const subscribed = await load.open('broadcast', [`ws://127.0.0.1:${server.port}`], 1)
    console.log(`fanout broadcast: ${subscribed} subscribers on 1 process`)
    return await measure('ws broadcast', load, subscribed, () => {
      const at = performance.timeOrigin + performance.now()
      server.child.send({ broadcast: frameBytes })
      return at
    })
  } finally {
    await load.stop()
    await stopServer(server)
  }
}

async function main() {
  mkdirSync(logDir, { recursive: true })
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'memepool-bench-fanout-'))
  const database = await createDatabase()
  stopChildrenOnExit(async () => {
    rmSync(dataDir, { recursive: true, force: true })
    await database.drop()
  })
  const redisUrl = `${args['redis-url'].replace(/\/\d*$/, '')}/${args['redis-db']}`
  let nodes: FanoutPhase
  let broadcast: FanoutPhase
  try {
    nodes = await runNodes(database.url, redisUrl, dataDir)
    await sleep(2_000)
    broadcast = await runBroadcast(nodes.frameBytes || 300)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
    await database.drop().catch((error) => console.log(`could not drop ${PG_DATABASE}: ${error}`))
  }
  const others = othersPair(nodes.machine.othersPct, broadcast.machine.othersPct)
  const at = `@ ${subscribers} subscribers`
  const row = rowMaker({
    benchmark: 'fanout',
    label: (measure) => `${measure} ${at}`,
    subject: '2 nodes + Redis',
    baseline: 'bare ws broadcast (1 process)',
    othersPct: others,
  })
  const result: BenchResult = {
    benchmark: 'fanout',
    rows: [
      row('trigger → receipt p50 ms', nodes.delayMs.p50, broadcast.delayMs.p50),
      row('trigger → receipt p99 ms', nodes.delayMs.p99, broadcast.delayMs.p99),
      row('trigger → receipt max ms', nodes.delayMs.max, broadcast.delayMs.max),
      row('spread (first → each receipt) p99 ms', nodes.spreadMs.p99, broadcast.spreadMs.p99),
      row('received %', nodes.receivedPct, broadcast.receivedPct),
    ],
    details: {
      subscribers,
      updates,
      workers: workerCount,
      trigger:
        "'round.updated' published on the Redis bus; each node then recomputes the round (at most once a second) and publishes it",
      phases: [nodes, broadcast],
    },
  }
  writeResult(args.out, result)
  process.exit(0)
}

await main()
