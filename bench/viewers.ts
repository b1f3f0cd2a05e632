/**
 * Paying viewers over WebSocket (issue 6): how many viewers one server process carries, each
 * confirming every second, with what confirmation latency and billing lag, and at what CPU and
 * memory per 1,000 viewers compared with a bare `ws` echo server under the same load.
 *
 *   npm run bench:viewers                              19,000 viewers, PGlite, echo then the server
 *   npm run bench:viewers -- --viewers 2000            a smaller run
 *   npm run bench:viewers -- --pg                      PostgreSQL (a scratch database, dropped after)
 *   npm run bench:viewers -- --phases echo,gateway,main --profile
 *
 * Every phase is a separate server process (the echo baseline, bench/viewers/echo-server.ts; the
 * gateway with stub watch handlers, bench/viewers/gateway-server.ts; the real server, src/main.ts)
 * driven in turn by the same load: --workers load processes (bench/viewers/load.ts) that open
 * the connections at --ramp per second in all, from their own loopback source addresses (so
 * that neither one process's open-file limit nor one address's ephemeral ports caps the count),
 * and once every viewer is watching, hold the load for --warmup then --steady seconds, the
 * measured window. The server's CPU time and RSS come from /proc; its event loop delay and
 * garbage collection from bench/viewers/probe.ts, loaded into it with --import.
 *
 * Billing lag, the time from a confirmation's acknowledgement to the ledger's charge: on
 * PostgreSQL, the horizontal distance between the curve of acknowledged billable seconds (from
 * the load workers) and the curve of charged seconds (holds.posted_sats, polled), sampled
 * through the window; on both databases, bounds from the replies themselves (the first reply
 * that shows a second charged, the last that shows it not).
 *
 * Prints a table and writes JSON (--json, default bench/results/viewers.json). Targets are
 * reported as PASS or FAIL, never asserted.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { HD } from '@bsv/sdk'
import { sql } from 'kysely'
import pg from 'pg'
import { WS_PATH } from '../contracts/ws.ts'
import { SERVER_NODE_FLAGS } from '../scripts/lib/node-flags.mjs'
import { type Db, openDatabase } from '../src/adapters/db/database.ts'
import { Histogram, type HistogramSummary } from './viewers/histogram.ts'
import type { ProbeSample } from './viewers/probe.ts'
import {
  cpuSeconds,
  cpuSecondsOf,
  machineCpuSeconds,
  openFileLimit,
  openFiles,
  postgresPidsFor,
  rssMb,
} from './viewers/procstat.ts'
import { type ProfileSummary, summarizeProfile } from './viewers/profile.ts'
import type {
  HistogramData,
  ParentCommand,
  RequestKind,
  WorkerMessage,
  WorkerReport,
} from './viewers/protocol.ts'
import { seed, VIEWER_ID_PREFIX } from './viewers/seed.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const HERE = path.join(ROOT, 'bench', 'viewers')
const PG_DATABASE = 'memepool_bench_viewers'
const REPORT_INTERVAL_MS = 2_000
const BILLING_POLL_MS = 250
const SERVER_START_TIMEOUT_MS = 120_000
const SERVER_STOP_TIMEOUT_MS = 15_000
/** Ramp progress this long without a new watching viewer ends the ramp where it got to. */
const RAMP_STALL_MS = 30_000

const TARGETS = {
  viewers: 19_000,
  p99Ms: 50,
  billingLagS: 2,
  ratio: 2,
}

const { values: args } = parseArgs({
  options: {
    viewers: { type: 'string', default: '19000' },
    steps: { type: 'string', default: '' },
    workers: { type: 'string', default: '4' },
    ramp: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '10' },
    steady: { type: 'string', default: '30' },
    phases: { type: 'string', default: 'echo,main' },
    request: { type: 'string', default: 'watch' },
    memes: { type: 'string', default: '20' },
    'fund-sats': { type: 'string', default: '100000' },
    pg: { type: 'boolean', default: false },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'log-level': { type: 'string', default: 'warn' },
    'block-interval': { type: 'string', default: '60' },
    profile: { type: 'boolean', default: false },
    'profile-s': { type: 'string', default: '10' },
    'server-flags': { type: 'string', default: '' },
    'server-env': { type: 'string', default: '' },
    json: { type: 'string', default: 'bench/results/viewers.json' },
    keep: { type: 'boolean', default: false },
    'quiet-wait': { type: 'string', default: '120' },
    help: { type: 'boolean', default: false },
  },
})

if (args.help) {
  process.stdout.write(
    [
      'tsx bench/viewers.ts [options]',
      '  --viewers N          concurrent viewers (19000)',
      '  --steps A,B,...      hold these viewer counts in turn before --viewers, each measured (none)',
      '  --workers N          load processes (4)',
      '  --ramp N             connections per second, all workers together (500)',
      '  --warmup S --steady S  seconds held before, and during, the measured window (10, 30)',
      '  --phases LIST        echo, gateway (stub watch handlers), main (src/main.ts): "echo,main"',
      '  --request KIND       watch (watch.start, then watch.confirm each second) or ping',
      '  --pg [--pg-url URL]  PostgreSQL instead of PGlite; a scratch database, dropped afterwards',
      '  --profile            a CPU profile of the server after each window, under the same load',
      '  --profile-s S        how long the profile lasts (10; over --block-interval to catch a block)',
      '  --server-flags=...   Node flags for the server processes, after those npm start uses (scripts/lib/node-flags.mjs)',
      '  --server-env K=V,... environment for the gateway and main servers, e.g. WATCH_START_CONCURRENCY=8',
      '  --json FILE          where the figures go (bench/results/viewers.json)',
      '  --keep               keep the data folder and the scratch database',
      '  --quiet-wait S       before each phase, wait up to S s for other processes to leave the CPU (120)',
      '',
    ].join('\n'),
  )
  process.exit(0)
}

type PhaseKind = 'echo' | 'gateway' | 'main'

const viewers = Number(args.viewers)
const workerCount = Number(args.workers)
const rampPerSecond = Number(args.ramp)
const warmupS = Number(args.warmup)
const steadyS = Number(args.steady)
const request = args.request as RequestKind
const phases = args.phases.split(',').map((p) => p.trim()) as PhaseKind[]
const usePg = args.pg
/** Viewer counts held and measured in turn; the last is --viewers. */
const steps = [
  ...new Set([
    ...args.steps
      .split(',')
      .filter((x) => x.trim() !== '')
      .map(Number)
      .filter((n) => n > 0 && n < viewers)
      .sort((a, b) => a - b),
    viewers,
  ]),
]
for (const phase of phases) {
  if (!['echo', 'gateway', 'main'].includes(phase)) throw new Error(`unknown phase ${phase}`)
}
if (request !== 'watch' && request !== 'ping') throw new Error(`unknown request kind ${request}`)

const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const runDir = path.resolve(ROOT, 'bench', 'results', `viewers-${stamp}`)
mkdirSync(runDir, { recursive: true })
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'memepool-bench-viewers-'))

// --- Processes we start, so that every exit path ends them ------------------------------------

const children = new Set<ChildProcess>()

function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

function killChildren(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL')
  }
}

/** Set once the scratch database exists, so that a signal can drop it too. */
let dropDatabase: (() => Promise<void>) | undefined

async function abort(signal: NodeJS.Signals): Promise<void> {
  console.log(`\n${signal}: stopping the processes and removing the scratch data`)
  killChildren()
  if (!args.keep) {
    rmSync(dataDir, { recursive: true, force: true })
    await Promise.race([dropDatabase?.().catch(() => {}), sleep(5_000)])
  }
  process.exit(signal === 'SIGINT' ? 130 : 143)
}

process.once('SIGINT', abort)
process.once('SIGTERM', abort)
process.on('exit', killChildren)

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function httpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: 2_000 }, (res) => {
      res.resume()
      resolve(true)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
  })
}

// --- Database ------------------------------------------------------------------------------------

interface Database {
  /** For the server's environment. */
  env: Record<string, string>
  label: string
  /** Open only between seeding and the server's start on PGlite; kept open on PostgreSQL. */
  open(): Promise<Db>
  drop(): Promise<void>
}

async function prepareDatabase(): Promise<Database> {
  if (!usePg) {
    const pgliteDir = path.join(dataDir, 'db')
    return {
      env: {},
      label: 'PGlite (in the server process)',
      open: () => openDatabase({ pgliteDir }),
      drop: async () => {},
    }
  }
  const adminUrl = args['pg-url']
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 })
  await admin.connect()
  await admin.query(`drop database if exists ${PG_DATABASE} with (force)`)
  await admin.query(`create database ${PG_DATABASE}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${PG_DATABASE}`
  return {
    env: { DATABASE_URL: url.toString(), MASTER_KEY: HD.fromRandom().toString() },
    label: `PostgreSQL (${url.host})`,
    open: () => openDatabase({ url: url.toString(), poolSize: 2 }),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      await c.query(`drop database if exists ${PG_DATABASE} with (force)`)
      await c.end()
    },
  }
}

// --- Servers -----------------------------------------------------------------------------------

interface RunningServer {
  kind: PhaseKind
  child: ChildProcess
  pid: number
  port: number
  probes: ProbeSample[]
  profileDone?: (result: { file?: string; error?: string }) => void
  gcDone?: (memory: MemoryAfterGc) => void
}

interface MemoryAfterGc {
  collected: boolean
  rssMb: number
  heapUsedMb: number
  externalMb: number
}

async function startServer(kind: PhaseKind, database: Database): Promise<RunningServer> {
  const log = createWriteStream(path.join(runDir, `${kind}-server.log`))
  const port = kind === 'main' ? await freePort() : 0
  const script = {
    echo: path.join(HERE, 'echo-server.ts'),
    gateway: path.join(HERE, 'gateway-server.ts'),
    main: path.join(ROOT, 'src', 'main.ts'),
  }[kind]
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    CHAIN: 'devnet',
    LOG_LEVEL: args['log-level'],
    DEVNET_BLOCK_INTERVAL_S: args['block-interval'],
    TRANSFORM_WORKERS: '0',
    ...(kind === 'echo' ? {} : { ...database.env, ...serverEnv() }),
  }
  const child = track(
    spawn(
      process.execPath,
      [
        '--expose-gc',
        ...SERVER_NODE_FLAGS,
        ...args['server-flags'].split(' ').filter(Boolean),
        '--import',
        'tsx',
        '--import',
        path.join(HERE, 'probe.ts'),
        script,
      ],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    ),
  )
  const server: RunningServer = { kind, child, pid: child.pid!, port, probes: [] }
  child.on(
    'message',
    (
      message: ProbeSample | { probeProfile: { file?: string; error?: string } } | { probeGc: MemoryAfterGc },
    ) => {
      if ('probe' in message) server.probes.push(message)
      else if ('probeProfile' in message) server.profileDone?.(message.probeProfile)
      else if ('probeGc' in message) server.gcDone?.(message.probeGc)
    },
  )
  child.stderr!.pipe(log)
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const listening = new Promise<number>((resolve) => {
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk)
      buffered += chunk.toString()
      const match = /^listening (\d+)$/m.exec(buffered)
      if (match) resolve(Number(match[1]))
      if (buffered.length > 65_536) buffered = buffered.slice(-1024)
    })
  })
  const started = Date.now()
  if (kind === 'main') {
    while (!(await httpAnswers(port))) {
      if (exited)
        throw new Error(`the ${kind} server exited while starting; see ${runDir}/${kind}-server.log`)
      if (Date.now() - started > SERVER_START_TIMEOUT_MS) throw new Error(`the ${kind} server did not start`)
      await sleep(250)
    }
  } else {
    server.port = await Promise.race([
      listening,
      sleep(SERVER_START_TIMEOUT_MS).then(() => {
        throw new Error(`the ${kind} server did not start`)
      }),
    ])
  }
  return server
}

/**
 * Waits for an open round: the devnet mines its first block when it starts, and the round that
 * block opens takes the seeded memes from the queue, which makes them watchable. Mines a block
 * if none came.
 */
async function awaitRound(port: number, adminToken: string): Promise<void> {
  const base = `http://127.0.0.1:${port}/api/v1`
  const deadline = Date.now() + 30_000
  let mined = false
  const started = Date.now()
  while (Date.now() < deadline) {
    const current = (await (await fetch(`${base}/rounds/current`)).json()) as {
      round: { height: number } | null
    }
    if (current.round) {
      console.log(`main: round ${current.round.height} is open`)
      return
    }
    if (!mined && Date.now() - started > 5_000) {
      mined = true
      const response = await fetch(`${base}/devnet/mine`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: '{}',
      })
      if (!response.ok) throw new Error(`mining a devnet block failed: ${response.status}`)
    }
    await sleep(250)
  }
  throw new Error('no round opened within 30 s')
}

async function stopServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null) return
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGTERM')
  await Promise.race([exited, sleep(SERVER_STOP_TIMEOUT_MS)])
  if (server.child.exitCode === null) {
    server.child.kill('SIGKILL')
    await exited
  }
}

/** The server's memory right after a full garbage collection. */
function memoryAfterGc(server: RunningServer): Promise<MemoryAfterGc | undefined> {
  return new Promise((resolve) => {
    server.gcDone = resolve
    server.child.send({ probeCommand: 'gc' })
    setTimeout(() => resolve(undefined), 10_000).unref()
  })
}

const PROFILE_MS = Number(args['profile-s']) * 1000

/** --server-env: KEY=VALUE pairs separated by commas. */
function serverEnv(): Record<string, string> {
  const pairs = args['server-env'].split(',').filter(Boolean)
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=')
      if (at <= 0) throw new Error(`--server-env: "${pair}" is not KEY=VALUE`)
      return [pair.slice(0, at), pair.slice(at + 1)]
    }),
  )
}

function profileServer(server: RunningServer, file: string): Promise<{ file?: string; error?: string }> {
  return new Promise((resolve) => {
    server.profileDone = resolve
    server.child.send({ probeCommand: 'profile', ms: PROFILE_MS, file })
    setTimeout(() => resolve({ error: 'no profile came back' }), PROFILE_MS + 20_000).unref()
  })
}

// --- Load workers --------------------------------------------------------------------------------

class Workers {
  readonly children: ChildProcess[] = []
  readonly latest = new Map<number, WorkerReport>()
  readonly finals = new Map<number, WorkerReport>()
  /** Acknowledged billable seconds per 100 ms bucket, over all workers, since the phase began. */
  readonly acked = new Map<number, number>()
  private onReport: (() => void) | undefined

  async start(
    phaseIndex: number,
    port: number,
    tokens: string[],
    memeIds: string[],
    connections: number,
  ): Promise<void> {
    const ready: Array<Promise<void>> = []
    for (let w = 0; w < workerCount; w++) {
      const child = track(
        fork(path.join(HERE, 'load.ts'), [], {
          cwd: ROOT,
          execArgv: ['--import', 'tsx'],
          env: { ...process.env, BENCH_WORKER_INDEX: String(w) },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      )
      this.children.push(child)
      if (child.pid !== undefined) benchPids.add(child.pid)
      ready.push(
        new Promise((resolve) => {
          child.on('message', (message: WorkerMessage) => {
            if (message.type === 'ready') resolve()
            else this.receive(message)
          })
        }),
      )
    }
    await Promise.all(ready)
    const share = Math.ceil(tokens.length / workerCount)
    for (const [w, child] of this.children.entries()) {
      const command: ParentCommand = {
        cmd: 'setup',
        setup: {
          workerIndex: w,
          url: `ws://127.0.0.1:${port}${WS_PATH}`,
          tokens: tokens.slice(w * share, (w + 1) * share),
          // A source address per phase and worker: each has its own ephemeral ports, and the
          // previous phase's connections in TIME_WAIT are on other addresses.
          localAddresses: [`127.0.${phaseIndex + 1}.${w + 1}`],
          rampPerSecond: rampPerSecond / workerCount,
          request,
          memeIds,
          confirmIntervalMs: 1_000,
          reportIntervalMs: REPORT_INTERVAL_MS,
          minBillableSeconds: 3,
          connections: this.share(connections, w),
        },
      }
      child.send(command)
    }
  }

  /** Worker w's part of `connections`. */
  private share(connections: number, w: number): number {
    return Math.floor(connections / workerCount) + (w < connections % workerCount ? 1 : 0)
  }

  /** Raises the number of connections the workers keep open to `connections` in all. */
  limit(connections: number): void {
    for (const [w, child] of this.children.entries()) {
      if (child.connected)
        child.send({ cmd: 'limit', connections: this.share(connections, w) } satisfies ParentCommand)
    }
  }

  private receive(report: WorkerReport): void {
    this.latest.set(report.workerIndex, report)
    if (report.final) this.finals.set(report.workerIndex, report)
    for (const [bucket, count] of report.ackedBuckets)
      this.acked.set(bucket, (this.acked.get(bucket) ?? 0) + count)
    this.onReport?.()
  }

  broadcast(command: ParentCommand): void {
    for (const child of this.children) if (child.connected) child.send(command)
  }

  totals() {
    let open = 0
    let active = 0
    let connecting = 0
    let sent = 0
    let answered = 0
    let loopDelayP99Ms = 0
    const latency = new Histogram()
    for (const r of this.latest.values()) {
      open += r.open
      active += r.active
      connecting += r.connecting
      sent += r.interval.sent
      answered += r.interval.answered
      latency.add(r.interval.latencyUs)
      loopDelayP99Ms = Math.max(loopDelayP99Ms, r.loopDelayP99Ms)
    }
    return { open, active, connecting, sent, answered, latency, loopDelayP99Ms }
  }

  async finish(): Promise<WorkerReport[]> {
    this.finals.clear()
    const all = new Promise<void>((resolve) => {
      this.onReport = () => {
        if (this.finals.size === this.children.length) resolve()
      }
    })
    this.broadcast({ cmd: 'finish' })
    await Promise.race([all, sleep(10_000)])
    this.onReport = undefined
    return [...this.finals.values()]
  }

  async stop(): Promise<void> {
    const exits = this.children.map(
      (child) =>
        new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
    )
    this.broadcast({ cmd: 'stop' })
    await Promise.race([Promise.all(exits), sleep(15_000)])
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL')
  }
}

// --- One phase -----------------------------------------------------------------------------------

interface Sample {
  atMs: number
  /** Busy CPU seconds of the whole machine, and of every process of this benchmark. */
  machineBusyS: number
  benchS: number
  /** CPU seconds of each PostgreSQL process working for the scratch database. */
  dbCpu: Map<number, number>
  cpuS: number
  mainThreadCpuS: number
  rssMb: number
  openFiles: number
}

/** One level of load held for a measured window. */
interface StepResult {
  viewersTarget: number
  /** Viewers watching (or pinging) at the start of the window, and the fewest during it. */
  viewersAtWindowStart: number
  viewersMinInWindow: number
  rampS: number
  windowS: number
  answersPerSecond: number
  sent: number
  answered: number
  ok: number
  errors: Record<string, number>
  uncountedConfirmations: number
  sessionRestarts: number
  latencyMs: HistogramSummary
  startLatencyMs: HistogramSummary
  replyBytesMean: number
  billing?: {
    unchargedSecondsInReplies: HistogramSummary
    /** From the replies: first reply that shows a second charged (upper), last that does not (lower). */
    replyBoundsS: { lower: HistogramSummary; upper: HistogramSummary }
    /** On PostgreSQL: acknowledged vs charged (holds.posted_sats) curves. */
    fromLedgerS?: { samples: number; p50: number; p99: number; max: number }
  }
  server: {
    cpuPct: number
    mainThreadCpuPct: number
    /** CPU µs the server spent per answered message. */
    cpuUsPerAnswer: number
    rssMeanMb: number
    rssMaxMb: number
    /** Right after a full collection at the end of the window. */
    rssAfterGcMb?: number
    heapUsedAfterGcMb?: number
    openFilesMax: number
    dbCpuPct?: number
    loopDelayP99MsMax: number
    loopDelayP99MsMean: number
    loopDelayMaxMs: number
    gcPct: number
    gcMaxMs: number
  }
  perThousand: { cpuPct: number; rssMb: number; rssMarginalMb: number }
  load: { cpuPct: number; loopDelayP99MsMax: number }
  /** CPU of processes outside the benchmark during the window (tests, compilers): noise if not near 0. */
  otherProcessesCpuPct: number
  /** Everything on the machine, 100% = one core. */
  machineCpuPct: number
  /** --profile: --profile-s seconds of the server under this step's load, after the window. */
  profile?: ProfileSummary & { file: string }
}

interface PhaseResult {
  kind: PhaseKind
  server: string
  idle: { cpuPct: number; rssMb: number; heapUsedMb?: number }
  steps: StepResult[]
  connectFailures: Record<string, number>
  closes: Record<string, number>
  /** After the load stopped and the sessions ended (PostgreSQL): charged vs acknowledged billable seconds. */
  billingCheck?: { chargedSeconds: number; acknowledgedBillableSeconds: number }
}

function mergeRecords(records: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v
  return out
}

function scaled(summary: HistogramSummary, factor: number): HistogramSummary {
  const round = (v: number) => Math.round(v * factor * 1000) / 1000
  return {
    count: summary.count,
    mean: round(summary.mean),
    p50: round(summary.p50),
    p90: round(summary.p90),
    p99: round(summary.p99),
    p999: round(summary.p999),
    max: round(summary.max),
  }
}

/** Processes of this benchmark besides the server: the load workers and this orchestrator. */
const benchPids = new Set<number>([process.pid])

/** CPU that processes outside this benchmark took between two samples (100% = one core). */
function otherCpuPct(from: Sample, to: Sample): number {
  const seconds = (to.atMs - from.atMs) / 1000
  const bench = to.benchS - from.benchS + dbCpuDelta(from, to)
  return Math.max(0, (100 * (to.machineBusyS - from.machineBusyS - bench)) / seconds)
}

/**
 * CPU the database's processes used between two samples. The pool opens and closes connections
 * (backends) as load varies; the pids are refreshed at every sample, so one missing from the
 * first sample was born since and counts from zero.
 */
function dbCpuDelta(from: Sample, to: Sample): number {
  let total = 0
  for (const [pid, end] of to.dbCpu) total += end - (from.dbCpu.get(pid) ?? 0)
  return total
}

function sampleServer(pid: number, dbPids: readonly number[] = []): Sample {
  let benchS = 0
  for (const p of [pid, ...benchPids]) benchS += cpuSeconds(p) ?? 0
  return {
    atMs: Date.now(),
    machineBusyS: machineCpuSeconds().busy,
    benchS,
    dbCpu: cpuSecondsOf(dbPids),
    cpuS: cpuSeconds(pid) ?? 0,
    mainThreadCpuS: cpuSeconds(pid, pid) ?? 0,
    rssMb: rssMb(pid) ?? 0,
    openFiles: openFiles(pid) ?? 0,
  }
}

/** Charged seconds of the bench viewers so far: what the ledger has posted on their holds. */
async function chargedSeconds(db: Db): Promise<number> {
  const result = await sql<{ posted: number | string | null }>`
    select coalesce(sum(posted_sats), 0) as posted from holds
    where account_id like ${`user:${VIEWER_ID_PREFIX}%`}`.execute(db.kysely)
  return Number(result.rows[0]?.posted ?? 0)
}

/** The time at which the acknowledged curve reached `value`, interpolated within its 100 ms buckets. */
function ackedReachedAt(curve: Array<[number, number]>, value: number): number | undefined {
  let previous = 0
  for (const [end, cumulative] of curve) {
    if (cumulative >= value) {
      const fraction = cumulative === previous ? 1 : (value - previous) / (cumulative - previous)
      return end - 100 + 100 * fraction
    }
    previous = cumulative
  }
  return undefined
}

/**
 * Other work on the machine (tests, compilers) takes CPU from the server and the load alike and
 * makes the figures noise: before a phase, wait up to --quiet-wait seconds for it to stop.
 */
async function awaitQuiet(kind: PhaseKind): Promise<number> {
  const maxWaitMs = Number(args['quiet-wait']) * 1000
  const started = Date.now()
  let announced = false
  while (true) {
    const before = { at: Date.now(), busy: machineCpuSeconds().busy, own: ownCpu() }
    await sleep(3_000)
    const seconds = (Date.now() - before.at) / 1000
    const others = (100 * (machineCpuSeconds().busy - before.busy - (ownCpu() - before.own))) / seconds
    if (others < 25 || Date.now() - started > maxWaitMs) {
      if (announced || others >= 25)
        console.log(`${kind}: other processes use ${others.toFixed(0)}% CPU; going ahead`)
      return others
    }
    if (!announced) console.log(`${kind}: other processes use ${others.toFixed(0)}% CPU; waiting for quiet`)
    announced = true
  }
}

function ownCpu(): number {
  let total = 0
  for (const pid of benchPids) total += cpuSeconds(pid) ?? 0
  return total
}

async function runPhase(
  kind: PhaseKind,
  phaseIndex: number,
  database: Database,
  seeded: { tokens: string[]; adminToken: string; memeIds: string[] },
): Promise<PhaseResult> {
  console.log(`\n=== ${kind}: starting the server`)
  await awaitQuiet(kind)
  const server = await startServer(kind, database)
  if (kind === 'main' && request === 'watch') await awaitRound(server.port, seeded.adminToken)
  await sleep(2_000)
  // Refreshed at each sample: the server's pool opens its connections (backends) as load grows.
  const dbPids: number[] = []
  const refreshDbPids = () => {
    if (usePg && kind !== 'echo') dbPids.splice(0, dbPids.length, ...postgresPidsFor(PG_DATABASE))
  }
  refreshDbPids()
  const idleStart = sampleServer(server.pid, dbPids)
  await sleep(3_000)
  const idleEnd = sampleServer(server.pid, dbPids)
  const idleCpuPct = (100 * (idleEnd.cpuS - idleStart.cpuS)) / ((idleEnd.atMs - idleStart.atMs) / 1000)
  const idleMemory = await memoryAfterGc(server)
  const rssIdleMb = idleMemory?.rssMb ?? idleEnd.rssMb
  console.log(
    `${kind}: pid ${server.pid}, port ${server.port}, idle RSS ${rssIdleMb.toFixed(0)} MB (after GC), heap ${idleMemory?.heapUsedMb.toFixed(0)} MB, idle CPU ${idleCpuPct.toFixed(1)}%`,
  )

  const workers = new Workers()
  await workers.start(phaseIndex, server.port, seeded.tokens, seeded.memeIds, steps[0]!)
  const phaseStarted = Date.now()
  const samples: Sample[] = []
  let lastSample = sampleServer(server.pid, dbPids)
  const progress = setInterval(() => {
    refreshDbPids()
    const sample = sampleServer(server.pid, dbPids)
    samples.push(sample)
    const seconds = (sample.atMs - lastSample.atMs) / 1000
    const cpuPct = (100 * (sample.cpuS - lastSample.cpuS)) / seconds
    const otherPct = otherCpuPct(lastSample, sample)
    lastSample = sample
    const t = workers.totals()
    const probe = server.probes.at(-1)
    console.log(
      `${kind} t=${((sample.atMs - phaseStarted) / 1000).toFixed(0).padStart(3)}s` +
        ` watching ${String(t.active).padStart(6)} open ${String(t.open).padStart(6)} connecting ${String(t.connecting).padStart(4)}` +
        ` | ${(t.answered / (REPORT_INTERVAL_MS / 1000)).toFixed(0).padStart(6)}/s p99 ${(t.latency.percentile(0.99) / 1000).toFixed(1).padStart(6)} ms` +
        ` | server cpu ${cpuPct.toFixed(0).padStart(3)}% rss ${sample.rssMb.toFixed(0)} MB fds ${sample.openFiles}` +
        ` loop p99/max ${probe ? `${probe.loopDelayMs.p99.toFixed(0)}/${probe.loopDelayMs.max.toFixed(0)}` : '?'} ms gc ${probe ? probe.gcMs.toFixed(0) : '?'} ms` +
        ` | load loop p99 ${t.loopDelayP99Ms.toFixed(0)} ms | others ${otherPct.toFixed(0).padStart(3)}%`,
    )
  }, REPORT_INTERVAL_MS)

  const billingDb = kind === 'main' && usePg && request === 'watch' ? await database.open() : undefined
  const billingSamples: Array<Array<[number, number]>> = []
  const results: StepResult[] = []
  for (const [stepIndex, step] of steps.entries()) {
    const rampStarted = Date.now()
    if (stepIndex > 0) workers.limit(step)
    // Ramp: until every viewer of the step watches, or no more join for a while.
    let best = 0
    let bestAt = Date.now()
    const rampDeadline = Date.now() + (step / rampPerSecond) * 1000 * 2 + 60_000
    while (true) {
      await sleep(500)
      const { active } = workers.totals()
      if (active > best) {
        best = active
        bestAt = Date.now()
      }
      if (active >= step) break
      if (Date.now() - bestAt > RAMP_STALL_MS || Date.now() > rampDeadline) {
        console.log(`${kind}: ramp stopped at ${active} of ${step} viewers`)
        break
      }
    }
    const rampS = (Date.now() - rampStarted) / 1000
    console.log(
      `${kind}: ${workers.totals().active} of ${step} watching after ${rampS.toFixed(0)} s; warm-up ${warmupS} s`,
    )
    await sleep(warmupS * 1000)

    // The measured window.
    workers.broadcast({ cmd: 'measure' })
    const viewersAtWindowStart = workers.totals().active
    let viewersMinInWindow = viewersAtWindowStart
    refreshDbPids()
    const windowStart = sampleServer(server.pid, dbPids)
    const probesBefore = server.probes.length
    const stepBilling: Array<[number, number]> = []
    billingSamples.push(stepBilling)
    const windowEndsAt = Date.now() + steadyS * 1000
    while (Date.now() < windowEndsAt) {
      if (billingDb) {
        try {
          stepBilling.push([Date.now(), await chargedSeconds(billingDb)])
        } catch (error) {
          console.log(`billing poll failed: ${(error as Error).message}`)
        }
      }
      viewersMinInWindow = Math.min(viewersMinInWindow, workers.totals().active)
      await sleep(billingDb ? BILLING_POLL_MS : 500)
    }
    refreshDbPids()
    const windowEnd = sampleServer(server.pid, dbPids)
    const finals = await workers.finish()
    const memory = await memoryAfterGc(server)
    const windowProbes = server.probes.slice(probesBefore)
    const windowSamples = samples.filter((x) => x.atMs >= windowStart.atMs && x.atMs <= windowEnd.atMs)

    const windowS = (windowEnd.atMs - windowStart.atMs) / 1000
    const sum = (pick: (r: WorkerReport) => number) => finals.reduce((a, r) => a + pick(r), 0)
    const histogram = (pick: (r: WorkerReport) => HistogramData) => {
      const h = new Histogram()
      for (const r of finals) h.add(pick(r))
      return h
    }
    const answered = sum((r) => r.window.answered)
    const cpuPct = (100 * (windowEnd.cpuS - windowStart.cpuS)) / windowS
    const rssMeanMb =
      windowSamples.reduce((a, x) => a + x.rssMb, 0) / Math.max(1, windowSamples.length) || windowEnd.rssMb
    const thousands = Math.max(1, viewersAtWindowStart) / 1000
    const replyBytes = histogram((r) => r.window.replyBytes)
    const result: StepResult = {
      viewersTarget: step,
      viewersAtWindowStart,
      viewersMinInWindow,
      rampS: round1(rampS),
      windowS: round1(windowS),
      answersPerSecond: Math.round(answered / windowS),
      sent: sum((r) => r.window.sent),
      answered,
      ok: sum((r) => r.window.ok),
      errors: mergeRecords(finals.map((r) => r.window.errors)),
      uncountedConfirmations: sum((r) => r.window.uncounted),
      sessionRestarts: sum((r) => r.window.sessionRestarts),
      latencyMs: scaled(histogram((r) => r.window.latencyUs).summary(), 1 / 1000),
      startLatencyMs: scaled(histogram((r) => r.window.startLatencyUs).summary(), 1 / 1000),
      replyBytesMean: Math.round(replyBytes.count ? replyBytes.sum / replyBytes.count : 0),
      server: {
        cpuPct: round1(cpuPct),
        mainThreadCpuPct: round1((100 * (windowEnd.mainThreadCpuS - windowStart.mainThreadCpuS)) / windowS),
        cpuUsPerAnswer: round1(((windowEnd.cpuS - windowStart.cpuS) * 1e6) / Math.max(1, answered)),
        rssMeanMb: round1(rssMeanMb),
        rssMaxMb: round1(Math.max(windowEnd.rssMb, ...windowSamples.map((x) => x.rssMb))),
        ...(memory
          ? { rssAfterGcMb: round1(memory.rssMb), heapUsedAfterGcMb: round1(memory.heapUsedMb) }
          : {}),
        openFilesMax: Math.max(windowEnd.openFiles, ...windowSamples.map((x) => x.openFiles)),
        ...(usePg && kind !== 'echo'
          ? { dbCpuPct: round1((100 * dbCpuDelta(windowStart, windowEnd)) / windowS) }
          : {}),
        loopDelayP99MsMax: round1(Math.max(0, ...windowProbes.map((x) => x.loopDelayMs.p99))),
        loopDelayP99MsMean: round1(
          windowProbes.reduce((a, x) => a + x.loopDelayMs.p99, 0) / Math.max(1, windowProbes.length),
        ),
        loopDelayMaxMs: round1(Math.max(0, ...windowProbes.map((x) => x.loopDelayMs.max))),
        gcPct: round1((100 * windowProbes.reduce((a, x) => a + x.gcMs, 0)) / (windowS * 1000)),
        gcMaxMs: round1(Math.max(0, ...windowProbes.map((x) => x.gcMaxMs))),
      },
      perThousand: {
        cpuPct: round2(cpuPct / thousands),
        rssMb: round2(rssMeanMb / thousands),
        // What the viewers add: RSS after a collection, less the idle server's after one.
        rssMarginalMb: round2(((memory?.rssMb ?? rssMeanMb) - rssIdleMb) / thousands),
      },
      load: {
        cpuPct: round1((100 * sum((r) => r.window.cpuMs)) / 1000 / windowS),
        loopDelayP99MsMax: round1(Math.max(0, ...finals.map((r) => r.loopDelayP99Ms))),
      },
      otherProcessesCpuPct: round1(otherCpuPct(windowStart, windowEnd)),
      machineCpuPct: round1((100 * (windowEnd.machineBusyS - windowStart.machineBusyS)) / windowS),
    }
    if (request === 'watch' && kind !== 'echo') {
      result.billing = {
        unchargedSecondsInReplies: histogram((r) => r.window.unchargedSeconds).summary(),
        replyBoundsS: {
          lower: scaled(histogram((r) => r.window.billingLagLowerMs).summary(), 1 / 1000),
          upper: scaled(histogram((r) => r.window.billingLagUpperMs).summary(), 1 / 1000),
        },
      }
    }
    if (args.profile) {
      // Under the same load, after the window: the profiler's own cost stays out of the figures.
      const file = path.join(runDir, `${kind}-${step}.cpuprofile`)
      console.log(`${kind} @ ${step}: profiling the server for ${PROFILE_MS / 1000} s`)
      const outcome = await profileServer(server, file)
      if (outcome.file) result.profile = { file: path.relative(ROOT, file), ...summarizeProfile(file, 25) }
      else console.log(`${kind}: profile failed: ${outcome.error}`)
    }
    results.push(result)
    console.log(
      `${kind} @ ${step}: ${viewersAtWindowStart} watching, ${result.answersPerSecond} answers/s, p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} max ${result.latencyMs.max} ms, server cpu ${result.server.cpuPct}% (${result.server.cpuUsPerAnswer} µs/answer), rss ${result.server.rssMeanMb} MB, others ${result.otherProcessesCpuPct}%`,
    )
  }

  clearInterval(progress)
  const last = workers.latest
  const connectFailures = mergeRecords([...last.values()].map((r) => r.connectFailures))
  const closes = mergeRecords([...last.values()].map((r) => r.closes))
  await workers.stop()

  let billingCheck: PhaseResult['billingCheck']
  if (billingDb) {
    // The sessions end as their connections close; their last seconds are charged at the next flush.
    await sleep(5_000)
    const finalCharged = await chargedSeconds(billingDb)
    await billingDb.close()
    const curve: Array<[number, number]> = []
    let cumulative = 0
    for (const bucket of [...workers.acked.keys()].sort((a, b) => a - b)) {
      cumulative += workers.acked.get(bucket)!
      curve.push([(bucket + 1) * 100, cumulative])
    }
    for (const [index, stepSamples] of billingSamples.entries()) {
      const lags = new Histogram()
      for (const [at, charged] of stepSamples) {
        const reached = ackedReachedAt(curve, charged)
        // The oldest acknowledged second not yet charged was acknowledged just after `reached`.
        lags.record(reached === undefined ? 0 : Math.max(0, at - reached))
      }
      const s = lags.summary()
      const billing = results[index]?.billing
      if (billing) {
        billing.fromLedgerS = {
          samples: s.count,
          p50: round2(s.p50 / 1000),
          p99: round2(s.p99 / 1000),
          max: round2(s.max / 1000),
        }
      }
    }
    billingCheck = { chargedSeconds: finalCharged, acknowledgedBillableSeconds: cumulative }
  }
  await stopServer(server)
  return {
    kind,
    server: { echo: 'bare ws echo', gateway: 'gateway + stub watch handlers', main: 'src/main.ts' }[kind],
    idle: {
      cpuPct: round1(idleCpuPct),
      rssMb: round1(rssIdleMb),
      ...(idleMemory ? { heapUsedMb: round1(idleMemory.heapUsedMb) } : {}),
    },
    steps: results,
    connectFailures,
    closes,
    ...(billingCheck ? { billingCheck } : {}),
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10
}

function round2(v: number): number {
  return Math.round(v * 100) / 100
}

// --- Report ---------------------------------------------------------------------------------------

function verdict(ok: boolean | undefined): 'PASS' | 'FAIL' | 'n/a' {
  return ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL'
}

function billingLagS(step: StepResult): { value: number; source: string } | undefined {
  const b = step.billing
  if (!b) return undefined
  if (b.fromLedgerS) return { value: b.fromLedgerS.p99, source: 'ledger curve p99' }
  return { value: b.replyBoundsS.upper.p99, source: 'replies, upper bound p99' }
}

/** Whether a step met the latency and billing targets with every viewer of the step watching. */
function stepHolds(step: StepResult): boolean {
  const lag = billingLagS(step)
  return (
    step.viewersMinInWindow >= step.viewersTarget * 0.995 &&
    step.latencyMs.p99 < TARGETS.p99Ms &&
    (lag === undefined || lag.value < TARGETS.billingLagS)
  )
}

function report(results: PhaseResult[], databaseLabel: string) {
  const cpus = os.cpus()
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    openFileLimit: openFileLimit(),
  }
  console.log(
    `\nViewers over WebSocket: steps ${steps.join(', ')}, ${workerCount} load processes, ${request} requests`,
  )
  console.log(
    `machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGb} GB, node ${machine.node}, open files ${machine.openFileLimit}; database ${databaseLabel}\n`,
  )
  const rows: Record<string, Record<string, number | string>> = {}
  for (const r of results) {
    for (const s of r.steps) {
      const lag = billingLagS(s)
      rows[`${r.kind} ${s.viewersTarget}`] = {
        watching: s.viewersMinInWindow,
        'answers/s': s.answersPerSecond,
        errors: Object.values(s.errors).reduce((a, b) => a + b, 0),
        'p50 ms': s.latencyMs.p50,
        'p99 ms': s.latencyMs.p99,
        'max ms': s.latencyMs.max,
        'lag p99 s': lag ? lag.value : '',
        'cpu %': s.server.cpuPct,
        'µs/answer': s.server.cpuUsPerAnswer,
        'rss MB': s.server.rssMeanMb,
        'loop p99 ms': s.server.loopDelayP99MsMax,
        'gc %': s.server.gcPct,
        'cpu %/1k': s.perThousand.cpuPct,
        'MB/1k': s.perThousand.rssMb,
        'MB/1k marg.': s.perThousand.rssMarginalMb,
        'load cpu %': s.load.cpuPct,
        'others %': s.otherProcessesCpuPct,
      }
    }
  }
  console.table(rows)
  for (const r of results) {
    const problems = { connectFailures: r.connectFailures, closes: r.closes }
    if (Object.values(problems).some((p) => Object.keys(p).length > 0))
      console.log(`${r.kind}:`, JSON.stringify(problems))
    for (const s of r.steps) {
      if (Object.keys(s.errors).length > 0)
        console.log(`${r.kind} ${s.viewersTarget} errors:`, JSON.stringify(s.errors))
      if (s.server.dbCpuPct !== undefined)
        console.log(`${r.kind} ${s.viewersTarget}: PostgreSQL processes used ${s.server.dbCpuPct}% CPU`)
      if (s.billing) {
        const b = s.billing
        console.log(
          `${r.kind} ${s.viewersTarget}: billing lag from replies p99 between ${b.replyBoundsS.lower.p99} and ${b.replyBoundsS.upper.p99} s` +
            ` (uncharged seconds in replies p99 ${b.unchargedSecondsInReplies.p99})` +
            (b.fromLedgerS
              ? `; from the ledger p50 ${b.fromLedgerS.p50} s, p99 ${b.fromLedgerS.p99} s, max ${b.fromLedgerS.max} s`
              : ''),
        )
      }
    }
    if (r.billingCheck)
      console.log(
        `${r.kind}: after the stop the ledger charged ${r.billingCheck.chargedSeconds} of ${r.billingCheck.acknowledgedBillableSeconds} acknowledged billable seconds`,
      )
    for (const s of r.steps) {
      if (!s.profile) continue
      console.log(
        `\n${r.kind} ${s.viewersTarget}: CPU profile (${s.profile.file}), busy ${s.profile.busyPct}%`,
      )
      console.table(s.profile.byOrigin.slice(0, 12))
      console.table(s.profile.byFunction.slice(0, 15))
    }
  }

  const echo = results.find((r) => r.kind === 'echo')
  const subject = results.find((r) => r.kind === 'main') ?? results.find((r) => r.kind === 'gateway')
  const ratioAt = (step: StepResult) => {
    const base = echo?.steps.find((s) => s.viewersTarget === step.viewersTarget)
    if (!base) return undefined
    return {
      viewers: step.viewersTarget,
      cpu: round2(step.perThousand.cpuPct / base.perThousand.cpuPct),
      rssTotal: round2(step.perThousand.rssMb / base.perThousand.rssMb),
      rssMarginal: round2(step.perThousand.rssMarginalMb / base.perThousand.rssMarginalMb),
    }
  }
  const ratios = subject?.steps.flatMap((s) => ratioAt(s) ?? [])
  const top = subject?.steps.at(-1)
  const topRatio = top && ratioAt(top)
  const lag = top && billingLagS(top)
  const ceiling = subject?.steps.filter(stepHolds).at(-1)?.viewersTarget ?? 0
  const targets =
    subject && top
      ? {
          [`concurrent paying viewers ≥ ${TARGETS.viewers}`]: {
            value: top.viewersMinInWindow,
            verdict: verdict(top.viewersMinInWindow >= TARGETS.viewers && request === 'watch'),
          },
          [`p99 confirmation → acknowledgement < ${TARGETS.p99Ms} ms`]: {
            value: top.latencyMs.p99,
            verdict: verdict(top.latencyMs.p99 < TARGETS.p99Ms),
          },
          [`billing lag p99 < ${TARGETS.billingLagS} s`]: {
            value: lag?.value,
            source: lag?.source,
            verdict: verdict(lag === undefined ? undefined : lag.value < TARGETS.billingLagS),
          },
          [`CPU per 1k viewers ≤ ${TARGETS.ratio}× echo`]: {
            value: topRatio?.cpu,
            verdict: verdict(topRatio && topRatio.cpu <= TARGETS.ratio),
          },
          [`memory per 1k viewers (marginal) ≤ ${TARGETS.ratio}× echo`]: {
            value: topRatio?.rssMarginal,
            verdict: verdict(topRatio && topRatio.rssMarginal <= TARGETS.ratio),
          },
          [`memory per 1k viewers (total RSS) ≤ ${TARGETS.ratio}× echo`]: {
            value: topRatio?.rssTotal,
            verdict: verdict(topRatio && topRatio.rssTotal <= TARGETS.ratio),
          },
          'largest step holding p99 and billing lag': { value: ceiling, verdict: '' },
        }
      : {}
  if (subject && top) {
    console.log(`\nTargets (${subject.kind} at ${top.viewersTarget}${topRatio ? ', ratios to echo' : ''}):`)
    console.table(targets)
    if (ratios && ratios.length > 1) console.table(ratios)
  }
  return {
    at: new Date().toISOString(),
    command: `tsx bench/viewers.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    config: {
      steps,
      workers: workerCount,
      rampPerSecond,
      warmupS,
      steadyS,
      request,
      phases,
      database: databaseLabel,
      blockIntervalS: Number(args['block-interval']),
      serverFlags: [...SERVER_NODE_FLAGS, ...args['server-flags'].split(' ').filter(Boolean)].join(' '),
      serverEnv: serverEnv(),
    },
    phases: results,
    ratios,
    targets,
    runDir: path.relative(ROOT, runDir),
  }
}

// --- Main --------------------------------------------------------------------------------------------

async function main() {
  const limit = openFileLimit()
  if (limit !== undefined && limit < viewers + 200) {
    console.log(`warning: this process may open ${limit} files; the server needs about ${viewers + 200}`)
  }
  const database = await prepareDatabase()
  dropDatabase = () => database.drop()
  const results: PhaseResult[] = []
  try {
    let seeded = { tokens: [] as string[], adminToken: '', memeIds: [] as string[] }
    if (phases.some((p) => p !== 'echo')) {
      const started = Date.now()
      const db = await database.open()
      seeded = await seed({
        db,
        viewers,
        fundSats: Number(args['fund-sats']),
        memes: Number(args.memes),
        mediaDir: path.join(dataDir, 'media'),
      })
      await db.close()
      console.log(
        `seeded ${viewers} viewers and ${seeded.memeIds.length} memes in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      )
    } else {
      seeded.tokens = Array.from({ length: viewers }, (_, i) => `echo-${i}`)
      seeded.memeIds = ['bench-meme-0']
    }
    for (const [index, kind] of phases.entries()) {
      results.push(await runPhase(kind, index, database, seeded))
      // Let the closed connections' sockets and the server's port settle.
      await sleep(3_000)
    }
  } finally {
    killChildren()
    if (!args.keep) {
      await database.drop().catch((error) => console.log(`could not drop the scratch database: ${error}`))
      rmSync(dataDir, { recursive: true, force: true })
    } else {
      console.log(`kept ${dataDir}${usePg ? ` and database ${PG_DATABASE}` : ''}`)
    }
  }
  const output = report(results, database.label)
  const jsonPath = path.resolve(ROOT, args.json)
  mkdirSync(path.dirname(jsonPath), { recursive: true })
  writeFileSync(jsonPath, `${JSON.stringify(output, null, 2)}\n`)
  writeFileSync(path.join(runDir, 'viewers.json'), `${JSON.stringify(output, null, 2)}\n`)
  console.log(
    `\nwrote ${path.relative(ROOT, jsonPath)} (logs and profiles in ${path.relative(ROOT, runDir)})`,
  )
}

await main()
process.exit(0)
