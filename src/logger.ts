/**
 * The process's root logger: JSON lines through pino, shared by the HTTP app (which adds a
 * requestId to each request's lines) and by everything else main.ts starts.
 *
 * SPEC 10 says no secret or key is ever logged, and a forgotten `log.info({ body })` is the
 * usual way one slips out. So redaction is by field name, at any depth of a logged object,
 * rather than by a list of paths that someone has to remember to extend.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino, stdSerializers } from 'pino'
import type { LogLevel } from './config.ts'

export type AppLogger = Logger

export const REDACTED = '[redacted]'

/** Field names that may hold a secret: credentials, keys of any kind, wallet material, cookies. */
const SECRET_FIELD_PATTERN =
  /key|secret|token|passw|mnemonic|wif|seed|private|authorization|cookie|credential/i

/** Deeper than this, objects are summarised instead of walked (also ends reference cycles). */
const MAX_REDACT_DEPTH = 8

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export function isSecretFieldName(name: string): boolean {
  return SECRET_FIELD_PATTERN.test(name)
}

/**
 * A copy of `value` with every field named like a secret replaced by REDACTED. Only plain
 * objects and arrays are walked; class instances (requests, errors) are left to their
 * serializers, which call this on their output.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) {
    if (depth >= MAX_REDACT_DEPTH) return '[array]'
    return value.map((item) => redactSecrets(item, depth + 1))
  }
  if (!isPlainObject(value)) return value
  if (depth >= MAX_REDACT_DEPTH) return '[object]'
  const copy: Record<string, unknown> = {}
  for (const [name, inner] of Object.entries(value)) {
    copy[name] = isSecretFieldName(name) ? REDACTED : redactSecrets(inner, depth + 1)
  }
  return copy
}

/** The URL with the values of secret-looking query parameters (`?token=...`) replaced. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?')
  if (queryStart === -1) return url
  const pairs = url.slice(queryStart + 1).split('&')
  let changed = false
  const redacted = pairs.map((pair) => {
    const nameEnd = pair.indexOf('=')
    const rawName = nameEnd === -1 ? pair : pair.slice(0, nameEnd)
    let name = rawName
    try {
      name = decodeURIComponent(rawName.replaceAll('+', ' '))
    } catch {
      // A malformed escape is logged as sent; the name is still checked as written.
    }
    if (!isSecretFieldName(name)) return pair
    changed = true
    return `${rawName}=${REDACTED}`
  })
  return changed ? `${url.slice(0, queryStart)}?${redacted.join('&')}` : url
}

interface LoggableRequest {
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: { remotePort?: number | undefined } | null
}

/** Fastify's request serializer, minus headers (never logged) and with the URL redacted. */
function serializeRequest(request: LoggableRequest) {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
    serializers: {
      req: serializeRequest,
      err: (error: Error) => redactSecrets(stdSerializers.err(error)),
    },
  }
}

/** The root logger. `destination` defaults to stdout; tests pass a stream to read lines back. */
export function createLogger(level: LogLevel, destination?: DestinationStream): AppLogger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level))
}

/**
 * For a warning that a crowd can cause thousands of times a second (a start refused under load):
 * the first occurrence in each interval is logged, with how many were left unlogged since.
 */
export class SampledLog {
  private lastAtMs = Number.NEGATIVE_INFINITY
  private unlogged = 0

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `write` with the count left unlogged before it, or counts this one as unlogged. */
  note(write: (unlogged: number) => void): void {
    const nowMs = this.now()
    if (nowMs - this.lastAtMs < this.intervalMs) {
      this.unlogged += 1
      return
    }
    const unlogged = this.unlogged
    this.lastAtMs = nowMs
    this.unlogged = 0
    write(unlogged)
  }
}

/**
 * One warning when something goes down and one notice when it is back, however many failures
 * come in between: a Redis outage is seen by every command, message or retry that meets it.
 */
export class OutageNotice {
  private failures = 0

  /** True from the first failure until `up`. */
  get active(): boolean {
    return this.failures > 0
  }

  /** Counts a failure; `warn` runs for the first of an outage only. Returns whether it was the first. */
  down(warn: () => void): boolean {
    this.failures += 1
    if (this.failures > 1) return false
    warn()
    return true
  }

  /** Ends an outage: `recovered` runs with the failures it counted. Returns false when there was none. */
  up(recovered: (failures: number) => void): boolean {
    if (this.failures === 0) return false
    const failures = this.failures
    this.failures = 0
    recovered(failures)
    return true
  }
}
