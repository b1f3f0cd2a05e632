/**
 * Tells a database that cannot be reached from one that refused a statement. The first kind
 * (the server restarting or down, a connection cut, no pooled connection free in time) is the
 * client's cue to try again shortly: the API answers it with 503 DATABASE_UNAVAILABLE instead of
 * a 500, and nothing was changed, since a transaction that loses its connection is rolled back.
 */

/** SQLSTATE classes and codes of a server going away (57P01 admin shutdown, 57P03 starting up...). */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
])
/** Socket errors of a connection refused, cut or timed out. */
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND'])
/** node-postgres says these in words only. */
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end',
]

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown }
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code)))
      return true
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true
    // Aggregate errors (a connection attempt to several addresses) carry their causes in `errors`.
    const errors = (current as { errors?: unknown }).errors
    if (Array.isArray(errors) && errors.some(isDatabaseUnavailable)) return true
    current = cause
  }
  return false
}
