/**
 * What the gateway reads from an upgrade request before accepting it: the session token and
 * the Origin. Nothing here logs; a token only ever travels to the session lookup.
 */
import type { IncomingMessage } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { SESSION_COOKIE } from '../../../contracts/auth.ts'
import { ERROR_CODES, type ErrorCode } from '../../../contracts/errors.ts'
import { WS_TOKEN_QUERY_PARAM } from '../../../contracts/ws.ts'

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

/** The request's path and query; null when the target is not a parsable URL path. */
export function upgradeUrl(request: IncomingMessage): URL | null {
  try {
    // Only the path and query are used; the base merely makes the target parsable.
    return new URL(request.url ?? '/', 'http://gateway.invalid')
  } catch {
    return null
  }
}

/**
 * The token the client presents: `Authorization: Bearer` first (as for HTTP requests), then the
 * query parameter (an explicit choice by a browser client, which cannot set the header), then
 * the session cookie.
 */
export function presentedToken(request: IncomingMessage, url: URL): string | undefined {
  const authorization = request.headers.authorization
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization)
    if (match) return match[1]
  }
  const fromQuery = url.searchParams.get(WS_TOKEN_QUERY_PARAM)
  if (fromQuery) return fromQuery
  return cookieValue(request.headers.cookie, SESSION_COOKIE)
}

/** One cookie's value from a Cookie header (RFC 6265 pairs separated by ";"). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=')
    if (separator === -1 || pair.slice(0, separator).trim() !== name) continue
    const raw = pair.slice(separator + 1).trim()
    try {
      return decodeURIComponent(raw)
    } catch {
      return raw
    }
  }
  return undefined
}

/** Configured origins in the form browsers send (`scheme://host[:port]`, no path). */
export function normalizeOrigins(origins: readonly string[]): ReadonlySet<string> {
  return new Set(origins.map((origin) => new URL(origin).origin))
}

/**
 * Whether a page on `origin` may open this WebSocket. Browsers always send Origin on a
 * WebSocket handshake, and the cookie rides along whatever the page, so this check is the
 * WebSocket's CSRF protection. A request without Origin is not from a browser; such a client
 * could send any Origin anyway, so refusing it would protect nothing. A page served by this
 * server itself (its Origin names the Host the request was sent to) is always allowed.
 */
export function originAllowed(
  origin: string | undefined,
  allowed: ReadonlySet<string> | undefined,
  host?: string,
): boolean {
  if (allowed === undefined || origin === undefined) return true
  if (allowed.has(origin)) return true
  // A page of this very server (reached as 127.0.0.1 while PUBLIC_URL says localhost, say):
  // same origin is what the check protects, whatever name the server was reached by.
  return host !== undefined && originHost(origin) === host.toLowerCase()
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}

/** Answers the upgrade with an HTTP error in the API's error shape and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, code: ErrorCode): void {
  if (socket.destroyed) return
  const body = JSON.stringify({ error: { code, message: ERROR_CODES[code].message } })
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body,
  )
}
