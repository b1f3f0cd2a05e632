/**
 * Proves how the server hosts the web app: files from the build folder (hashed assets cached as
 * immutable, index.html revalidated), index.html for browser navigations to client-side routes
 * such as /market, JSON 404s for unknown /api paths and non-page requests, and a 503 page that
 * says how to build the app when there is no build.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

const INDEX_HTML = '<!doctype html><html><body><div id="root">fake spa</div></body></html>'
const HASHED_ASSET = 'index-AbC123xy.js'

const OUTSIDE_TEXT = 'outside the build folder'

/** <tmp>/dist is the build; <tmp>/outside.txt is a file next to it that must never be served. */
function fakeWebBuild(): { root: string; dist: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'memepool-web-'))
  const dist = path.join(root, 'dist')
  mkdirSync(path.join(dist, 'assets'), { recursive: true })
  writeFileSync(path.join(dist, 'index.html'), INDEX_HTML)
  writeFileSync(path.join(dist, 'assets', HASHED_ASSET), 'console.log("app")\n')
  writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(path.join(root, 'outside.txt'), OUTSIDE_TEXT)
  return { root, dist }
}

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }

let db: TestDb
beforeAll(async () => {
  db = await openTestDb()
})
afterAll(async () => {
  await db.close()
})

describe('with a web build', () => {
  let t: TestApp
  let build: { root: string; dist: string }
  beforeAll(async () => {
    build = fakeWebBuild()
    t = await buildTestApp({ db, deps: { webDistDir: build.dist } })
  })
  afterAll(async () => {
    await t.close()
    rmSync(build.root, { recursive: true, force: true })
  })

  it('serves index.html for a navigation to a client-side route', async () => {
    const response = await t.app.inject({ url: '/market', headers: html })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toContain('text/html')
    expect(response.body).toBe(INDEX_HTML)
    expect(response.headers['cache-control']).toBe('no-cache')
    expect(response.headers['content-security-policy']).toContain("script-src 'self'")
  })

  it('serves index.html for nested routes with a query and for the root', async () => {
    for (const url of ['/rounds/812345?tab=rewards', '/']) {
      const response = await t.app.inject({ url, headers: html })
      expect(response.statusCode, url).toBe(200)
      expect(response.body).toBe(INDEX_HTML)
    }
  })

  it('serves hashed assets as immutable and other files for revalidation', async () => {
    const asset = await t.app.inject({ url: `/assets/${HASHED_ASSET}` })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['content-type']).toContain('javascript')
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const favicon = await t.app.inject({ url: '/favicon.svg' })
    expect(favicon.statusCode).toBe(200)
    expect(favicon.headers['cache-control']).toBe('no-cache')
  })

  it('answers an unknown /api path with JSON 404, even from a browser', async () => {
    for (const url of ['/api/v1/nope', '/api/v2/info', '/api/v1/index.html']) {
      const response = await t.app.inject({ url, headers: html })
      expect(response.statusCode, url).toBe(404)
      expect(response.json().error.code).toBe('NOT_FOUND')
    }
  })

  it('answers a missing asset or a non-page request with JSON 404, not the SPA', async () => {
    const missing = await t.app.inject({ url: '/assets/gone-123.js', headers: { accept: '*/*' } })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.code).toBe('NOT_FOUND')
    const post = await t.app.inject({ method: 'POST', url: '/market', headers: html, payload: {} })
    expect(post.statusCode).toBe(404)
  })

  it('does not let a path climb out of the build folder', async () => {
    for (const url of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt']) {
      const response = await t.app.inject({ url })
      expect(response.body, url).not.toContain(OUTSIDE_TEXT)
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400)
    }
  })
})

describe('without a web build', () => {
  it('answers a navigation with a 503 page that says how to build the app', async () => {
    const t = await buildTestApp({ db })
    const response = await t.app.inject({ url: '/market', headers: html })
    expect(response.statusCode).toBe(503)
    expect(response.headers['content-type']).toContain('text/html')
    expect(response.body).toContain('npm run build:web')
    const api = await t.app.inject({ url: '/api/v1/nope', headers: html })
    expect(api.statusCode).toBe(404)
    expect(api.json().error.code).toBe('NOT_FOUND')
    expect((await t.app.inject({ url: '/api/v1/info' })).statusCode).toBe(200)
    await t.close()
  })
})
