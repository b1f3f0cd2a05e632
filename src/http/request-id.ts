/**
 * Request ids tie a client's report, the error body and every log line of one request together.
 * A caller (a load balancer, the web app, another service) may send its own in `x-request-id`;
 * it is kept when it looks like an id, and replaced when it could smuggle something into logs
 * or headers (spaces, newlines, quotes) or is long enough to bloat every line.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const REQUEST_ID_HEADER = 'x-request-id'

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value)
}

/** Fastify's genReqId: the caller's id when sane, else a fresh UUID. */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER]
  return isSaneRequestId(incoming) ? incoming : randomUUID()
}
