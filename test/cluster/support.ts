/**
 * What the cluster tests share: running the real `npm run cluster` command and reading what it
 * started, waiting for conditions, free ports, scratch databases, and WebSocket clients that
 * speak the gateway's protocol (contracts/ws.ts) to one node or through the front.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import WebSocket from 'ws'
import { type ServerMessage, WS_PATH } from '../../contracts/ws.ts'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
export const DATABASE_URL = process.env.DATABASE_URL || undefined
export const REDIS_URL = process.env.REDIS_URL || undefined
export const WAIT_TIMEOUT_MS = 60_000

export interface Started {
  name: string
  role: string
  pid: number
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Retries `attempt` every 250 ms until it returns something other than undefined. */
export async function until<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = WAIT_TIMEOUT_MS,
): Promise<T> {
  const started = Date.now()
  let lastError: unknown
  for (;;) {
    const value = await attempt().catch((error: unknown) => {
      lastError = error
      return undefined
    })
    if (value !== undefined) return value
    if (Date.now() - started > timeoutMs) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : ''
      throw new Error(`timed out waiting for ${what}${why}`)
    }
    await sleep(250)
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A base port with the next `count - 1` free too. */
export async function freePortRange(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000)
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i)))
    if (free.every(Boolean)) return base
  }
  throw new Error('no free port range')
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** DATABASE_URL with another database name. */
export function databaseUrl(database: string): string {
  const url = new URL(DATABASE_URL!)
  url.pathname = `/${database}`
  return url.toString()
}

/** Runs one statement on the server's maintenance database (create or drop a scratch database). */
export async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/** `npm run cluster` as a child, with what it says it started. */
export class ClusterRun {
  output = ''
  readonly started: Started[] = []
  readonly child: ChildProcess
  readonly exited: Promise<number | null>

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'cluster.mjs'), ...args], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const read = (chunk: Buffer) => {
      this.output += chunk.toString()
      for (const match of chunk
        .toString()
        .matchAll(/cluster: started (\S+) \((\w+)\)(?: port \d+)? pid (\d+)/g)) {
        this.started.push({ name: match[1]!, role: match[2]!, pid: Number(match[3]) })
      }
    }
    this.child.stdout!.on('data', read)
    this.child.stderr!.on('data', read)
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  /** The lines the command itself printed (not its children's logs). */
  clusterLines(): string[] {
    return this.output.split('\n').filter((line) => line.startsWith('cluster: '))
  }

  pidsOf(name: string): number[] {
    return this.started.filter((s) => s.name === name).map((s) => s.pid)
  }

  /** The pid the process called `name` runs under now (its latest start). */
  currentPid(name: string): number {
    const pid = this.pidsOf(name).at(-1)
    if (pid === undefined) throw new Error(`the cluster started no process called ${name}`)
    return pid
  }

  async waitReady(timeoutMs: number): Promise<void> {
    await until(
      'the cluster to say it is ready',
      async () => {
        if (this.child.exitCode !== null) throw new Error(`the cluster exited early:\n${this.output}`)
        return this.output.includes('cluster: ready at') ? true : undefined
      },
      timeoutMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.output.slice(-4000)}`)
    })
  }

  /** Kills the command and everything it started, at once. */
  killAll(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL')
    for (const started of this.started) if (isAlive(started.pid)) process.kill(started.pid, 'SIGKILL')
  }
}

type Reply = Extract<ServerMessage, { type: 'reply' }> | Extract<ServerMessage, { type: 'error' }>

/** A WebSocket client of the gateway: requests with ids, subscriptions, every message kept. */
export class WsClient {
  readonly messages: ServerMessage[] = []
  private nextId = 1
  private readonly waiting = new Map<number, (message: Reply) => void>()

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage
      this.messages.push(message)
      if ((message.type === 'reply' || message.type === 'error') && message.id !== undefined) {
        this.waiting.get(message.id)?.(message)
        this.waiting.delete(message.id)
      }
    })
  }

  /** Connects to `baseUrl` (http://host:port), signed in with `token` when given. */
  static async open(baseUrl: string, token?: string): Promise<WsClient> {
    const ws = new WebSocket(`${baseUrl.replace('http:', 'ws:')}${WS_PATH}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return new WsClient(ws)
  }

  /** Sends a request and resolves to its reply or error message. */
  request(type: string, body: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<Reply> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`no answer to ${type} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.set(id, (message) => {
        clearTimeout(timer)
        resolve(message)
      })
      this.ws.send(JSON.stringify({ id, type, ...body }))
    })
  }

  /** The data of a successful reply; throws with the code otherwise. */
  async call<T>(type: string, body: Record<string, unknown> = {}): Promise<T> {
    const answer = await this.request(type, body)
    if (answer.type !== 'reply') throw new Error(`${type} failed: ${answer.code} ${answer.message}`)
    return answer.data as T
  }

  async subscribe(channel: string): Promise<void> {
    await this.call('subscribe', { channel })
  }

  /** Events of `channel` received so far (snapshots included when asked). */
  events(channel: string, withSnapshots = false): unknown[] {
    return this.messages
      .filter(
        (m): m is Extract<ServerMessage, { type: 'event' }> =>
          m.type === 'event' && m.channel === channel && (withSnapshots || m.snapshot !== true),
      )
      .map((m) => m.data)
  }

  close(): void {
    this.ws.terminate()
  }
}
