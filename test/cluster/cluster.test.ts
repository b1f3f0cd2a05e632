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
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BSM, PrivateKey, Utils } from '@bsv/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChallengeResponse } from '../../contracts/auth.ts'
import { type ServerMessage, WS_CHANNELS } from '../../contracts/ws.ts'
import {
  ClusterRun,
  DATABASE_URL,
  databaseUrl,
  freePortRange,
  isAlive,
  onServer,
  REDIS_URL,
  sleep,
  until,
  WsClient,
} from './support.ts'

const NODE_HEADER = 'x-memepool-node'
const READY_TIMEOUT_MS = 240_000
const STOP_TIMEOUT_MS = 40_000
/** Processes of the cluster: front, chain, 2 API nodes; the worker has no port. */
const PORTS_NEEDED = 4

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
async function subscribeToBlocks(front: string): Promise<{ ws: WsClient; messages: ServerMessage[] }> {
  const ws = await WsClient.open(front)
  await ws.subscribe(WS_CHANNELS.blocks)
  return { ws, messages: ws.messages }
}

describe.skipIf(!DATABASE_URL || !REDIS_URL)('npm run cluster (2 API nodes, 1 worker)', () => {
  const databaseName = `memepool_cluster_${randomBytes(5).toString('hex')}`
  const admin = PrivateKey.fromRandom()
  let run: ClusterRun
  let dataDir: string
  let front: string

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'memepool-cluster-'))
    const port = await freePortRange(PORTS_NEEDED)
    front = `http://127.0.0.1:${port}`
    run = new ClusterRun(['--nodes', '2', '--workers', '1', '--port', String(port), '--data-dir', dataDir], {
      ...process.env,
      DATABASE_URL: databaseUrl(databaseName),
      REDIS_URL,
      // The shared Redis may serve other deployments at the same time: keep to our own keys.
      REDIS_PREFIX: `${databaseName}:`,
      MASTER_KEY: '',
      DEVNET_BLOCK_INTERVAL_S: '0',
      ADMINS: admin.toPublicKey().toString(),
      LOG_LEVEL: 'warn',
      DEMO: 'off',
    })
    await run.waitReady(READY_TIMEOUT_MS)
  })

  afterAll(async () => {
    run?.killAll()
    await onServer(`drop database if exists ${databaseName} with (force)`)
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
          second.ws.close()
        }
      }
    } finally {
      ws.close()
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
