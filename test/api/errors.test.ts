/**
 * Proves every failure answers in the one error shape { error: { code, message, requestId,
 * details? } } with the status from contracts/errors.ts: unknown API routes, bad JSON, schema
 * validation of bodies and querystrings (bodies are not type-coerced), oversized and unsupported
 * bodies, malformed URLs, AppErrors thrown by handlers, and bugs, whose 500 leaks nothing. An
 * AppError that is an answer (4xx, 503) carries no stack trace; other server errors do.
 */
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBody } from '../../contracts/errors.ts'
import type { ApiRoutes } from '../../src/http/app.ts'
import { AppError } from '../../src/http/errors.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'

/** Test-only routes: a body and query to validate, and handlers that fail on purpose. */
const testRoutes: ApiRoutes = async (app) => {
  app.post(
    '/test/payments',
    {
      schema: {
        body: Type.Object(
          { amountSats: Type.Integer({ minimum: 1 }), idempotencyKey: Type.String({ minLength: 8 }) },
          { additionalProperties: false },
        ),
        querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
      },
    },
    async (request) => ({ accepted: request.body, dryRun: request.query.dryRun ?? false }),
  )
  app.get('/test/broke', async () => {
    throw new Error('connection string postgres://admin:hunter2@db/prod exploded')
  })
  app.get('/test/poor', async () => {
    throw new AppError('INSUFFICIENT_FUNDS', { details: { balanceSats: 5, neededSats: 30 } })
  })
}

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ deps: { apiRoutes: [testRoutes] } })
})
afterAll(async () => {
  await t.close()
})

function expectErrorBody(body: unknown, code: string) {
  expect(Value.Check(ErrorBody, body)).toBe(true)
  expect((body as ErrorBody).error.code).toBe(code)
  expect((body as ErrorBody).error.requestId).toMatch(/\S/)
}

const validPayment = { amountSats: 30, idempotencyKey: 'pay-0001' }

describe('error responses', () => {
  it('answers an unknown /api route with 404 NOT_FOUND JSON', async () => {
    const response = await t.app.inject({ url: '/api/v1/nope' })
    expect(response.statusCode).toBe(404)
    expect(response.headers['content-type']).toContain('application/json')
    expectErrorBody(response.json(), 'NOT_FOUND')
    expect(response.json().error.requestId).toBe(response.headers['x-request-id'])
  })

  it('answers an unknown method on a known path with 404 NOT_FOUND', async () => {
    const response = await t.app.inject({ method: 'DELETE', url: '/api/v1/info' })
    expect(response.statusCode).toBe(404)
    expectErrorBody(response.json(), 'NOT_FOUND')
  })

  it('accepts a valid body (the test route works)', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/payments?dryRun=true',
      payload: validPayment,
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ accepted: validPayment, dryRun: true })
  })

  it('answers bad JSON with 400 MALFORMED_REQUEST', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/payments',
      headers: { 'content-type': 'application/json' },
      payload: '{"amountSats": 30,',
    })
    expect(response.statusCode).toBe(400)
    expectErrorBody(response.json(), 'MALFORMED_REQUEST')
  })

  it('answers a body that fails its schema with 400 VALIDATION_FAILED and the failing field', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/payments',
      payload: { amountSats: 0, idempotencyKey: 'pay-0001' },
    })
    expect(response.statusCode).toBe(400)
    const body = response.json()
    expectErrorBody(body, 'VALIDATION_FAILED')
    expect(body.error.details).toEqual([
      { location: 'body', path: '/amountSats', message: expect.any(String) },
    ])
  })

  it('names a missing required field in the details', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/payments',
      payload: { amountSats: 30 },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.details[0]).toMatchObject({ location: 'body', path: '/idempotencyKey' })
  })

  it('does not coerce body types: a string or boolean amount is refused', async () => {
    for (const amountSats of ['30', true, '1e3']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/test/payments',
        payload: { ...validPayment, amountSats },
      })
      expect(response.statusCode, `amountSats ${JSON.stringify(amountSats)}`).toBe(400)
      expectErrorBody(response.json(), 'VALIDATION_FAILED')
    }
  })

  it('refuses a body field the schema does not allow instead of dropping it', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/payments',
      payload: { ...validPayment, idempotencykey: 'typo' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.details[0]).toMatchObject({ path: '/idempotencykey' })
  })

  it('validates the querystring, with the usual string-to-type conversion', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/payments?dryRun=maybe',
      payload: validPayment,
    })
    expect(response.statusCode).toBe(400)
    const body = response.json()
    expectErrorBody(body, 'VALIDATION_FAILED')
    expect(body.error.details[0]).toMatchObject({ location: 'querystring', path: '/dryRun' })
  })

  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/payments',
      payload: { ...validPayment, padding: 'x'.repeat(1_100_000) },
    })
    expect(response.statusCode).toBe(413)
    expectErrorBody(response.json(), 'PAYLOAD_TOO_LARGE')
  })

  it('answers an unsupported content type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/payments',
      headers: { 'content-type': 'application/xml' },
      payload: '<payment/>',
    })
    expect(response.statusCode).toBe(415)
    expectErrorBody(response.json(), 'UNSUPPORTED_MEDIA_TYPE')
  })

  it('answers a malformed URL with 400 MALFORMED_REQUEST and still a request id', async () => {
    const response = await t.app.inject({ url: '/api/v1/%E0%A4%A' })
    expect(response.statusCode).toBe(400)
    expectErrorBody(response.json(), 'MALFORMED_REQUEST')
    expect(response.headers['x-request-id']).toBe(response.json().error.requestId)
  })

  it('sends an AppError with its status, code and details', async () => {
    const response = await t.app.inject({ url: '/api/v1/test/poor' })
    expect(response.statusCode).toBe(402)
    const body = response.json()
    expectErrorBody(body, 'INSUFFICIENT_FUNDS')
    expect(body.error.details).toEqual({ balanceSats: 5, neededSats: 30 })
  })

  it('answers a bug with 500 INTERNAL and leaks neither message nor stack', async () => {
    const response = await t.app.inject({ url: '/api/v1/test/broke' })
    expect(response.statusCode).toBe(500)
    expectErrorBody(response.json(), 'INTERNAL')
    expect(response.json().error.details).toBeUndefined()
    expect(response.body).not.toContain('hunter2')
    expect(response.body).not.toContain('exploded')
    expect(response.body).not.toMatch(/at .*\.ts:\d+/)
  })
})

describe('AppError', () => {
  it('captures no stack for answers (4xx, 503), and keeps it for other server errors', () => {
    const frames = (error: Error) =>
      (error.stack ?? '').split('\n').filter((line) => line.trim().startsWith('at '))
    expect(frames(new AppError('NOT_FOUND'))).toHaveLength(0)
    expect(frames(new AppError('SERVICE_UNAVAILABLE'))).toHaveLength(0)
    expect(frames(new AppError('INTERNAL'))).not.toHaveLength(0)
    // The limit is put back: errors made afterwards have their frames.
    expect(frames(new Error('plain'))).not.toHaveLength(0)
  })
})
