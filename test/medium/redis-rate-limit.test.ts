/**
 * The shared rate limiter: two store instances on separate connections (two nodes) count one
 * window per key together; 200 hits at once across both allow exactly `limit`, because INCR and
 * PEXPIRE run as one script; the window expires and starts again; keys are counted apart; hits
 * send the script's SHA (EVALSHA), and still count after Redis forgets the script.
 * Runs only with REDIS_URL (CI: redis://127.0.0.1:6379).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisRateLimitStore } from '../../src/adapters/rate-limit/redis.ts'
import { openTwoNodes, REDIS_URL, sleep, type TwoNodes, testPrefix } from '../support/redis.ts'

const MINUTE_MS = 60_000

describe.skipIf(!REDIS_URL)('RedisRateLimitStore shared by two nodes', () => {
  const prefix = testPrefix('rl')
  let nodes: TwoNodes
  let nodeA: RedisRateLimitStore
  let nodeB: RedisRateLimitStore

  beforeAll(async () => {
    nodes = await openTwoNodes(REDIS_URL!, prefix)
    nodeA = new RedisRateLimitStore({ connection: nodes.a.clients.commands, prefix })
    nodeB = new RedisRateLimitStore({ connection: nodes.b.clients.commands, prefix })
  })
  afterAll(() => nodes?.close())

  it('counts one window for both nodes', async () => {
    const results = []
    for (let i = 0; i < 3; i++) results.push(await nodeA.hit('ip:1', 5, MINUTE_MS))
    for (let i = 0; i < 3; i++) results.push(await nodeB.hit('ip:1', 5, MINUTE_MS))
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false])
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0])
    for (const r of results) {
      expect(r.resetMs).toBeGreaterThan(MINUTE_MS - 5_000)
      expect(r.resetMs).toBeLessThanOrEqual(MINUTE_MS)
    }
    expect(nodeA.degraded || nodeB.degraded).toBe(false)
  })

  it('allows exactly the limit out of 200 concurrent hits from two nodes', async () => {
    const limit = 37
    const hits = Array.from({ length: 200 }, (_, i) =>
      (i % 2 === 0 ? nodeA : nodeB).hit('burst', limit, MINUTE_MS),
    )
    const results = await Promise.all(hits)
    expect(results.filter((r) => r.allowed)).toHaveLength(limit)
    // Every count from 1 to 200 was handed out once: remaining covers limit-1 down to 0.
    const remaining = results.map((r) => r.remaining).sort((a, b) => b - a)
    expect(remaining.slice(0, limit)).toEqual(Array.from({ length: limit }, (_, i) => limit - 1 - i))
    expect(await nodes.a.clients.commands.redis.get(`${prefix}rl:burst`)).toBe('200')
  })

  it('starts a new window once the old one expires', async () => {
    const windowMs = 300
    expect((await nodeA.hit('short', 1, windowMs)).allowed).toBe(true)
    const refused = await nodeB.hit('short', 1, windowMs)
    expect(refused.allowed).toBe(false)
    expect(refused.resetMs).toBeGreaterThan(0)
    expect(refused.resetMs).toBeLessThanOrEqual(windowMs)
    await sleep(windowMs + 50)
    expect(await nodeB.hit('short', 1, windowMs)).toEqual({
      allowed: true,
      remaining: 0,
      resetMs: expect.any(Number),
    })
  })

  it('sends the script by its SHA, and again in full once Redis has forgotten it', async () => {
    const redis = nodes.a.clients.commands.redis
    const evalshaCalls = async () => {
      const match = /^cmdstat_evalsha:calls=(\d+)/m.exec(await redis.info('commandstats'))
      return Number(match?.[1] ?? 0)
    }
    const before = await evalshaCalls()
    for (let i = 0; i < 5; i++) await nodeA.hit('sha', 10, MINUTE_MS)
    expect((await evalshaCalls()) - before).toBeGreaterThanOrEqual(5)
    await redis.script('FLUSH')
    expect(await nodeB.hit('sha', 10, MINUTE_MS)).toMatchObject({ allowed: true, remaining: 4 })
  })

  it('counts each key on its own', async () => {
    expect((await nodeA.hit('user:a', 1, MINUTE_MS)).allowed).toBe(true)
    expect((await nodeB.hit('user:a', 1, MINUTE_MS)).allowed).toBe(false)
    expect((await nodeB.hit('user:b', 1, MINUTE_MS)).allowed).toBe(true)
  })
})
