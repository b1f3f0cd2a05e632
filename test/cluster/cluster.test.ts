/**
 * Runs the real `npm run cluster` command (scripts/cluster.mjs) with 2 API nodes and 1 worker on
 * a fresh PostgreSQL database and the local Redis, and proves, through the front only:
 *   - requests are answered by both API nodes in turn (X-Memepool-Node), never by the chain's owner;
 *   - public endpoints work (info on PostgreSQL, the chain, the probes);
 *   - the cluster has ONE chain: an admin signed in through the front mines a block with the
 *     devnet control route (answered by the chain's owner), a WebSocket opened through the front
 *     receives that block on the `blocks` channel, and new subscriptions' snapshots (read from
 *     the shared database) and the owner's WhatsOnChain API name the same tip;
 *   - a node killed with SIGKILL is reported and restarted, and the front keeps answering;
 *   - SIGTERM stops the command and every process it started (no pid survives).
 * Skipped unless DATABASE_URL and REDIS_URL are set; the database is created and dropped here.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BSM, PrivateKey, Utils } from '@bsv/sdk'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { ChallengeResponse } from '../../contracts/auth.ts'
import { type ServerMessage, WS_CHANNELS, WS_PATH } from '../../contracts/ws.ts'

const DATABASE_URL = process.env.DATABASE_URL || undefined
const REDIS_URL = process.env.REDIS_URL || undefined
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const NODE_HEADER = 'x-memepool-node'
const READY_TIMEOUT_MS = 240_000
const WAIT_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 40_000
/** Processes of the cluster: front, chain, 2 API nodes; the worker has no port. */
const PORTS_NEEDED = 4

interface Started {
  name: string
  role: string
  pid: number
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function until<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = WAIT_TIMEOUT_MS,
): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = await attempt().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
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

/** A base port with the next few free too. */
async function freePortRange(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000)
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i)))
    if (free.every(Boolean)) return base
  }
  throw new Error('no free port range')
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

class ClusterRun {
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
}

async function signInAsAdmin(front: string, key: PrivateKey): Promise<string> {
  const challengeResponse = await fetch(`${front}/api/v1/auth/challenge`, { method: 'POST' })
  expect(challengeResponse.status).toBe(200)
  const challenge = (await challengeResponse.json()) as ChallengeResponse
  const login = await fetch(`${front}/api/v1/auth/login?bearer=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      method: 'bsm',
      challengeId: challenge.challengeId,
      signature: BSM.sign(Utils.toArray(challenge.message, 'utf8'), key),
      publicKey: key.toPublicKey().toString(),
    }),
  })
  const body = (await login.json()) as { token?: string; user?: { role: string } }
  expect(login.status, JSON.stringify(body)).toBe(200)
  expect(body.user?.role).toBe('admin')
  return body.token!
}

/** A WebSocket through the front, subscribed to `blocks`, collecting every message. */
async function subscribeToBlocks(front: string): Promise<{ ws: WebSocket; messages: ServerMessage[] }> {
  const ws = new WebSocket(`${front.replace('http:', 'ws:')}${WS_PATH}`)
  const messages: ServerMessage[] = []
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as ServerMessage))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  ws.send(JSON.stringify({ id: 1, type: 'subscribe', channel: WS_CHANNELS.blocks }))
  await until('the subscription reply', async () =>
    messages.some((m) => m.type === 'reply' && m.id === 1) ? true : undefined,
  )
  return { ws, messages }
}

describe.skipIf(!DATABASE_URL || !REDIS_URL)('npm run cluster (2 API nodes, 1 worker)', () => {
  const databaseName = `memepool_cluster_${randomBytes(5).toString('hex')}`
  const admin = PrivateKey.fromRandom()
  let run: ClusterRun
  let dataDir: string
  let front: string

  const serverUrl = (database: string) => {
    const url = new URL(DATABASE_URL!)
    url.pathname = `/${database}`
    return url.toString()
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'memepool-cluster-'))
    const port = await freePortRange(PORTS_NEEDED)
    front = `http://127.0.0.1:${port}`
    run = new ClusterRun(['--nodes', '2', '--workers', '1', '--port', String(port), '--data-dir', dataDir], {
      ...process.env,
      DATABASE_URL: serverUrl(databaseName),
      REDIS_URL,
      MASTER_KEY: '',
      DEVNET_BLOCK_INTERVAL_S: '0',
      ADMINS: admin.toPublicKey().toString(),
      LOG_LEVEL: 'warn',
      DEMO: 'off',
    })
    await until(
      'the cluster to say it is ready',
      async () => {
        if (run.child.exitCode !== null) throw new Error(`the cluster exited early:\n${run.output}`)
        return run.output.includes('cluster: ready at') ? true : undefined
      },
      READY_TIMEOUT_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${run.output.slice(-4000)}`)
    })
  })

  afterAll(async () => {
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL')
    for (const started of run?.started ?? []) if (isAlive(started.pid)) process.kill(started.pid, 'SIGKILL')
    const client = new pg.Client({ connectionString: serverUrl('postgres') })
    await client.connect()
    await client.query(`drop database if exists ${databaseName} with (force)`)
    await client.end()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('prints one line per process and created the database and the master key it uses', () => {
    expect(run.started.map((s) => `${s.name} ${s.role}`).sort()).toEqual([
      'api-1 api',
      'api-2 api',
      'chain chain',
      'front front',
      'worker-1 worker',
    ])
    expect(run.clusterLines().some((line) => line.includes(`created database ${databaseName}`))).toBe(true)
    // The generated key is kept, never printed.
    expect(run.output).not.toMatch(/xprv[1-9A-HJ-NP-Za-km-z]{20,}/)
  })

  it('spreads requests over both API nodes, and the public endpoints answer through the front', async () => {
    const nodes: string[] = []
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${front}/api/v1/info`)
      expect(response.status).toBe(200)
      nodes.push(response.headers.get(NODE_HEADER) ?? 'none')
      const info = (await response.json()) as { chain: string; mode: { database: string; bus: string } }
      expect(info.chain).toBe('devnet')
      expect(info.mode.database).toBe('postgres')
    }
    expect(new Set(nodes)).toEqual(new Set(['api-1', 'api-2']))
    expect((await fetch(`${front}/health`)).status).toBe(200)
    expect((await fetch(`${front}/ready`)).status).toBe(200)
    const chain = await fetch(`${front}/api/v1/chain`)
    expect(chain.status).toBe(200)
    expect(((await chain.json()) as { network: string }).network).toBe('devnet')
  })

  it('has one chain: a block mined through the front reaches a WebSocket on the blocks channel and the shared database', async () => {
    const token = await signInAsAdmin(front, admin)
    const { ws, messages } = await subscribeToBlocks(front)
    try {
      const mined = await fetch(`${front}/api/v1/devnet/mine`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ count: 1 }),
      })
      const body = (await mined.json()) as { tip: { height: number; hash: string } }
      expect(mined.status, JSON.stringify(body)).toBe(200)
      expect(mined.headers.get(NODE_HEADER)).toBe('chain')
      const { tip } = body

      const event = await until('the mined block on the blocks channel', async () =>
        messages.find(
          (m) =>
            m.type === 'event' &&
            m.channel === WS_CHANNELS.blocks &&
            m.snapshot !== true &&
            (m.data as { hash?: string }).hash === tip.hash,
        ),
      )
      expect(event).toMatchObject({ data: { height: tip.height, hash: tip.hash } })

      // The devnet's owner holds that tip, and the block is stored for the whole cluster: a new
      // subscription's snapshot, read from the database by whichever node takes it, names it.
      const info = await fetch(`${front}/devnet/v1/bsv/devnet/chain/info`)
      expect(((await info.json()) as { bestblockhash: string }).bestblockhash).toBe(tip.hash)
      for (let i = 0; i < 2; i++) {
        const second = await subscribeToBlocks(front)
        try {
          const snapshot = await until('a snapshot of the blocks channel', async () =>
            second.messages.find((m) => m.type === 'event' && m.snapshot === true),
          )
          expect(snapshot).toMatchObject({ data: { height: tip.height, hash: tip.hash } })
        } finally {
          second.ws.terminate()
        }
      }
    } finally {
      ws.terminate()
    }
  })

  it('restarts a node killed with SIGKILL while the front keeps answering', async () => {
    const [firstPid] = run.pidsOf('api-2')
    process.kill(firstPid!, 'SIGKILL')
    await until('the death to be reported', async () =>
      run
        .clusterLines()
        .some((l) => l.includes(`api-2 (pid ${firstPid}) exited with signal SIGKILL; restarting`))
        ? true
        : undefined,
    )
    // Meanwhile every request is answered, by the node that is left.
    for (let i = 0; i < 4; i++) expect((await fetch(`${front}/api/v1/info`)).status).toBe(200)
    await until('api-2 to be restarted', async () => (run.pidsOf('api-2').length === 2 ? true : undefined))
    await until(
      'api-2 to answer through the front again',
      async () => {
        const response = await fetch(`${front}/api/v1/info`)
        return response.headers.get(NODE_HEADER) === 'api-2' ? true : undefined
      },
      READY_TIMEOUT_MS,
    )
    expect(run.pidsOf('api-2')[1]).not.toBe(firstPid)
  })

  it('stops every process it started on SIGTERM, leaving none behind', async () => {
    const pids = run.started.map((s) => s.pid)
    run.child.kill('SIGTERM')
    const code = await Promise.race([run.exited, sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const)])
    expect(code, run.output.slice(-3000)).toBe(0)
    expect(run.clusterLines()).toContain('cluster: stopped')
    expect(pids.filter(isAlive)).toEqual([])
    const refused = await fetch(`${front}/health`).then(
      () => 'answered',
      () => 'refused',
    )
    expect(refused).toBe('refused')
  })
})
