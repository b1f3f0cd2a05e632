/**
 * What the scale benchmarks (bench/scale.ts and its parts) share: starting and stopping the
 * processes under test so that every exit path ends them, forking load processes, how busy the
 * rest of the machine was during a measurement (from /proc, as bench/viewers does), and the
 * machine's description for the report.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVER_NODE_FLAGS } from '../../scripts/lib/node-flags.mjs'
import { cpuSecondsOf, deltaCpu, machineCpuSeconds, openFileLimit, rssMb } from '../viewers/procstat.ts'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const HERE = path.join(ROOT, 'bench', 'scale')
const START_TIMEOUT_MS = 120_000
const STOP_TIMEOUT_MS = 15_000

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function round1(v: number): number {
  return Math.round(v * 10) / 10
}

export function round2(v: number): number {
  return Math.round(v * 100) / 100
}

/** a / b to two decimals, or undefined when there is no baseline to divide by. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined
  return round2(a / b)
}

// --- Processes ------------------------------------------------------------------------------------

const children = new Set<ChildProcess>()

export function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

export function killChildren(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL')
  }
}

/** Pids of every process this one started and that still runs: its share of the machine. */
export function childPids(): number[] {
  return [...children].flatMap((c) => (c.pid !== undefined && c.exitCode === null ? [c.pid] : []))
}

/** Kills the children on exit and on a signal; `cleanup` removes scratch data first. */
export function stopChildrenOnExit(cleanup: () => Promise<void> = async () => {}): void {
  const abort = async (signal: NodeJS.Signals) => {
    killChildren()
    await Promise.race([cleanup().catch(() => {}), sleep(5_000)])
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', abort)
  process.once('SIGTERM', abort)
  process.on('exit', killChildren)
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export function httpAnswers(port: number, urlPath = '/health'): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 2_000 }, (res) => {
      res.resume()
      resolve(res.statusCode !== undefined && res.statusCode < 500)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
  })
}

export interface ServerProcess {
  name: string
  child: ChildProcess
  pid: number
  port: number
}

export interface ServerStart {
  name: string
  script: string
  env: Record<string, string>
  /** Where its output goes. */
  logFile: string
  /**
   * How to know it is up: it prints `listening <port>` (PORT=0), or it answers HTTP on this
   * path at `port`.
   */
  ready: { line: true } | { httpPath: string; port: number }
}

/**
 * Starts a server under test in its own process, with a plain environment plus `env`, and the
 * Node flags npm start gives the server (scripts/lib/node-flags.mjs), baselines included.
 */
export async function startServer(start: ServerStart): Promise<ServerProcess> {
  const log = createWriteStream(start.logFile)
  const child = track(
    spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', start.script], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'production',
        ...start.env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  )
  child.stderr!.pipe(log)
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const printed = new Promise<number>((resolve) => {
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
  let port: number
  if ('line' in start.ready) {
    port = await Promise.race([
      printed,
      sleep(START_TIMEOUT_MS).then(() => {
        throw new Error(`${start.name} did not start; see ${start.logFile}`)
      }),
    ])
  } else {
    port = start.ready.port
    while (!(await httpAnswers(port, start.ready.httpPath))) {
      if (exited) throw new Error(`${start.name} exited while starting; see ${start.logFile}`)
      if (Date.now() - started > START_TIMEOUT_MS) throw new Error(`${start.name} did not start`)
      await sleep(250)
    }
  }
  return { name: start.name, child, pid: child.pid!, port }
}

export async function stopServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null) return
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGTERM')
  await Promise.race([exited, sleep(STOP_TIMEOUT_MS)])
  if (server.child.exitCode === null) server.child.kill('SIGKILL')
}

/** Forks a load process (a module of this folder) that talks to this one over IPC. */
export function forkLoad(script: string, index: number): ChildProcess {
  return track(
    fork(path.join(HERE, script), [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_WORKER_INDEX: String(index) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
}

/** Sends `stop` to load processes and waits for them to exit, killing what is left. */
export async function stopLoads(loads: ChildProcess[]): Promise<void> {
  const exits = loads.map(
    (child) =>
      new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
  )
  for (const child of loads) if (child.connected) child.send({ cmd: 'stop' })
  await Promise.race([Promise.all(exits), sleep(STOP_TIMEOUT_MS)])
  for (const child of loads) if (child.exitCode === null) child.kill('SIGKILL')
}

// --- How busy the machine was -----------------------------------------------------------------

/** CPU of the machine over a window, in % of one core (the machine has os.cpus().length × 100). */
export interface MachineLoad {
  /** Every process of the machine. */
  machinePct: number
  /** The processes of this benchmark: this one and every process it started. */
  benchPct: number
  /** Everything else: other people's work, which makes the figures noisy. */
  othersPct: number
}

/** Starts measuring; the returned function ends the window and reports it. */
export function measureMachine(): () => MachineLoad {
  const pids = [process.pid, ...childPids()]
  const startMachine = machineCpuSeconds().busy
  const startBench = cpuSecondsOf(pids)
  const startedAt = performance.now()
  return () => {
    const seconds = (performance.now() - startedAt) / 1000
    const machine = machineCpuSeconds().busy - startMachine
    // Processes started during the window count from their first sample on.
    const bench = deltaCpu(startBench, cpuSecondsOf([...startBench.keys()]))
    const pct = (s: number) => round1((100 * s) / Math.max(seconds, 0.001))
    return { machinePct: pct(machine), benchPct: pct(bench), othersPct: pct(Math.max(0, machine - bench)) }
  }
}

/** CPU % (of one core) and mean RSS of one process over a window, sampled every second. */
export function measureProcess(pid: number): () => { cpuPct: number; rssMeanMb: number; rssMaxMb: number } {
  const start = cpuSecondsOf([pid])
  const startedAt = performance.now()
  const rss: number[] = []
  const sample = () => {
    const mb = rssMb(pid)
    if (mb !== undefined) rss.push(mb)
  }
  sample()
  const timer = setInterval(sample, 1_000)
  return () => {
    clearInterval(timer)
    sample()
    const seconds = (performance.now() - startedAt) / 1000
    const cpu = deltaCpu(start, cpuSecondsOf([pid]))
    return {
      cpuPct: round1((100 * cpu) / seconds),
      rssMeanMb: round1(rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length)),
      rssMaxMb: round1(Math.max(0, ...rss)),
    }
  }
}

export interface Machine {
  cpu: string
  cores: number
  memoryGb: number
  node: string
  kernel: string
  openFileLimit: number | undefined
}

export function describeMachine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown'
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (match) cpu = match[1]!.trim()
  } catch {
    // Not Linux: os.cpus() says enough.
  }
  return {
    cpu,
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    openFileLimit: openFileLimit(),
  }
}
