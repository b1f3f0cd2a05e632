/**
 * GET /api/v1/chain reports the network, the synced tip and the sync state, and /ready reports
 * the chain as degraded (still 200) while the source fails, then up again once sync recovers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { chainReadiness, chainRoutes } from '../../src/http/routes/chain.ts'
import { BlockSync } from '../../src/services/chain-sync.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FakeChain } from '../support/fake-chain.ts'

let db: TestDb
let chain: FakeChain
let sync: BlockSync
let t: TestApp

beforeAll(async () => {
  db = await openTestDb()
  chain = new FakeChain(3)
  sync = new BlockSync({ source: chain, db: db.kysely, bus: new InProcessBus() })
  t = await buildTestApp({
    db,
    deps: { apiRoutes: [chainRoutes({ network: 'devnet', sync })], readiness: [chainReadiness(sync)] },
  })
})
afterAll(async () => {
  await t?.close()
  await db?.close()
})

describe('GET /api/v1/chain', () => {
  it('says starting and has no tip before the first sync', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/chain' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      network: 'devnet',
      tip: null,
      sync: { state: 'starting', lastSyncAt: null, lastError: null },
    })
  })

  it('serves the synced tip', async () => {
    await sync.syncOnce()
    const body = (await t.app.inject({ method: 'GET', url: '/api/v1/chain' })).json()
    expect(body.tip).toEqual(chain.headers[2])
    expect(body.sync.state).toBe('synced')
    expect(Date.parse(body.sync.lastSyncAt)).not.toBeNaN()
  })

  it('shows a failing source as degraded on /ready without taking the node out', async () => {
    chain.failNext = 1
    await expect(sync.syncOnce()).rejects.toThrow()
    const ready = await t.app.inject({ method: 'GET', url: '/ready' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json().status).toBe('degraded')
    expect(ready.json().checks.chain.status).toBe('degraded')
    const status = (await t.app.inject({ method: 'GET', url: '/api/v1/chain' })).json()
    expect(status.sync).toMatchObject({ state: 'degraded', lastError: 'fake outage' })

    await sync.syncOnce()
    const recovered = await t.app.inject({ method: 'GET', url: '/ready' })
    expect(recovered.json()).toMatchObject({ status: 'ready', checks: { chain: { status: 'up' } } })
  })
})
