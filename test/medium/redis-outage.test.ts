/**
 * A Redis outage degrades a node without breaking it. Against a redis-server of its own (started
 * on a free port, killed with SIGKILL, started again), two nodes show that while Redis is down:
 * publish neither throws nor waits, the publishing node's subscribers still get the message, the
 * other node's do not (it is dropped and counted, not buffered); readiness answers 'degraded'
 * naming redis and since when; the rate limiter keeps limiting, in process; the cache misses to
 * the loader. After the restart the connections come back by themselves, subscriptions resume,
 * rate limits are shared again and readiness is 'ready'.
 * A hung Redis (SIGSTOP) costs one command timeout: then the limiter, the cache and the bus all
 * skip it for the connection's cool-off, readiness says PING failed, and it is used again once
 * it answers.
 * Through HTTP, /ready answers 200 'degraded' with redis named, and the API keeps answering with
 * rate-limit headers. Connection logs show the URL with its password masked.
 * Runs only with REDIS_URL set (as the medium Redis tests do) and needs redis-server on PATH.
 */
import { Writable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RedisBus } from '../../src/adapters/bus/redis-bus.ts'
import { RedisCache } from '../../src/adapters/cache/redis-cache.ts'
import { RedisRateLimitStore } from '../../src/adapters/rate-limit/redis.ts'
import { type RedisClients, RedisConnection } from '../../src/adapters/redis/client.ts'
import { Readiness, redisCheck } from '../../src/http/readiness.ts'
import { createLogger } from '../../src/logger.ts'
import { buildTestApp } from '../support/app.ts'
import {
  eventually,
  freePort,
  openTwoNodes,
  REDIS_URL,
  RedisServer,
  type TwoNodes,
  testPrefix,
} from '../support/redis.ts'

const MINUTE_MS = 60_000
/** The command connection's default timeout (client.ts). */
const COMMAND_TIMEOUT_MS = 1_000
const RECOVERY_TIMEOUT_MS = 10_000
/**
 * "Did not wait on Redis": well under a command timeout, with room for a loaded CI machine (the
 * medium suite runs files in parallel on two cores).
 */
const NO_WAIT_MS = 300
const quiet = createLogger('silent') as FastifyBaseLogger

describe.skipIf(!REDIS_URL)('a Redis outage', () => {
  const prefix = testPrefix('outage')
  let server: RedisServer
  let nodes: TwoNodes
  let clientsA: RedisClients
  let clientsB: RedisClients
  let busA: RedisBus
  let busB: RedisBus

  beforeAll(async () => {
    server = await RedisServer.start()
    nodes = await openTwoNodes(server.url, prefix)
    ;({ clients: clientsA, bus: busA } = nodes.a)
    ;({ clients: clientsB, bus: busB } = nodes.b)
  })
  afterAll(async () => {
    await nodes?.close()
    await server?.kill()
  })

  it('degrades while Redis is down and recovers by itself when it is back', async () => {
    const onA: number[] = []
    const onB: number[] = []
    busA.subscribe('round.updated', (m) => onA.push(m.height ?? -1))
    busB.subscribe('round.updated', (m) => onB.push(m.height ?? -1))
    await Promise.all([busA.subscribed(), busB.subscribed()])
    const limiter = new RedisRateLimitStore({ connection: clientsA.commands, prefix })
    const cache = new RedisCache({ connection: clientsA.commands, prefix })
    const readiness = new Readiness([redisCheck([clientsA.commands, clientsA.subscriber])])

    busA.publish('round.updated', { height: 1 })
    await eventually('node B got the message before the outage', () => onB.length === 1)
    expect((await readiness.run(quiet)).status).toBe('ready')
    expect((await limiter.hit('ip:1', 2, MINUTE_MS)).allowed).toBe(true)

    const killedAt = Date.now()
    await server.kill()
    await eventually('node A noticed', () => !clientsA.commands.isReady() && !clientsA.subscriber.isReady())

    // Publishing: no throw, no wait, local subscribers served, the rest dropped and counted.
    const startedMs = performance.now()
    expect(() => busA.publish('round.updated', { height: 2 })).not.toThrow()
    expect(performance.now() - startedMs).toBeLessThan(NO_WAIT_MS)
    expect(onA).toEqual([1, 2])
    expect(busA.dropped).toBe(1)

    const ready = await readiness.run(quiet)
    expect(ready.status).toBe('degraded')
    expect(ready.checks.redis?.status).toBe('degraded')
    expect(ready.checks.redis?.detail).toMatch(/^commands (reconnecting|connecting) since \S+Z/)
    const since = /since (\S+)/.exec(ready.checks.redis?.detail ?? '')?.[1]
    expect(Date.parse(since ?? '')).toBeGreaterThanOrEqual(killedAt - 1_000)

    // The limiter counts in process: it answers, and still limits.
    const hits = [await limiter.hit('ip:2', 2, MINUTE_MS), await limiter.hit('ip:2', 2, MINUTE_MS)]
    hits.push(await limiter.hit('ip:2', 2, MINUTE_MS))
    expect(hits.map((h) => h.allowed)).toEqual([true, true, false])
    expect(limiter.degraded).toBe(true)
    expect(limiter.outages).toBe(1)
    // The cache only misses.
    await cache.set('k', 1, MINUTE_MS)
    expect(await cache.get('k')).toBeUndefined()

    await server.restart()
    await eventually(
      'both nodes reconnected',
      () => [clientsA, clientsB].every((c) => c.commands.isReady() && c.subscriber.isReady()),
      RECOVERY_TIMEOUT_MS,
    )
    // Subscriptions come back with the connection; delivery across nodes resumes.
    let height = 100
    await eventually(
      'node B receives from node A again',
      () => {
        busA.publish('round.updated', { height: height++ })
        return onB.some((h) => h >= 100)
      },
      RECOVERY_TIMEOUT_MS,
    )
    expect(onB).not.toContain(2)
    await eventually(
      'the limiter shares counts through Redis again',
      async () => {
        await limiter.hit('ip:3', 10, MINUTE_MS)
        return !limiter.degraded
      },
      RECOVERY_TIMEOUT_MS,
    )
    expect(limiter.outages).toBe(1)
    expect((await readiness.run(quiet)).status).toBe('ready')
  })

  it('costs one command timeout when Redis hangs, then skips it for every user until it answers', async () => {
    await eventually('connected', () => clientsA.commands.isReady(), RECOVERY_TIMEOUT_MS)
    const limiter = new RedisRateLimitStore({ connection: clientsA.commands, prefix })
    const cache = new RedisCache({ connection: clientsA.commands, prefix })
    const readiness = new Readiness([redisCheck([clientsA.commands])])
    const dropped = busA.dropped
    server.pause()
    try {
      const startedMs = performance.now()
      const hit = await limiter.hit('ip:hung', 5, MINUTE_MS)
      expect(performance.now() - startedMs).toBeLessThan(COMMAND_TIMEOUT_MS + 1_500)
      expect(hit.allowed).toBe(true)
      expect(limiter.degraded).toBe(true)
      // Within the cool-off nobody waits on the connection again: not the limiter, the cache or the bus.
      const againMs = performance.now()
      await limiter.hit('ip:hung', 5, MINUTE_MS)
      expect(await cache.get('anything')).toBeUndefined()
      busA.publish('round.updated', { height: 7 })
      expect(performance.now() - againMs).toBeLessThan(NO_WAIT_MS)
      expect(busA.dropped).toBe(dropped + 1)

      const ready = await readiness.run(quiet)
      expect(ready.checks.redis).toMatchObject({
        status: 'degraded',
        detail: 'commands connected but PING failed',
      })
    } finally {
      server.resume()
    }
    await eventually(
      'the limiter uses Redis again once it answers',
      async () => {
        await limiter.hit('ip:after', 5, MINUTE_MS)
        return !limiter.degraded
      },
      RECOVERY_TIMEOUT_MS,
    )
  })

  it('keeps the API up through HTTP: /ready says degraded with 200, limits still apply', async () => {
    await eventually('connected', () => clientsA.commands.isUsable(), RECOVERY_TIMEOUT_MS)
    const limiter = new RedisRateLimitStore({ connection: clientsA.commands, prefix })
    const t = await buildTestApp({
      env: { RATE_LIMIT_API_PER_MIN: '3' },
      deps: { readiness: [redisCheck([clientsA.commands, clientsA.subscriber])], rateLimitStore: limiter },
    })
    try {
      expect((await t.app.inject({ method: 'GET', url: '/ready' })).json().checks.redis.status).toBe('up')
      await server.kill()
      await eventually('node A noticed', () => !clientsA.commands.isReady())

      const ready = await t.app.inject({ method: 'GET', url: '/ready' })
      expect(ready.statusCode).toBe(200)
      expect(ready.json()).toMatchObject({ status: 'degraded', checks: { redis: { status: 'degraded' } } })
      const statuses = []
      for (let i = 0; i < 4; i++)
        statuses.push((await t.app.inject({ method: 'GET', url: '/api/v1/info' })).statusCode)
      expect(statuses).toEqual([200, 200, 200, 429])
    } finally {
      await t.close()
      await server.restart()
    }
  })

  it('logs an outage once, with the password masked', async () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(chunk.toString())
        callback()
      },
    })
    const connection = new RedisConnection({
      url: `redis://:pw-must-not-leak@127.0.0.1:${await freePort()}`,
      name: 'commands',
      logger: createLogger('debug', sink),
      minRetryDelayMs: 10,
      maxRetryDelayMs: 20,
    })
    try {
      await eventually('a few reconnection attempts', () => connection.status().reconnectAttempts >= 3)
      const text = lines.join('')
      expect(text).not.toContain('pw-must-not-leak')
      expect(text).toContain('redis://:***@127.0.0.1')
      expect(lines.filter((line) => line.includes('redis unreachable'))).toHaveLength(1)
      expect(connection.status()).toMatchObject({
        state: 'reconnecting',
        lastError: expect.stringContaining('ECONNREFUSED'),
      })
    } finally {
      await connection.close()
    }
    expect(connection.status().state).toBe('closed')
  })
})
