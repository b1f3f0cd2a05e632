/**
 * Proves the cluster's front (src/cluster/front.ts) against two tiny real backends (node:http with
 * a `ws` server on /api/v1/ws), over real sockets on loopback. It shows: requests alternate
 * between healthy backends; the Host header is kept and X-Forwarded-For/-Proto/-Host and a request
 * id are added; a request body reaches the backend while the client is still sending (streamed,
 * not buffered); WebSocket upgrades pass through round robin and a refused upgrade keeps its
 * status; a backend that is killed or stops passing /ready is skipped (without a failed request
 * for bodiless ones) within two seconds and taken back when it recovers; pinned prefixes go to
 * their own pool; and with nothing up the answer is a JSON 503 SERVICE_UNAVAILABLE, for HTTP and
 * for upgrades.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { createFront, type Front } from '../../src/cluster/front.ts'

const HEALTH_INTERVAL_MS = 200
const WAIT_TIMEOUT_MS = 5_000
const WS_PATH = '/api/v1/ws'

interface TinyBackend {
  name: string
  url: string
  /** What /ready answers. */
  ready: boolean
  /** Resolves with the first chunk of the next POST /stream body, as soon as it arrives. */
  firstChunk: Promise<Buffer>
  kill(): Promise<void>
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function jsonAnswer(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

async function startBackend(name: string): Promise<TinyBackend> {
  let resolveFirstChunk: (chunk: Buffer) => void = () => {}
  const backend: TinyBackend = {
    name,
    url: '',
    ready: true,
    firstChunk: new Promise((resolve) => {
      resolveFirstChunk = resolve
    }),
    kill: async () => {},
  }
  const server = http.createServer((request, response) => {
    if (request.url === '/ready') return jsonAnswer(response, backend.ready ? 200 : 503, { name })
    if (request.url === '/stream') {
      let bytes = 0
      request.once('data', (chunk: Buffer) => resolveFirstChunk(chunk))
      request.on('data', (chunk: Buffer) => {
        bytes += chunk.length
      })
      request.on('end', () => jsonAnswer(response, 200, { name, bytes }))
      return
    }
    jsonAnswer(response, 200, { name, url: request.url, headers: request.headers })
  })
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request, socket, head) => {
    if (request.url !== WS_PATH) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\nnope')
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send(`hello from ${name}`)
      ws.on('message', (data) => ws.send(`${name} echo ${data.toString()}`))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  backend.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let killed = false
  backend.kill = async () => {
    if (killed) return
    killed = true
    for (const client of wss.clients) client.terminate()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  cleanups.push(backend.kill)
  return backend
}

async function startFront(
  backends: TinyBackend[],
  pinned: { prefixes: string[]; backends: TinyBackend[] }[] = [],
): Promise<{ front: Front; url: string }> {
  const asBackend = (b: TinyBackend) => ({ name: b.name, url: b.url })
  const front = createFront({
    backends: backends.map(asBackend),
    pinned: pinned.map((route) => ({ prefixes: route.prefixes, backends: route.backends.map(asBackend) })),
    healthIntervalMs: HEALTH_INTERVAL_MS,
    healthTimeoutMs: HEALTH_INTERVAL_MS,
  })
  const port = await front.listen(0, '127.0.0.1')
  cleanups.push(() => front.close())
  return { front, url: `http://127.0.0.1:${port}` }
}

async function servedBy(url: string): Promise<string> {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  return ((await response.json()) as { name: string }).name
}

async function waitFor(condition: () => boolean, what: string): Promise<number> {
  const started = performance.now()
  while (!condition()) {
    if (performance.now() - started > WAIT_TIMEOUT_MS) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return performance.now() - started
}

/** Opens a WebSocket and resolves with its first message (the backend's hello). */
function openWs(url: string): Promise<{ ws: WebSocket; hello: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    cleanups.push(async () => ws.terminate())
    ws.once('message', (data) => resolve({ ws, hello: data.toString() }))
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused with ${response.statusCode}`)),
    )
    ws.once('error', reject)
  })
}

/** The status and body of a refused upgrade. */
function refusedUpgrade(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('open', () => reject(new Error('the upgrade was accepted')))
    ws.once('error', () => {})
    ws.once('unexpected-response', (_request, response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString()
      })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
  })
}

describe('cluster front', () => {
  it('alternates requests between healthy backends and tells them who and how the client is', async () => {
    const a = await startBackend('a')
    const b = await startBackend('b')
    const { url } = await startFront([a, b])

    const names = []
    for (let i = 0; i < 6; i++) names.push(await servedBy(`${url}/api/v1/info`))
    expect(names).toEqual(['a', 'b', 'a', 'b', 'a', 'b'])

    const response = await fetch(`${url}/some/path?x=1`, {
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'client-id-1' },
    })
    const seen = (await response.json()) as { url: string; headers: Record<string, string> }
    const frontHost = new URL(url).host
    expect(seen.url).toBe('/some/path?x=1')
    expect(seen.headers.host).toBe(frontHost)
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1')
    expect(seen.headers['x-forwarded-proto']).toBe('http')
    expect(seen.headers['x-forwarded-host']).toBe(frontHost)
    expect(seen.headers['x-request-id']).toBe('client-id-1')
  })

  it('streams a request body to the backend before the client has finished sending it', async () => {
    const a = await startBackend('a')
    const { url } = await startFront([a])
    const target = new URL(`${url}/stream`)
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: '/stream',
      method: 'POST',
    })
    const answer = new Promise<{ name: string; bytes: number }>((resolve, reject) => {
      request.on('response', (response) => {
        let text = ''
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString()
        })
        response.on('end', () => resolve(JSON.parse(text)))
      })
      request.on('error', reject)
    })
    request.write(Buffer.alloc(1000, 1))
    // A buffering front would hold this chunk until the body ends, and this would time out.
    const first = await a.firstChunk
    expect(first.length).toBeGreaterThan(0)
    request.end(Buffer.alloc(2_000_000, 2))
    expect(await answer).toEqual({ name: 'a', bytes: 2_001_000 })
  })

  it('passes WebSocket upgrades through round robin, and a refused upgrade keeps its status', async () => {
    const a = await startBackend('a')
    const b = await startBackend('b')
    const { url } = await startFront([a, b])
    const wsUrl = `${url.replace('http:', 'ws:')}${WS_PATH}`

    const first = await openWs(wsUrl)
    const second = await openWs(wsUrl)
    expect([first.hello, second.hello].sort()).toEqual(['hello from a', 'hello from b'])
    const echoed = new Promise<string>((resolve) => first.ws.once('message', (d) => resolve(d.toString())))
    first.ws.send('ping 1')
    expect(await echoed).toBe(`${first.hello.slice('hello from '.length)} echo ping 1`)

    const refused = await refusedUpgrade(`${url.replace('http:', 'ws:')}/elsewhere`)
    expect(refused).toEqual({ status: 401, body: 'nope' })
  })

  it('skips a killed backend at once and one failing /ready within two seconds, then takes it back', async () => {
    const a = await startBackend('a')
    const b = await startBackend('b')
    const c = await startBackend('c')
    const { front, url } = await startFront([a, b, c])

    await c.kill()
    // Bodiless requests that meet the dead backend are retried on the next one: none fails.
    const afterKill = []
    for (let i = 0; i < 6; i++) afterKill.push(await servedBy(`${url}/x`))
    expect(new Set(afterKill)).toEqual(new Set(['a', 'b']))
    expect(front.health().c).toBe(false)

    b.ready = false
    const skippedAfterMs = await waitFor(() => front.health().b === false, 'b to be marked down')
    expect(skippedAfterMs).toBeLessThan(2000)
    for (let i = 0; i < 4; i++) expect(await servedBy(`${url}/x`)).toBe('a')

    b.ready = true
    await waitFor(() => front.health().b === true, 'b to be taken back')
    const names = new Set<string>()
    for (let i = 0; i < 4; i++) names.add(await servedBy(`${url}/x`))
    expect(names).toEqual(new Set(['a', 'b']))
  })

  it('sends pinned prefixes to their own pool only', async () => {
    const a = await startBackend('a')
    const chain = await startBackend('chain')
    const { url } = await startFront([a], [{ prefixes: ['/devnet/', '/api/v1/devnet/'], backends: [chain] }])
    expect(await servedBy(`${url}/devnet/v1/bsv/devnet/chain/info`)).toBe('chain')
    expect(await servedBy(`${url}/api/v1/devnet/mine`)).toBe('chain')
    expect(await servedBy(`${url}/api/v1/devnetwork`)).toBe('a')
    expect(await servedBy(`${url}/api/v1/chain`)).toBe('a')
  })

  it('answers a JSON 503 SERVICE_UNAVAILABLE, for requests and upgrades, when no backend is up', async () => {
    const a = await startBackend('a')
    const b = await startBackend('b')
    const { front, url } = await startFront([a, b])
    await a.kill()
    await b.kill()
    await waitFor(() => !front.health().a && !front.health().b, 'both to be marked down')

    const response = await fetch(`${url}/api/v1/info`, { headers: { 'x-request-id': 'req-503' } })
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(await response.json()).toEqual({
      error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String), requestId: 'req-503' },
    })

    const refused = await refusedUpgrade(`${url.replace('http:', 'ws:')}${WS_PATH}`)
    expect(refused.status).toBe(503)
    expect(JSON.parse(refused.body).error.code).toBe('SERVICE_UNAVAILABLE')
  })

  it('answers 503 when the only backend dies before its probe notices, rather than hanging', async () => {
    const a = await startBackend('a')
    const { front, url } = await startFront([a])
    expect(front.health().a).toBe(true)
    await a.kill()
    const response = await fetch(`${url}/x`)
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE')
  })

  it('answers 503 to a request with a body whose backend died, instead of dropping the connection', async () => {
    const a = await startBackend('a')
    const { front, url } = await startFront([a])
    await a.kill()
    expect(front.health().a).toBe(true)
    const response = await fetch(`${url}/upload`, { method: 'POST', body: 'x'.repeat(5_000_000) })
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE')
  })
})
