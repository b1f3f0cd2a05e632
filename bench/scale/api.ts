/**
 * API read latency under load: autocannon (in this process) against the real server
 * (src/main.ts, embedded PGlite in a temporary data folder, DEMO off) on two public reads,
 * GET /api/v1/rounds/current and GET /api/v1/market/listings, then against a bare Fastify
 * hello-world (./hello-server.ts) on the same machine, each for --duration seconds at
 * --connections connections after a short warm-up. Reports requests/s, p50 and p99 latency,
 * the server's CPU, and how busy the rest of the machine was.
 *
 * The server limits each client address to RATE_LIMIT_API_PER_MIN requests a minute (1,000 by
 * default): the benchmark starts it with the limit at its maximum, 1,000,000, so that what is
 * measured is the route and not the 429.
 *
 *   node --import tsx bench/scale/api.ts --duration 10 --connections 50 --out result.json
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import {
  freePort,
  HERE,
  type MachineLoad,
  measureMachine,
  measureProcess,
  ROOT,
  round2,
  type ServerProcess,
  startServer,
  stopChildrenOnExit,
  stopServer,
} from './common.ts'
import { type BenchResult, othersPair, rowMaker, writeResult } from './report.ts'

const RATE_LIMIT_API_PER_MIN = '1000000'
const WARMUP_S = 2
const READS = ['/api/v1/rounds/current', '/api/v1/market/listings']

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'log-dir': { type: 'string', default: 'bench/results/scale-logs' },
    out: { type: 'string' },
  },
})

const durationS = Number(args.duration)
const connections = Number(args.connections)
const logDir = path.resolve(args['log-dir'])

export interface ApiRun {
  server: string
  path: string
  requestsPerSecond: number
  latencyMs: { p50: number; p99: number; max: number }
  non2xx: number
  errors: number
  timeouts: number
  serverCpuPct: number
  machine: MachineLoad
}

async function load(server: ServerProcess, urlPath: string): Promise<ApiRun> {
  const url = `http://127.0.0.1:${server.port}${urlPath}`
  await autocannon({ url, connections, duration: WARMUP_S })
  const endMachine = measureMachine()
  const endServer = measureProcess(server.pid)
  const result = await autocannon({ url, connections, duration: durationS })
  const serverUse = endServer()
  const run: ApiRun = {
    server: server.name,
    path: urlPath,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: {
      p50: round2(result.latency.p50),
      p99: round2(result.latency.p99),
      max: round2(result.latency.max),
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    serverCpuPct: serverUse.cpuPct,
    machine: endMachine(),
  }
  console.log(
    `api ${server.name} ${urlPath}: ${run.requestsPerSecond} req/s, p50 ${run.latencyMs.p50} p99 ${run.latencyMs.p99} ms, non-2xx ${run.non2xx}, errors ${run.errors}, server cpu ${run.serverCpuPct}%; others' cpu ${run.machine.othersPct}%`,
  )
  return run
}

async function main() {
  mkdirSync(logDir, { recursive: true })
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'memepool-bench-api-'))
  stopChildrenOnExit(async () => rmSync(dataDir, { recursive: true, force: true }))
  const runs: ApiRun[] = []
  try {
    const port = await freePort()
    const memepool = await startServer({
      name: 'memepool',
      script: path.join(ROOT, 'src', 'main.ts'),
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        CHAIN: 'devnet',
        DEMO: 'off',
        LOG_LEVEL: 'warn',
        TRANSFORM_WORKERS: '0',
        RATE_LIMIT_API_PER_MIN,
      },
      logFile: path.join(logDir, 'api-memepool.log'),
      ready: { httpPath: '/health', port },
    })
    for (const urlPath of READS) runs.push(await load(memepool, urlPath))
    await stopServer(memepool)
    const hello = await startServer({
      name: 'fastify hello-world',
      script: path.join(HERE, 'hello-server.ts'),
      env: { PORT: '0', HOST: '127.0.0.1' },
      logFile: path.join(logDir, 'api-hello.log'),
      ready: { line: true },
    })
    runs.push(await load(hello, '/hello'))
    await stopServer(hello)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
  const baseline = runs.at(-1)!
  const rows = runs.slice(0, -1).flatMap((run) => {
    const row = rowMaker({
      benchmark: 'api',
      label: (measure) => `GET ${run.path.replace('/api/v1', '')} ${measure} @ ${connections} conn.`,
      subject: 'memepool',
      baseline: 'Fastify hello-world',
      othersPct: othersPair(run.machine.othersPct, baseline.machine.othersPct),
    })
    return [
      row('req/s', run.requestsPerSecond, baseline.requestsPerSecond),
      row('p50 ms', run.latencyMs.p50, baseline.latencyMs.p50),
      row('p99 ms', run.latencyMs.p99, baseline.latencyMs.p99),
    ]
  })
  const result: BenchResult = {
    benchmark: 'api',
    rows,
    details: {
      connections,
      durationS,
      warmupS: WARMUP_S,
      database: 'PGlite (embedded, in the server process)',
      env: { DEMO: 'off', RATE_LIMIT_API_PER_MIN },
      runs,
    },
  }
  writeResult(args.out, result)
  process.exit(0)
}

await main()
