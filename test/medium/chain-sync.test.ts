/**
 * Block sync against a controllable in-memory chain: it follows the tip block by block,
 * detects reorganisations of any depth up to the limit, walks back to the common ancestor and
 * leaves the stored chain equal to the source's, announcing exactly what was removed and added;
 * it rides out source outages (status degraded, error kept) and resumes without skipping a block.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type BusTopics, InProcessBus } from '../../src/adapters/bus/bus.ts'
import { BlockSync } from '../../src/services/chain-sync.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FakeChain } from '../support/fake-chain.ts'

let db: TestDb
let chain: FakeChain
let bus: InProcessBus
let sync: BlockSync
let blocks: number[]
let reorgs: BusTopics['chain.reorg'][]

// One database for the file (opening PGlite costs seconds); each test starts with no blocks.
beforeAll(async () => {
  db = await openTestDb()
})
afterAll(async () => {
  await db?.close()
})

beforeEach(async () => {
  await db.kysely.deleteFrom('blocks').execute()
  chain = new FakeChain(5)
  bus = new InProcessBus()
  blocks = []
  reorgs = []
  bus.subscribe('chain.block', (h) => blocks.push(h.height))
  bus.subscribe('chain.reorg', (r) => reorgs.push(r))
  sync = new BlockSync({ source: chain, db: db.kysely, bus })
})
afterEach(async () => {
  await sync.stop()
})

async function storedChain() {
  const rows = await db.kysely.selectFrom('blocks').selectAll().orderBy('height').execute()
  return rows.map((r) => ({ height: r.height, hash: r.hash, prevHash: r.prev_hash }))
}

async function expectEqualToSource(fromHeight: number) {
  const stored = await storedChain()
  const expected = chain.headers
    .filter((h) => h.height >= fromHeight)
    .map((h) => ({ height: h.height, hash: h.hash, prevHash: h.prevHash }))
  expect(stored).toEqual(expected)
}

describe('block sync', () => {
  it('starts at the source tip and then follows it block by block', async () => {
    await sync.syncOnce()
    expect(blocks).toEqual([4])
    chain.extend(3)
    const outcome = await sync.syncOnce()
    expect(outcome.added.map((h) => h.height)).toEqual([5, 6, 7])
    expect(blocks).toEqual([4, 5, 6, 7])
    await expectEqualToSource(4)
    expect(sync.status()).toMatchObject({ state: 'synced', consecutiveFailures: 0, lastError: null })
    expect(sync.status().tip?.height).toBe(7)
  })

  it('does nothing when the tip has not moved', async () => {
    await sync.syncOnce()
    const outcome = await sync.syncOnce()
    expect(outcome).toEqual({ added: [], removed: [], behind: false })
  })

  it.each([1, 2, 3, 4, 5, 6])('follows a reorganisation of depth %i to the new branch', async (depth) => {
    chain = new FakeChain(2)
    sync = new BlockSync({ source: chain, db: db.kysely, bus })
    await sync.syncOnce()
    chain.extend(8)
    await sync.syncOnce()
    const oldHashes = (await storedChain()).slice(-depth).map((b) => b.hash)
    chain.reorg(depth)
    const outcome = await sync.syncOnce()
    expect(outcome.removed.map((h) => h.hash).sort()).toEqual([...oldHashes].sort())
    expect(outcome.added).toHaveLength(depth + 1)
    await expectEqualToSource(1)
    expect(reorgs).toHaveLength(1)
    expect(reorgs[0]!.ancestorHeight).toBe(9 - depth)
  })

  it('follows a reorganisation to a branch that is not longer', async () => {
    await sync.syncOnce()
    chain.extend(4)
    await sync.syncOnce()
    chain.reorg(3, 0)
    await sync.syncOnce()
    await expectEqualToSource(4)
  })

  it('rides out an outage, reports it, and resumes without skipping a block', async () => {
    await sync.syncOnce()
    chain.extend(2)
    chain.failNext = 3
    for (let i = 0; i < 3; i++) await expect(sync.syncOnce()).rejects.toThrow(/fake outage/)
    expect(sync.status()).toMatchObject({
      state: 'degraded',
      consecutiveFailures: 3,
      lastError: 'fake outage',
    })
    chain.extend(2)
    await sync.syncOnce()
    expect(blocks).toEqual([4, 5, 6, 7, 8])
    expect(sync.status()).toMatchObject({ state: 'synced', consecutiveFailures: 0 })
  })

  it('catches up a long gap in passes and reports catching-up meanwhile', async () => {
    await sync.syncOnce()
    chain.extend(450)
    const first = await sync.syncOnce()
    expect(first.behind).toBe(true)
    expect(sync.status().state).toBe('catching-up')
    while ((await sync.syncOnce()).behind) {
      // keep going
    }
    await expectEqualToSource(4)
    expect(blocks).toHaveLength(451)
  })

  it('runs on its own once started, waking when the source announces a tip', async () => {
    sync = new BlockSync({ source: chain, db: db.kysely, bus, pollIntervalMs: 60_000 })
    sync.start()
    await waitFor(() => blocks.length === 1)
    chain.extend(1)
    await waitFor(() => blocks.includes(5))
    await sync.stop()
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('block sync metrics', () => {
  it('exposes tip, lag, failures and reorganisations', async () => {
    const { Registry } = await import('prom-client')
    const registry = new Registry()
    sync = new BlockSync({ source: chain, db: db.kysely, bus, registry })
    await sync.syncOnce()
    chain.extend(2)
    await sync.syncOnce()
    chain.reorg(1)
    await sync.syncOnce()
    chain.failNext = 1
    await expect(sync.syncOnce()).rejects.toThrow()
    const text = await registry.metrics()
    expect(text).toMatch(/^chain_tip_height 7$/m)
    expect(text).toMatch(/^chain_sync_lag_blocks 0$/m)
    expect(text).toMatch(/^chain_sync_failures_total 1$/m)
    expect(text).toMatch(/^chain_reorgs_total 1$/m)
    expect(text).toMatch(/^chain_reorg_removed_blocks_total 1$/m)
  })
})
