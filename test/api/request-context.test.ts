/**
 * Proves what every response and log line carries: a request id (generated, or the caller's
 * when it is a sane token) echoed in `x-request-id` and present in the logs; security headers
 * with a CSP fit for the SPA; and logs that never contain credentials, cookies or fields named
 * like secrets, even when a handler logs a whole body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiRoutes } from '../../src/http/app.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

let db: TestDb
let t: TestApp
beforeAll(async () => {
  db = await openTestDb()
  t = await buildTestApp({ db })
})
afterAll(async () => {
  await t.close()
  await db.close()
})

describe('request ids', () => {
  it('generates one when none is sent and echoes it', async () => {
    const response = await t.app.inject({ url: '/health' })
    expect(response.headers['x-request-id']).toMatch(UUID)
  })

  it('gives each request its own', async () => {
    const first = await t.app.inject({ url: '/health' })
    const second = await t.app.inject({ url: '/health' })
    expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id'])
  })

  it("honours the caller's id when it is a sane token", async () => {
    const response = await t.app.inject({
      url: '/api/v1/info',
      headers: { 'x-request-id': 'lb-7f3a.2:abc_9' },
    })
    expect(response.headers['x-request-id']).toBe('lb-7f3a.2:abc_9')
  })

  it('replaces an id that could inject into logs or is too long', async () => {
    for (const incoming of ['a b', 'x"y', 'a'.repeat(129), '']) {
      const response = await t.app.inject({ url: '/health', headers: { 'x-request-id': incoming } })
      expect(response.headers['x-request-id']).toMatch(UUID)
    }
  })

  it('is echoed on error responses too, matching the body', async () => {
    const response = await t.app.inject({ url: '/api/v1/nope', headers: { 'x-request-id': 'err-42' } })
    expect(response.headers['x-request-id']).toBe('err-42')
    expect(response.json().error.requestId).toBe('err-42')
  })
})

describe('security headers', () => {
  it('sends helmet headers and a CSP that allows only this origin for scripts and styles', async () => {
    const response = await t.app.inject({ url: '/api/v1/info' })
    const headers = response.headers
    expect(headers['x-content-type-options']).toBe('nosniff')
    expect(headers['x-frame-options']).toBe('DENY')
    expect(headers['referrer-policy']).toBe('no-referrer')
    const csp = String(headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self';")
    expect(csp).toContain("style-src 'self';")
    expect(csp).toContain("img-src 'self' data:")
    expect(csp).toMatch(/connect-src 'self' ws:\/\/localhost:3000/)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    // Plain-HTTP site: no HSTS and no upgrade of requests to an HTTPS that does not exist.
    expect(headers['strict-transport-security']).toBeUndefined()
    expect(csp).not.toContain('upgrade-insecure-requests')
  })

  it('sends HSTS and wss: for an HTTPS site', async () => {
    const https = await buildTestApp({ db, env: { PUBLIC_URL: 'https://memepool.example' } })
    const response = await https.app.inject({ url: '/health' })
    expect(response.headers['strict-transport-security']).toContain('max-age=31536000')
    expect(String(response.headers['content-security-policy'])).toContain('wss://memepool.example')
    await https.close()
  })
})

describe('logs', () => {
  /** A handler that carelessly logs everything it received. */
  const carelessRoutes: ApiRoutes = async (app) => {
    app.post('/test/careless', async (request) => {
      request.log.info({ body: request.body, headers: request.headers }, 'received')
      return { ok: true }
    })
  }

  it('carry the request id and never a credential, cookie or secret-named field', async () => {
    const logged = await buildTestApp({ db, logLevel: 'info', deps: { apiRoutes: [carelessRoutes] } })
    const secrets = [
      'Bearer sk-live-AUTH-VALUE',
      'sid=COOKIE-VALUE',
      'PASSWORD-VALUE',
      'abandon-MNEMONIC',
      'TOKEN-VALUE',
    ]
    const response = await logged.app.inject({
      method: 'POST',
      url: '/api/v1/test/careless?token=TOKEN-VALUE&page=2',
      headers: { authorization: secrets[0], cookie: secrets[1], 'x-request-id': 'log-test-1' },
      payload: { user: 'alice', password: secrets[2], wallet: { mnemonic: secrets[3], wif: 'L1-WIF-VALUE' } },
    })
    expect(response.statusCode).toBe(200)

    const raw = logged.rawLogs()
    for (const secret of [...secrets, 'sk-live-AUTH-VALUE', 'COOKIE-VALUE', 'L1-WIF-VALUE']) {
      expect(raw).not.toContain(secret)
    }
    const lines = logged.logs.filter((line) => line.requestId === 'log-test-1')
    expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'received', 'request completed'])
    const received = lines[1] as { body: Record<string, unknown>; headers: Record<string, unknown> }
    expect(received.body).toEqual({
      user: 'alice',
      password: '[redacted]',
      wallet: { mnemonic: '[redacted]', wif: '[redacted]' },
    })
    expect(received.headers.authorization).toBe('[redacted]')
    expect(received.headers.cookie).toBe('[redacted]')
    expect((lines[0] as { req: { url: string } }).req.url).toBe(
      '/api/v1/test/careless?token=[redacted]&page=2',
    )
    await logged.close()
  })
})
