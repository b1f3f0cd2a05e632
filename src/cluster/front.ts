/**
 * The cluster's front (`npm run cluster`): one HTTP port that spreads requests and WebSocket
 * upgrades round robin over the nodes that pass their readiness probe, so that several
 * processes look like one server. A route can pin path prefixes to a pool of its own (the
 * devnet's owner answers /devnet and /api/v1/devnet for the whole cluster).
 *
 * Bodies stream both ways and are never buffered. The Host header is kept (the WebSocket
 * gateway's same-origin check reads it); X-Forwarded-For gets the client's address appended,
 * X-Forwarded-Proto and -Host say how the front was reached, and X-Request-Id is passed on (or
 * made) so that the front's and the node's log lines of one request share it.
 *
 * Health: each backend's probe (/ready) is polled every second; one that does not answer 200
 * within the timeout, or refuses a connection, is skipped until a probe passes again. A request
 * without a body that could not reach its backend is tried on the next one; when a pool has no
 * healthy backend, the answer is a JSON 503 SERVICE_UNAVAILABLE in the API's error shape.
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { pipeline } from 'node:stream'
import { ERROR_CODES } from '../../contracts/errors.ts'
import { isSaneRequestId, REQUEST_ID_HEADER } from '../http/request-id.ts'

export const DEFAULT_HEALTH_PATH = '/ready'
export const DEFAULT_HEALTH_INTERVAL_MS = 1000
export const DEFAULT_HEALTH_TIMEOUT_MS = 900
/** Idle keep-alive sockets to backends close well before a node's own keep-alive timeout. */
const AGENT_IDLE_TIMEOUT_MS = 4000

/** Headers that describe one connection, not the message; never passed through. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']

export interface Backend {
  name: string
  /** Its origin, e.g. http://127.0.0.1:8081. */
  url: string
}

export interface PinnedRoute {
  /** Paths starting with one of these go to `backends` instead of the default pool. */
  prefixes: readonly string[]
  backends: readonly Backend[]
}

export interface FrontOptions {
  /** The default pool. */
  backends: readonly Backend[]
  pinned?: readonly PinnedRoute[]
  healthPath?: string
  healthIntervalMs?: number
  healthTimeoutMs?: number
  /** Hears every change of a backend's health (for the log). */
  onHealthChange?: (backend: Backend, healthy: boolean) => void
}

export interface Front {
  server: http.Server
  /** Listens, after a first round of probes, and resolves with the bound port. */
  listen(port: number, host: string): Promise<number>
  /** Which backends pass their probe now, by name. */
  health(): Record<string, boolean>
  close(): Promise<void>
}

class Member {
  healthy = false
  private probing = false
  readonly host: string
  readonly port: number

  constructor(readonly backend: Backend) {
    const url = new URL(backend.url)
    if (url.protocol !== 'http:') throw new Error(`backend ${backend.name}: only http: is supported`)
    this.host = url.hostname
    this.port = Number(url.port || 80)
  }

  async probe(path: string, timeoutMs: number): Promise<boolean | undefined> {
    if (this.probing) return undefined
    this.probing = true
    try {
      const response = await fetch(`${this.backend.url}${path}`, { signal: AbortSignal.timeout(timeoutMs) })
      await response.body?.cancel()
      return response.status === 200
    } catch {
      return false
    } finally {
      this.probing = false
    }
  }
}

class Pool {
  private next = 0
  constructor(readonly members: readonly Member[]) {}

  /** The next healthy member after the last one picked, other than `skip`. */
  pick(skip?: Member): Member | undefined {
    const count = this.members.length
    for (let i = 0; i < count; i++) {
      const index = (this.next + i) % count
      const member = this.members[index]!
      if (member.healthy && member !== skip) {
        this.next = (index + 1) % count
        return member
      }
    }
    return undefined
  }
}

function unavailableBody(requestId: string, message: string): string {
  return JSON.stringify({ error: { code: 'SERVICE_UNAVAILABLE', message, requestId } })
}

const NO_BACKEND_MESSAGE = 'No server of the cluster is up to answer this; try again shortly.'
const BACKEND_FAILED_MESSAGE = 'The server handling this request could not be reached; try again.'

function sendUnavailable(response: http.ServerResponse, requestId: string, message: string): void {
  const body = unavailableBody(requestId, message)
  response.writeHead(ERROR_CODES.SERVICE_UNAVAILABLE.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    [REQUEST_ID_HEADER]: requestId,
  })
  response.end(body)
}

/** The same answer written on a raw socket, for an upgrade that found no backend. */
function writeUnavailable(socket: Socket, requestId: string, message: string): void {
  const body = unavailableBody(requestId, message)
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n${REQUEST_ID_HEADER}: ${requestId}\r\n` +
      `connection: close\r\n\r\n${body}`,
  )
}

function requestIdOf(request: http.IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER]
  return isSaneRequestId(incoming) ? incoming : randomUUID()
}

/** Names listed in a Connection header are hop-by-hop too. */
function connectionTokens(headers: http.IncomingHttpHeaders): string[] {
  const value = headers.connection
  return value === undefined ? [] : value.split(',').map((token) => token.trim().toLowerCase())
}

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const drop = new Set([...HOP_BY_HOP, ...connectionTokens(headers)])
  const kept: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !drop.has(name)) kept[name] = value
  }
  return kept
}

function forwardedHeaders(request: http.IncomingMessage, requestId: string): http.OutgoingHttpHeaders {
  const headers = withoutHopByHop(request.headers)
  const client = request.socket.remoteAddress ?? 'unknown'
  const previous = request.headers['x-forwarded-for']
  headers['x-forwarded-for'] = previous ? `${previous}, ${client}` : client
  headers['x-forwarded-proto'] = 'http'
  if (request.headers.host !== undefined) headers['x-forwarded-host'] = request.headers.host
  headers[REQUEST_ID_HEADER] = requestId
  return headers
}

function hasBody(request: http.IncomingMessage): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/** An error that means the request never reached the backend, so sending it again is safe. */
function neverDelivered(error: NodeJS.ErrnoException, proxyRequest: http.ClientRequest): boolean {
  return error.code === 'ECONNREFUSED' || (proxyRequest.reusedSocket && error.code === 'ECONNRESET')
}

/** The head of a response in wire form, from a message's raw header list. */
function responseHead(statusCode: number, statusMessage: string, rawHeaders: readonly string[]): string {
  let head = `HTTP/1.1 ${statusCode} ${statusMessage}\r\n`
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`
  return `${head}\r\n`
}

/** Raw headers without the ones that frame a body or the connection: a refused upgrade's body ends at close. */
function withoutFraming(rawHeaders: readonly string[]): string[] {
  const dropped = new Set(['connection', 'transfer-encoding', 'content-length', 'keep-alive'])
  const kept: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (!dropped.has(rawHeaders[i]!.toLowerCase())) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!)
  }
  return kept
}

export function createFront(options: FrontOptions): Front {
  const healthPath = options.healthPath ?? DEFAULT_HEALTH_PATH
  const intervalMs = options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS
  const timeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS
  const members = new Map<string, Member>()
  const memberOf = (backend: Backend): Member => {
    const key = `${backend.name} ${backend.url}`
    let member = members.get(key)
    if (member === undefined) {
      member = new Member(backend)
      members.set(key, member)
    }
    return member
  }
  const defaultPool = new Pool(options.backends.map(memberOf))
  const pinned = (options.pinned ?? []).map((route) => ({
    prefixes: route.prefixes,
    pool: new Pool(route.backends.map(memberOf)),
  }))
  const poolFor = (url: string | undefined): Pool =>
    pinned.find((route) => route.prefixes.some((prefix) => (url ?? '/').startsWith(prefix)))?.pool ??
    defaultPool
  const agent = new http.Agent({ keepAlive: true, timeout: AGENT_IDLE_TIMEOUT_MS })
  const tunnels = new Set<Socket>()

  const setHealth = (member: Member, healthy: boolean): void => {
    if (member.healthy === healthy) return
    member.healthy = healthy
    options.onHealthChange?.(member.backend, healthy)
  }
  const probeAll = async (): Promise<void> => {
    await Promise.all(
      [...members.values()].map(async (member) => {
        const healthy = await member.probe(healthPath, timeoutMs)
        if (healthy !== undefined) setHealth(member, healthy)
      }),
    )
  }

  const forward = (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    pool: Pool,
    requestId: string,
    skip?: Member,
  ): void => {
    const member = pool.pick(skip)
    if (member === undefined) {
      sendUnavailable(response, requestId, skip ? BACKEND_FAILED_MESSAGE : NO_BACKEND_MESSAGE)
      return
    }
    const withBody = hasBody(request)
    const proxyRequest = http.request({
      host: member.host,
      port: member.port,
      method: request.method,
      path: request.url,
      headers: forwardedHeaders(request, requestId),
      agent,
    })
    proxyRequest.on('response', (proxyResponse) => {
      response.writeHead(
        proxyResponse.statusCode ?? 502,
        proxyResponse.statusMessage,
        withoutHopByHop(proxyResponse.headers),
      )
      pipeline(proxyResponse, response, () => {})
    })
    proxyRequest.on('error', (error: NodeJS.ErrnoException) => {
      if (response.headersSent) {
        response.destroy()
        return
      }
      // The rest of the body is read and dropped, so that the client can read the answer.
      if (withBody) {
        request.unpipe(proxyRequest)
        request.resume()
      }
      if (error.code === 'ECONNREFUSED') setHealth(member, false)
      // Tried once more, on another backend, only when nothing of the request can have arrived.
      if (!withBody && skip === undefined && neverDelivered(error, proxyRequest)) {
        forward(request, response, pool, requestId, member)
        return
      }
      sendUnavailable(response, requestId, BACKEND_FAILED_MESSAGE)
    })
    response.on('close', () => {
      if (!response.writableFinished) proxyRequest.destroy()
    })
    // On a backend error the error handler unpipes and drains the rest, and answers 503.
    if (withBody) request.pipe(proxyRequest)
    else proxyRequest.end()
  }

  const tunnel = (client: Socket, backend: Socket): void => {
    for (const socket of [client, backend]) {
      socket.setNoDelay(true)
      socket.setTimeout(0)
      tunnels.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => {
        tunnels.delete(socket)
        client.destroy()
        backend.destroy()
      })
    }
    client.pipe(backend)
    backend.pipe(client)
  }

  const upgrade = (request: http.IncomingMessage, socket: Socket, head: Buffer): void => {
    const requestId = requestIdOf(request)
    socket.on('error', () => {})
    const member = poolFor(request.url).pick()
    if (member === undefined) {
      writeUnavailable(socket, requestId, NO_BACKEND_MESSAGE)
      return
    }
    const headers = forwardedHeaders(request, requestId)
    headers.connection = 'Upgrade'
    headers.upgrade = request.headers.upgrade ?? 'websocket'
    const proxyRequest = http.request({
      host: member.host,
      port: member.port,
      method: request.method,
      path: request.url,
      headers,
      agent: false,
    })
    proxyRequest.on('upgrade', (proxyResponse, backendSocket, backendHead) => {
      socket.write(
        responseHead(
          proxyResponse.statusCode ?? 101,
          proxyResponse.statusMessage ?? '',
          proxyResponse.rawHeaders,
        ),
      )
      if (backendHead.length > 0) socket.write(backendHead)
      if (head.length > 0) backendSocket.write(head)
      tunnel(socket, backendSocket)
    })
    // A refusal (401, 403, 429...) is passed on, its body ending with the connection.
    proxyRequest.on('response', (proxyResponse) => {
      const rawHeaders = [...withoutFraming(proxyResponse.rawHeaders), 'connection', 'close']
      socket.write(
        responseHead(proxyResponse.statusCode ?? 502, proxyResponse.statusMessage ?? '', rawHeaders),
      )
      pipeline(proxyResponse, socket, () => {})
    })
    proxyRequest.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') setHealth(member, false)
      if (socket.writable) writeUnavailable(socket, requestId, BACKEND_FAILED_MESSAGE)
      else socket.destroy()
    })
    socket.on('close', () => proxyRequest.destroy())
    proxyRequest.end()
  }

  const server = http.createServer((request, response) =>
    forward(request, response, poolFor(request.url), requestIdOf(request)),
  )
  server.on('upgrade', upgrade)
  let timer: NodeJS.Timeout | undefined

  return {
    server,
    async listen(port, host) {
      await probeAll()
      timer = setInterval(() => void probeAll(), intervalMs)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve()
        })
      })
      return (server.address() as AddressInfo).port
    },
    health() {
      return Object.fromEntries([...members.values()].map((m) => [m.backend.name, m.healthy]))
    },
    async close() {
      clearInterval(timer)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of tunnels) socket.destroy()
      server.closeAllConnections()
      agent.destroy()
      await closed
    },
  }
}
