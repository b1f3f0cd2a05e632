/**
 * Redis for the medium tests (test/medium/redis-*.test.ts): they run only when REDIS_URL is set
 * (CI: redis://127.0.0.1:6379), each under its own key and channel prefix so that parallel files
 * never see each other, deleting only their own keys. RedisServer starts a private redis-server
 * on a free port for tests that kill and restart it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { connect, createServer } from 'node:net'
import { RedisBus } from '../../src/adapters/bus/redis-bus.ts'
import { openRedisClients, type RedisClients, type RedisConnection } from '../../src/adapters/redis/client.ts'
import { eventually } from './wait.ts'

export { eventually, sleep } from './wait.ts'

export const REDIS_URL = process.env.REDIS_URL
const READY_TIMEOUT_MS = 5_000

/** A prefix no other test (or run) uses, e.g. `test:bus:1a2b3c4d:`. */
export function testPrefix(name: string): string {
  return `test:${name}:${randomUUID().slice(0, 8)}:`
}

/** Clients that reconnect quickly, so outage tests do not wait on production backoff. */
export async function openTestClients(url: string): Promise<RedisClients> {
  const clients = openRedisClients(url, { minRetryDelayMs: 20, maxRetryDelayMs: 200 })
  await Promise.all([
    clients.commands.waitReady(READY_TIMEOUT_MS),
    clients.subscriber.waitReady(READY_TIMEOUT_MS),
  ])
  return clients
}

/** One simulated node: its own two connections, as a process has, and its bus. */
export interface TestNode {
  clients: RedisClients
  bus: RedisBus
}

export interface TwoNodes {
  a: TestNode
  b: TestNode
  /** Closes both nodes after deleting the keys under the prefix (when Redis is still there). */
  close(): Promise<void>
}

/** Two nodes on the Redis at `url`, sharing `prefix`. */
export async function openTwoNodes(url: string, prefix: string): Promise<TwoNodes> {
  const open = async (): Promise<TestNode> => {
    const clients = await openTestClients(url)
    return {
      clients,
      bus: new RedisBus({ publisher: clients.commands, subscriber: clients.subscriber, prefix }),
    }
  }
  const [a, b] = await Promise.all([open(), open()])
  return {
    a,
    b,
    close: async () => {
      if (a.clients.commands.isReady()) await deleteKeys(a.clients.commands, prefix)
      for (const node of [a, b]) {
        node.bus.close()
        await node.clients.close()
      }
    },
  }
}

/** Deletes the keys under `prefix` (and only those). */
export async function deleteKeys(connection: RedisConnection, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await connection.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    if (keys.length > 0) await connection.redis.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** A redis-server of the test's own on a free port, without persistence, that it can kill. */
export class RedisServer {
  private process: ChildProcess | undefined

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort())
    await server.restart()
    return server
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts it again on the same port and waits until it accepts connections. */
  async restart(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    )
    this.process = child
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`redis-server did not start: ${error.message}`)))
    })
    await Promise.race([failed, eventually(`redis-server on port ${this.port}`, () => this.accepts())])
  }

  /** kill -9: the connections see the socket drop, as in a crash. */
  async kill(): Promise<void> {
    const child = this.process
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    this.process = undefined
  }

  /** SIGSTOP: connections stay open but nothing answers, as with a hung server. */
  pause(): void {
    this.process?.kill('SIGSTOP')
  }

  resume(): void {
    this.process?.kill('SIGCONT')
  }

  private accepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const probe = connect(this.port, '127.0.0.1')
      probe.once('connect', () => {
        probe.end()
        resolve(true)
      })
      probe.once('error', () => resolve(false))
    })
  }
}
