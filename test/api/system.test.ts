/**
 * Proves the system endpoints: /api/v1/info reports this node's configuration, /health answers
 * while the process lives, /ready reflects the database (200 ready, 503 unavailable with an error
 * code once it is closed) and registered checks (degraded, timeouts), and /metrics exposes
 * request latency by route pattern and errors by code.
 */
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InfoResponse, ReadyResponse } from '../../contracts/system.ts'
import { buildTestApp, TEST_VERSION } from '../support/app.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

// TypeBox's checker knows no string formats until told; InfoResponse.startedAt is a date-time.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => ISO_DATE_TIME.test(value))

let db: TestDb
beforeAll(async () => {
  db = await openTestDb()
})
afterAll(async () => {
  await db.close()
})

describe('GET /api/v1/info', () => {
  it('answers the InfoResponse shape with values from the configuration', async () => {
    const startedAt = new Date('2030-01-02T03:04:05.000Z')
    const t = await buildTestApp({
      db,
      env: { SITE_NAME: 'Testpool', CHAIN: 'test', VIEW_RATE_SATS_PER_S: '2', PLATFORM_FEE_BPS: '150' },
      deps: { now: () => startedAt },
    })
    const response = await t.app.inject({ url: '/api/v1/info' })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(Value.Check(InfoResponse, body)).toBe(true)
    expect(body).toMatchObject({
      name: 'Testpool',
      version: TEST_VERSION,
      startedAt: '2030-01-02T03:04:05.000Z',
      chain: 'test',
      mode: { database: db.kind, bus: 'in-process', transformer: 'local' },
      money: { viewRateSatsPerSecond: 2, platformFeeBps: 150, directSharePct: 40, creatorSharePct: 10 },
    })
    await t.close()
  })

  it('reports the Redis bus when REDIS_URL is set', async () => {
    const t = await buildTestApp({ db, env: { REDIS_URL: 'redis://127.0.0.1:6379' } })
    const response = await t.app.inject({ url: '/api/v1/info' })
    expect(response.json().mode.bus).toBe('redis')
    await t.close()
  })
})

describe('GET /health', () => {
  it('answers 200 { status: ok }, never cached', async () => {
    const t = await buildTestApp({ db })
    const response = await t.app.inject({ url: '/health' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ok' })
    expect(response.headers['cache-control']).toBe('no-store')
    await t.close()
  })
})

describe('GET /ready', () => {
  it('is ready with the database check up and its latency', async () => {
    const t = await buildTestApp({ db })
    const response = await t.app.inject({ url: '/ready' })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(Value.Check(ReadyResponse, body)).toBe(true)
    expect(body.status).toBe('ready')
    expect(body.checks.database.status).toBe('up')
    expect(body.checks.database.latencyMs).toBeGreaterThanOrEqual(0)
    await t.close()
  })

  it('answers 503 unavailable with code SERVICE_UNAVAILABLE once the database is closed', async () => {
    const ownDb = await openTestDb()
    const t = await buildTestApp({ db: ownDb })
    await ownDb.close()
    const response = await t.app.inject({ url: '/ready', headers: { 'x-request-id': 'ready-check-1' } })
    expect(response.statusCode).toBe(503)
    const body = response.json()
    expect(Value.Check(ReadyResponse, body)).toBe(true)
    expect(body.status).toBe('unavailable')
    expect(body.checks.database.status).toBe('down')
    expect(body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', requestId: 'ready-check-1' })
    await t.app.close()
  })

  it('is degraded, still 200, when a non-critical check fails or reports degraded', async () => {
    const t = await buildTestApp({
      db,
      deps: {
        readiness: [
          { name: 'chain', critical: false, check: async () => Promise.reject(new Error('tip unknown')) },
          {
            name: 'queue',
            critical: false,
            check: async () => ({ status: 'degraded', detail: '900 jobs waiting' }),
          },
        ],
      },
    })
    const response = await t.app.inject({ url: '/ready' })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body.status).toBe('degraded')
    expect(body.checks.chain).toMatchObject({ status: 'down' })
    expect(body.checks.chain.detail).not.toContain('tip unknown')
    expect(body.checks.queue).toMatchObject({ status: 'degraded', detail: '900 jobs waiting' })
    await t.close()
  })

  it('counts a hung critical check as down after its timeout', async () => {
    const t = await buildTestApp({ db })
    t.app.readiness.register({
      name: 'transformer',
      critical: true,
      timeoutMs: 50,
      check: () => new Promise(() => {}),
    })
    const response = await t.app.inject({ url: '/ready' })
    expect(response.statusCode).toBe(503)
    expect(response.json().checks.transformer).toMatchObject({
      status: 'down',
      detail: 'timed out after 50 ms',
    })
    await t.close()
  })
})

describe('GET /metrics', () => {
  it('exposes request durations by route pattern and errors by code, in Prometheus text', async () => {
    const t = await buildTestApp({ db })
    await t.app.inject({ url: '/api/v1/info' })
    await t.app.inject({ url: '/api/v1/nope' })
    const response = await t.app.inject({ url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toContain('text/plain')
    const text = response.body
    expect(text).toContain('# TYPE http_request_duration_seconds histogram')
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/info",status_code="200"\} 1/,
    )
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/,
    )
    expect(text).toMatch(/http_errors_total\{code="NOT_FOUND"\} 1/)
    expect(text).toContain('process_cpu_user_seconds_total')
    await t.close()
  })

  it('gives each app its own registry, which other modules can add metrics to', async () => {
    const first = await buildTestApp({ db })
    const second = await buildTestApp({ db })
    expect(first.app.metrics.registry).not.toBe(second.app.metrics.registry)
    const { Counter } = await import('prom-client')
    new Counter({ name: 'ledger_flushes_total', help: 'test', registers: [first.app.metrics.registry] })
    expect((await first.app.inject({ url: '/metrics' })).body).toContain('ledger_flushes_total')
    expect((await second.app.inject({ url: '/metrics' })).body).not.toContain('ledger_flushes_total')
    await first.close()
    await second.close()
  })
})
