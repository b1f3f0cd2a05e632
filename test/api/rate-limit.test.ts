/**
 * Proves the per-client API rate limit (SPEC 7): with RATE_LIMIT_API_PER_MIN=N, the (N+1)th API
 * request within a minute gets 429 RATE_LIMITED with Retry-After, every limited response carries
 * x-ratelimit-* headers, clients are counted separately, the window resets, and the probes
 * (/health, /ready, /metrics) and the web app are never limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryRateLimitStore } from '../../src/adapters/rate-limit/memory.ts'
import type { RateLimitStore } from '../../src/adapters/rate-limit/store.ts'
import { buildTestApp } from '../support/app.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

const LIMIT = 3

let db: TestDb
beforeAll(async () => {
  db = await openTestDb()
})
afterAll(async () => {
  await db.close()
})

describe('API rate limit', () => {
  it('refuses the (limit+1)th request in a minute with 429, Retry-After and RATE_LIMITED', async () => {
    const t = await buildTestApp({ db, env: { RATE_LIMIT_API_PER_MIN: String(LIMIT) } })
    for (let i = 1; i <= LIMIT; i++) {
      const response = await t.app.inject({ url: '/api/v1/info' })
      expect(response.statusCode).toBe(200)
      expect(response.headers['x-ratelimit-limit']).toBe(String(LIMIT))
      expect(response.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i))
      expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(0)
    }
    const refused = await t.app.inject({ url: '/api/v1/info' })
    expect(refused.statusCode).toBe(429)
    const retryAfter = Number(refused.headers['retry-after'])
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(refused.headers['x-ratelimit-remaining']).toBe('0')
    const body = refused.json()
    expect(body.error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: LIMIT, retryAfterSeconds: retryAfter },
    })
    expect(body.error.requestId).toBe(refused.headers['x-request-id'])
    await t.close()
  })

  it('counts unknown API paths too, so probing for routes is limited', async () => {
    const t = await buildTestApp({ db, env: { RATE_LIMIT_API_PER_MIN: '1' } })
    expect((await t.app.inject({ url: '/api/v1/nope' })).statusCode).toBe(404)
    expect((await t.app.inject({ url: '/api/v1/nope' })).statusCode).toBe(429)
    await t.close()
  })

  it('never limits /health, /ready, /metrics or the web app', async () => {
    const t = await buildTestApp({ db, env: { RATE_LIMIT_API_PER_MIN: '1' } })
    await t.app.inject({ url: '/api/v1/info' })
    expect((await t.app.inject({ url: '/api/v1/info' })).statusCode).toBe(429)
    for (let i = 0; i < 5; i++) {
      for (const url of ['/health', '/ready', '/metrics']) {
        const response = await t.app.inject({ url })
        expect(response.statusCode, url).toBe(200)
        expect(response.headers['x-ratelimit-limit']).toBeUndefined()
      }
      const page = await t.app.inject({ url: '/market', headers: { accept: 'text/html' } })
      expect(page.statusCode).not.toBe(429)
    }
    await t.close()
  })

  it('counts each client IP separately', async () => {
    const t = await buildTestApp({ db, env: { RATE_LIMIT_API_PER_MIN: '1' } })
    expect((await t.app.inject({ url: '/api/v1/info', remoteAddress: '10.0.0.1' })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/api/v1/info', remoteAddress: '10.0.0.1' })).statusCode).toBe(429)
    expect((await t.app.inject({ url: '/api/v1/info', remoteAddress: '10.0.0.2' })).statusCode).toBe(200)
    await t.close()
  })

  it('lets requests through again when the window resets', async () => {
    let nowMs = 1_000_000
    const store = new MemoryRateLimitStore({ now: () => nowMs })
    const t = await buildTestApp({
      db,
      env: { RATE_LIMIT_API_PER_MIN: '1' },
      deps: { rateLimitStore: store },
    })
    expect((await t.app.inject({ url: '/api/v1/info' })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/api/v1/info' })).statusCode).toBe(429)
    nowMs += 60_000
    expect((await t.app.inject({ url: '/api/v1/info' })).statusCode).toBe(200)
    await t.close()
  })

  it('lets requests through when the counter store fails, rather than taking the API down', async () => {
    const broken: RateLimitStore = { hit: async () => Promise.reject(new Error('redis unreachable')) }
    const t = await buildTestApp({
      db,
      env: { RATE_LIMIT_API_PER_MIN: '1' },
      deps: { rateLimitStore: broken },
    })
    expect((await t.app.inject({ url: '/api/v1/info' })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/api/v1/info' })).statusCode).toBe(200)
    await t.close()
  })
})
