/**
 * Block sync against the real devnet, through both ways the server can reach a chain: the
 * in-process source and the WhatsOnChain client over the devnet's WoC-shaped HTTP API.
 * Reorganisations of depth 1 to 6 leave the stored chain equal to the devnet's, block for block.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { DEVNET_WOC_PREFIX, devnetWocRoutes } from '../../src/adapters/chain/devnet/http.ts'
import { TokenBucket } from '../../src/adapters/chain/limiter.ts'
import type { ChainSource } from '../../src/adapters/chain/source.ts'
import { WhatsOnChainSource } from '../../src/adapters/chain/whatsonchain.ts'
import { BlockSync } from '../../src/services/chain-sync.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

let dataDir: string
let devnet: Devnet
let server: FastifyInstance
let baseUrl: string
const dbs: TestDb[] = []

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'memepool-sync-devnet-'))
  devnet = await Devnet.open({ dataDir, blockIntervalSeconds: 0 })
  await devnet.mine(3)
  server = Fastify()
  await server.register(devnetWocRoutes(devnet), { prefix: DEVNET_WOC_PREFIX })
  const address = await server.listen({ host: '127.0.0.1', port: 0 })
  baseUrl = `${address}${DEVNET_WOC_PREFIX}`
})
afterAll(async () => {
  await server?.close()
  await devnet?.close()
  for (const db of dbs) await db.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const sources: [string, () => ChainSource][] = [
  ['in-process devnet source', () => new DevnetChainSource(devnet)],
  [
    'WhatsOnChain client over the devnet HTTP API',
    () =>
      new WhatsOnChainSource({
        network: 'devnet',
        baseUrl,
        limiter: new TokenBucket({ requestsPerSecond: 1_000 }),
      }),
  ],
]

describe.each(sources)('block sync through the %s', (_, makeSource) => {
  it('stays equal to the devnet through reorganisations of depth 1 to 6', async () => {
    const db = await openTestDb()
    dbs.push(db)
    const bus = new InProcessBus()
    const reorgDepths: number[] = []
    bus.subscribe('chain.reorg', (r) => reorgDepths.push(r.removed.length))
    const sync = new BlockSync({ source: makeSource(), db: db.kysely, bus })
    const firstHeight = devnet.tip().height
    await sync.syncOnce()
    await devnet.mine(8)
    await sync.syncOnce()
    for (let depth = 1; depth <= 6; depth++) {
      await devnet.reorg(depth)
      await sync.syncOnce()
      const stored = await db.kysely
        .selectFrom('blocks')
        .select(['height', 'hash', 'prev_hash'])
        .orderBy('height')
        .execute()
      const expected = []
      for (let h = firstHeight; h <= devnet.tip().height; h++) {
        const block = (await new DevnetChainSource(devnet).headerByHeight(h))!
        expected.push({ height: block.height, hash: block.hash, prev_hash: block.prevHash })
      }
      expect(stored).toEqual(expected)
    }
    expect(reorgDepths).toEqual([1, 2, 3, 4, 5, 6])
  })
})
