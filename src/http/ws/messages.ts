/**
 * Client messages, from raw frame to answer: rate limit, JSON, envelope, route, body schema,
 * handler, reply. Every failure a client can cause becomes an error message with a stable code
 * (contracts/ws.ts) and leaves the connection open; only a flood closes it.
 *
 * A handler receives the message without `id` and `type`, checked against its schema without
 * coercion (a string is never turned into a number, as for HTTP bodies), and answers with
 * whatever its promise resolves to. It may throw WsError, or the API's AppError, to answer with
 * a code; anything else is a bug: logged, and answered with WS_INTERNAL.
 */
import type { Static, TSchema } from '@sinclair/typebox'
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler'
import type { RawData } from 'ws'
import {
  ClientEnvelope,
  MessageType,
  PingBody,
  WS_CLOSE,
  WS_ERROR_CODES,
  type WsAnswerCode,
  type WsErrorCode,
} from '../../../contracts/ws.ts'
import { type AppLogger, SampledLog } from '../../logger.ts'
import { toAppError } from '../errors.ts'
import type { Connection, WsContext } from './connection.ts'
import type { GatewayMeter } from './metrics.ts'
import type { MessageRateLimiter } from './rate-limit.ts'

/** Answers a message with an error code instead of a reply. */
export class WsError extends Error {
  override name = 'WsError'
  readonly code: WsAnswerCode

  constructor(code: WsErrorCode, message: string = WS_ERROR_CODES[code]) {
    super(message)
    this.code = code
  }
}

/**
 * Answers with the reply's data (undefined becomes null), sent only when the message had an id.
 * A handler that can answer at once returns the data itself: the reply then goes out in the same
 * turn, without a promise (watch.confirm, the gateway's busiest message, is one).
 */
export type WsHandler<Body> = (context: WsContext, body: Body) => unknown

interface Route {
  check: TypeCheck<TSchema>
  handler: WsHandler<never>
}

export interface MessageRouterOptions {
  limiter: MessageRateLimiter
  meter: GatewayMeter
  /** Handler calls a connection may have unanswered at once; more are refused with WS_BUSY. */
  maxInFlight: number
  logger: AppLogger | undefined
}

const ENVELOPE = TypeCompiler.Compile(ClientEnvelope)
const PING = TypeCompiler.Compile(PingBody)

/** A message read as far as it could be: its id, and its envelope and body when well formed. */
interface ReadMessage {
  id: number | undefined
  envelope?: { type: string; body: Record<string, unknown> }
  problem?: string
}

/** "Try again shortly" answers are logged at most this often: a crowd causes them by the thousand. */
const UNAVAILABLE_LOG_INTERVAL_MS = 10_000

export class MessageRouter {
  private readonly routes = new Map<string, Route>()
  private readonly unavailableLog = new SampledLog(UNAVAILABLE_LOG_INTERVAL_MS)

  constructor(private readonly options: MessageRouterOptions) {}

  register<S extends TSchema>(type: string, schema: S, handler: WsHandler<Static<S>>): void {
    if (!ENVELOPE.Check({ type })) throw new Error(`message type ${type} is not a valid type name`)
    if (type === 'ping' || this.routes.has(type))
      throw new Error(`message type ${type} already has a handler`)
    this.routes.set(type, { check: TypeCompiler.Compile(schema), handler: handler as WsHandler<never> })
  }

  /** One frame from the client. Synchronous up to the handler call, so frames are judged in order. */
  receive(connection: Connection, raw: RawData, isBinary: boolean): void {
    if (!connection.isOpen) return
    this.options.meter.received()
    connection.lastSeenMs = Date.now()
    const verdict = this.options.limiter.take(connection.id)
    if (verdict === 'abusive') {
      connection.close(WS_CLOSE.POLICY_VIOLATION, 'message flood', 'abuse')
      return
    }
    // Read even when limited, so the refusal carries the id the client waits on.
    const message = readMessage(raw, isBinary)
    if (verdict === 'limited') {
      this.refuse(connection, message.id, 'WS_RATE_LIMITED', 'rate_limited')
    } else if (message.envelope === undefined) {
      connection.sendError(message.id, 'WS_BAD_MESSAGE', message.problem ?? WS_ERROR_CODES.WS_BAD_MESSAGE)
    } else {
      this.route(connection, message.id, message.envelope.type, message.envelope.body)
    }
  }

  private route(
    connection: Connection,
    id: number | undefined,
    type: string,
    body: Record<string, unknown>,
  ): void {
    const route = this.routes.get(type)
    if (type === 'ping') {
      pong(connection, id, body)
    } else if (route === undefined) {
      connection.sendError(id, 'WS_UNKNOWN_TYPE', `${WS_ERROR_CODES.WS_UNKNOWN_TYPE} (${type})`)
    } else if (!route.check.Check(body)) {
      badBody(connection, id, route.check, body)
    } else if (connection.inFlight >= this.options.maxInFlight) {
      this.refuse(connection, id, 'WS_BUSY', 'busy')
    } else {
      this.run(connection, id, type, route.handler, body as never)
    }
  }

  private run(
    connection: Connection,
    id: number | undefined,
    type: string,
    handler: WsHandler<never>,
    body: never,
  ): void {
    let answer: unknown
    try {
      answer = handler(connection.context, body)
    } catch (error) {
      this.fail(connection, id, type, error)
      return
    }
    if (!isPromise(answer)) {
      this.reply(connection, id, answer)
      return
    }
    connection.inFlight += 1
    answer.then(
      (data) => {
        connection.inFlight -= 1
        this.reply(connection, id, data)
      },
      (error: unknown) => {
        connection.inFlight -= 1
        this.fail(connection, id, type, error)
      },
    )
  }

  private reply(connection: Connection, id: number | undefined, data: unknown): void {
    if (id !== undefined) connection.send({ type: 'reply', id, ok: true, data: data ?? null })
  }

  private fail(connection: Connection, id: number | undefined, type: string, error: unknown): void {
    const answer = this.answerFor(error, connection, type)
    connection.sendError(id, answer.code, answer.message)
  }

  private answerFor(
    error: unknown,
    connection: Connection,
    type: string,
  ): { code: WsAnswerCode; message: string } {
    if (error instanceof WsError) return { code: error.code, message: error.message }
    // Client errors and "try again shortly" (503) explain themselves; any other server error's
    // text could hold internals.
    const appError = toAppError(error)
    if (appError.statusCode < 500 || appError.statusCode === 503) {
      if (appError.statusCode === 503)
        this.unavailableLog.note((unlogged) =>
          this.options.logger?.warn(
            { err: error, connectionId: connection.id, type, unlogged },
            'websocket handler unavailable',
          ),
        )
      return { code: appError.code, message: appError.message }
    }
    this.options.logger?.error(
      { err: error, connectionId: connection.id, userId: connection.user?.id, type },
      'websocket handler failed',
    )
    return { code: 'WS_INTERNAL', message: WS_ERROR_CODES.WS_INTERNAL }
  }

  private refuse(
    connection: Connection,
    id: number | undefined,
    code: 'WS_RATE_LIMITED' | 'WS_BUSY',
    reason: 'rate_limited' | 'busy',
  ): void {
    this.options.meter.dropped(reason)
    connection.sendError(id, code, WS_ERROR_CODES[code])
  }
}

function readMessage(raw: RawData, isBinary: boolean): ReadMessage {
  if (isBinary) return { id: undefined, problem: 'Messages are JSON text; binary frames are not read.' }
  let value: unknown
  try {
    value = JSON.parse(rawText(raw))
  } catch {
    return { id: undefined, problem: 'The message is not valid JSON.' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { id: undefined, problem: 'The message must be a JSON object.' }
  }
  const { id, type, ...body } = value as Record<string, unknown>
  // The envelope's rules (contracts/ws.ts ClientEnvelope), checked by hand: this runs for every
  // frame, and the compiled schema would need the fields copied into a new object twice.
  const validId = isRequestId(id) ? id : undefined
  if ((id !== undefined && validId === undefined) || !isMessageType(type)) {
    return {
      id: validId,
      problem: 'The message needs a "type" (and an "id", if any, that is a whole number).',
    }
  }
  return { id: validId, envelope: { type, body } }
}

function isRequestId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0
}

const MESSAGE_TYPE_PATTERN = new RegExp(MessageType.pattern as string)

function isMessageType(type: unknown): type is string {
  return (
    typeof type === 'string' &&
    type.length >= (MessageType.minLength as number) &&
    type.length <= (MessageType.maxLength as number) &&
    MESSAGE_TYPE_PATTERN.test(type)
  )
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}

function rawText(raw: RawData): string {
  if (Buffer.isBuffer(raw)) return raw.toString('utf8')
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8')
  return Buffer.from(raw).toString('utf8')
}

/** `ping` is answered by `pong`, with the server's clock, so a client can check its link and clock. */
function pong(connection: Connection, id: number | undefined, body: Record<string, unknown>): void {
  if (!PING.Check(body)) {
    badBody(connection, id, PING, body)
    return
  }
  connection.send({ type: 'pong', ...(id === undefined ? {} : { id }), serverTime: new Date().toISOString() })
}

/** WS_BAD_MESSAGE naming the first field that broke the schema. */
function badBody(
  connection: Connection,
  id: number | undefined,
  check: TypeCheck<TSchema>,
  body: unknown,
): void {
  const first = check.Errors(body).First()
  const where = first === undefined || first.path === '' ? 'the message' : first.path
  const detail = first === undefined ? '' : `: ${first.message}`
  connection.sendError(id, 'WS_BAD_MESSAGE', `${WS_ERROR_CODES.WS_BAD_MESSAGE} At ${where}${detail}.`)
}
