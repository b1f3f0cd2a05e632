/**
 * Proves the API is self-describing (SPEC 10): /api/v1/openapi.json is an OpenAPI 3 document
 * generated from the route schemas (it lists /api/v1/info, documents the shared error body,
 * and every $ref in it resolves), and /api/v1/docs serves Swagger UI with a CSP that lets its
 * own scripts and styles load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, TEST_VERSION, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(async () => {
  await t.close()
})

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** Every "$ref" value anywhere in the document. */
function collectRefs(node: unknown, refs: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, refs)
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push(value)
      else collectRefs(value, refs)
    }
  }
  return refs
}

function resolvePointer(document: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], document)
}

describe('GET /api/v1/openapi.json', () => {
  it('is a structurally valid OpenAPI 3 document', async () => {
    const response = await t.app.inject({ url: '/api/v1/openapi.json' })
    expect(response.statusCode).toBe(200)
    const document = response.json()
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/)
    expect(document.info).toMatchObject({ title: 'Memepool API', version: TEST_VERSION })
    expect(typeof document.paths).toBe('object')
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
      expect(path.startsWith('/'), path).toBe(true)
      for (const [method, operation] of Object.entries(item)) {
        expect(HTTP_METHODS, `${path} ${method}`).toContain(method)
        expect(Object.keys((operation as { responses: object }).responses).length).toBeGreaterThan(0)
      }
    }
    for (const ref of collectRefs(document)) {
      expect(ref.startsWith('#/'), ref).toBe(true)
      expect(resolvePointer(document, ref), ref).toBeDefined()
    }
  })

  it('lists /api/v1/info with its response schema and the error codes', async () => {
    const document = (await t.app.inject({ url: '/api/v1/openapi.json' })).json()
    const info = document.paths['/api/v1/info'].get
    expect(info.responses['200'].content['application/json'].schema.properties).toHaveProperty('money')
    expect(document.paths).toHaveProperty('/health')
    expect(document.paths).toHaveProperty('/ready')
    const errorBody = document.components.schemas.ErrorBody
    expect(errorBody.properties.error.properties.code.enum).toContain('RATE_LIMITED')
  })
})

describe('GET /api/v1/docs', () => {
  it('serves Swagger UI with its assets, under a CSP that allows them', async () => {
    const page = await t.app.inject({ url: '/api/v1/docs' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toContain('text/html')
    const csp = String(page.headers['content-security-policy'])
    // Swagger UI's scripts and stylesheets are files from this origin; it sets inline styles.
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline'/)
    expect(csp).toContain("img-src 'self' data:")

    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]!)
    const styles = [...page.body.matchAll(/<link rel="stylesheet" type="text\/css" href="([^"]+)"/g)].map(
      (m) => m[1]!,
    )
    expect(scripts.length).toBeGreaterThan(0)
    for (const asset of [...scripts, ...styles]) {
      expect(asset.startsWith('/api/v1/docs/'), asset).toBe(true)
      const response = await t.app.inject({ url: asset })
      expect(response.statusCode, asset).toBe(200)
    }
    const initializer = await t.app.inject({ url: '/api/v1/docs/static/swagger-initializer.js' })
    expect(initializer.body).toContain('./json')
    expect((await t.app.inject({ url: '/api/v1/docs/json' })).json().openapi).toMatch(/^3\./)
  })
})
