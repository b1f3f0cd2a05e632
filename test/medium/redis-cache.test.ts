/**
 * The shared cache: values live in Redis with their TTL (SET PX) and come back as written (null
 * and bigint included); and the current round read through it on two nodes: a round computed on
 * node A is served by node B without B reading the database, a 'round.updated' published on A
 * makes both nodes read the database again, and without that message the copy lasts only its TTL.
 * Runs only with REDIS_URL (CI: redis://127.0.0.1:6379); the database is PGlite or DATABASE_URL.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RoundView } from '../../contracts/rounds.ts'
import { CachedValue } from '../../src/adapters/cache/cached-value.ts'
import { RedisCache } from '../../src/adapters/cache/redis-cache.ts'
import { RoundQueries } from '../../src/services/rounds/round-queries.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { eventually, openTwoNodes, REDIS_URL, sleep, type TwoNodes, testPrefix } from '../support/redis.ts'

const PARAMS = {
  feeBps: 200,
  directPct: 40,
  creatorPct: 10,
  topWeights: [50, 30, 20],
  topSharePct: 90,
  viewerSharePct: 10,
  fastViewers: 10,
  qualifySeconds: 10,
  memesPerRound: 20,
}

describe.skipIf(!REDIS_URL)('the Redis cache', () => {
  const prefix = testPrefix('cache')
  let nodes: TwoNodes
  let db: TestDb

  beforeAll(async () => {
    nodes = await openTwoNodes(REDIS_URL!, prefix)
    db = await openTestDb()
  })
  afterAll(async () => {
    await nodes?.close()
    await db?.close()
  })

  it('keeps a value for its TTL, shared between nodes, null and bigint included', async () => {
    const onA = new RedisCache({ connection: nodes.a.clients.commands, prefix })
    const onB = new RedisCache({ connection: nodes.b.clients.commands, prefix })
    await onA.set('v', { poolSats: 12_000_000_000_000_000n, round: null }, 200)
    await onA.set('nothing', null, 60_000)
    expect(await onB.get('v')).toEqual({ poolSats: 12_000_000_000_000_000n, round: null })
    expect(await onB.get('nothing')).toBeNull()
    expect(await onB.get('never-set')).toBeUndefined()
    const ttlMs = await nodes.a.clients.commands.redis.pttl(`${prefix}cache:v`)
    expect(ttlMs).toBeGreaterThan(0)
    expect(ttlMs).toBeLessThanOrEqual(200)
    await sleep(250)
    expect(await onB.get('v')).toBeUndefined()
    await onB.delete('nothing')
    expect(await onA.get('nothing')).toBeUndefined()
  })

  it('serves the current round from one node to the other until round.updated invalidates it', async () => {
    const readers = [nodes.a, nodes.b].map(({ clients, bus }) => {
      const cached = new CachedValue<RoundView | null>(
        new RedisCache({ connection: clients.commands, prefix }),
        'round:current',
        60_000,
      )
      const stop = cached.invalidateOn(bus, 'round.updated')
      const queries = new RoundQueries(db.kysely)
      queries.cacheCurrentRound(cached)
      return { bus, queries, stop }
    })
    const [a, b] = readers as [(typeof readers)[number], (typeof readers)[number]]
    await Promise.all([a.bus.subscribed(), b.bus.subscribed()])

    expect((await a.queries.current()).round).toBeNull()
    // A round opens without anyone saying so: both nodes keep serving the copy A computed.
    await sql`insert into rounds (height, block_hash, params, opened_at)
              values (812, ${'ab'.repeat(32)}, ${JSON.stringify(PARAMS)}, now())`.execute(db.kysely)
    expect((await b.queries.current()).round).toBeNull()
    expect((await a.queries.current()).round).toBeNull()

    a.bus.publish('round.updated', { height: 812 })
    await eventually(
      'node B sees the new round',
      async () => (await b.queries.current()).round?.height === 812,
    )
    expect((await a.queries.current()).round?.height).toBe(812)
    // serverTime is each call's own clock, never a cached one.
    const first = (await b.queries.current()).serverTime
    await sleep(5)
    expect((await b.queries.current()).serverTime).not.toBe(first)

    for (const reader of readers) reader.stop()
  })
})
