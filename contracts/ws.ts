/**
 * The real-time protocol (SPEC 8): one WebSocket endpoint, JSON text messages, shared by the
 * server's gateway (src/http/ws) and the web app.
 *
 * Connecting: `GET /api/v1/ws` with the session in the `mp_session` cookie (browsers send it on
 * their own), `Authorization: Bearer <token>` (other clients), or `?token=<token>`. The query form
 * exists only because the browser WebSocket API cannot set headers: a URL can end up in proxy
 * logs, so use it only with a short-lived token, never with a long-lived one. A missing, expired
 * or unknown token gives an anonymous connection (hello's `user` is null), which may subscribe
 * to public channels only.
 *
 * Client → server: `subscribe`, `unsubscribe`, `ping`, and the types other modules register
 * (e.g. `watch.confirm`), all flat objects `{ id?, type, ...fields }`. A message with an `id`
 * gets exactly one answer carrying that id: a `reply`, an `error`, or for `ping` a `pong`.
 * Without an id, success is silent and failures arrive as errors without an id.
 *
 * Server → client: `hello` (first, once), `event`, `reply`, `error`, `pong`.
 *
 * Events are state, not deltas: a client that reads too slowly is sent only the latest event of
 * each channel (and key; see the gateway), never a growing backlog. `seq` increases within one
 * subscription; a gap means older events were superseded. A subscription to a channel with
 * state first delivers that state as an event with `snapshot: true`, before any live event.
 */
import { type Static, type TProperties, Type } from '@sinclair/typebox'
import { Role } from './auth.ts'
import type { ErrorCode } from './errors.ts'

export const WS_PATH = '/api/v1/ws'
/** The query parameter carrying a session token, for browsers that cannot send a header. */
export const WS_TOKEN_QUERY_PARAM = 'token'
/** A larger client message closes the connection with WS_CLOSE.MESSAGE_TOO_BIG. */
export const WS_MAX_MESSAGE_BYTES = 4096

/** Channel names; `user:<id>` is readable only by that user. */
export const WS_CHANNELS = {
  /** The current round: state and leaderboard, at most once a second. */
  round: 'round',
  blocks: 'blocks',
  /** The processing queue, for admins. */
  adminContent: 'admin:content',
  /** Listings, offers and sales as they happen (contracts/market.ts MarketUpdate). */
  market: 'market',
} as const

/** The private channel of one user: balance, earnings, notifications, transaction status. */
export function userChannel(userId: string): string {
  return `user:${userId}`
}

/** Why the server closed a connection, and what a client should do about it. */
export const WS_CLOSE = {
  /** The server is stopping; reconnect with backoff. */
  GOING_AWAY: 1001,
  /** Flooding messages far beyond the rate limit; do not reconnect at once. */
  POLICY_VIOLATION: 1008,
  /** A message above WS_MAX_MESSAGE_BYTES. */
  MESSAGE_TOO_BIG: 1009,
  /** Too slow to keep up; reconnect, and the subscriptions' snapshots bring the state back. */
  TRY_AGAIN_LATER: 1013,
  /** The session expired or was revoked; reconnect after signing in again (or anonymously). */
  SESSION_ENDED: 4001,
  /** Anonymous and subscribed to nothing for too long. */
  IDLE: 4002,
} as const

/**
 * Error codes of the protocol itself, with their English default text. Like contracts/errors.ts
 * they are stable; handlers may also answer with one of the API's codes (e.g. INSUFFICIENT_FUNDS).
 */
export const WS_ERROR_CODES = {
  WS_BAD_MESSAGE: 'The message is not a JSON object of the expected shape.',
  WS_UNKNOWN_TYPE: 'This message type is not known.',
  WS_RATE_LIMITED: 'Too many messages; this one was dropped.',
  WS_BUSY: 'Too many requests are still being answered; wait for their replies.',
  WS_UNKNOWN_CHANNEL: 'There is no such channel.',
  WS_FORBIDDEN_CHANNEL: 'You are not allowed to subscribe to this channel.',
  WS_TOO_MANY_SUBSCRIPTIONS: 'This connection has too many subscriptions.',
  WS_INTERNAL: 'Something went wrong on our side.',
} as const

export type WsErrorCode = keyof typeof WS_ERROR_CODES
/** What an error message's `code` can be: a protocol code or an API code. */
export type WsAnswerCode = WsErrorCode | ErrorCode

const RequestId = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Chosen by the client; echoed in the answer.',
})

export const ChannelName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[a-z][a-z0-9_.-]*(:[A-Za-z0-9_.-]+)*$',
  description: 'e.g. round, blocks, user:<id>, admin:content',
})

export const MessageType = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_.]*$' })

/** Every client message, read first to route it and to echo its id; other fields depend on the type. */
export const ClientEnvelope = Type.Object({ id: Type.Optional(RequestId), type: MessageType })
export type ClientEnvelope = Static<typeof ClientEnvelope>

/** A client message: the envelope with a fixed type, plus the fields of its body. */
function clientMessage<T extends string, P extends TProperties>(type: T, body: P) {
  return Type.Object(
    { id: Type.Optional(RequestId), type: Type.Literal(type), ...body },
    { additionalProperties: false },
  )
}

export const SubscribeBody = Type.Object({ channel: ChannelName }, { additionalProperties: false })
export type SubscribeBody = Static<typeof SubscribeBody>
export const SubscribeMessage = clientMessage('subscribe', SubscribeBody.properties)
export type SubscribeMessage = Static<typeof SubscribeMessage>
export const UnsubscribeMessage = clientMessage('unsubscribe', SubscribeBody.properties)
export type UnsubscribeMessage = Static<typeof UnsubscribeMessage>
export const PingBody = Type.Object({}, { additionalProperties: false })
export const PingMessage = clientMessage('ping', PingBody.properties)
export type PingMessage = Static<typeof PingMessage>

export const WsUser = Type.Object({ id: Type.String(), role: Role })
export type WsUser = Static<typeof WsUser>

export const HelloMessage = Type.Object({
  type: Type.Literal('hello'),
  user: Type.Union([WsUser, Type.Null()], { description: 'Null for an anonymous connection.' }),
  serverTime: Type.String({ format: 'date-time' }),
})
export type HelloMessage = Static<typeof HelloMessage>

export const EventMessage = Type.Object({
  type: Type.Literal('event'),
  channel: ChannelName,
  data: Type.Unknown(),
  seq: Type.Integer({ minimum: 0, description: 'Increases within a subscription; gaps are normal.' }),
  snapshot: Type.Optional(Type.Literal(true, { description: 'The full state, sent on subscribing.' })),
})
export type EventMessage = Static<typeof EventMessage>

export const ReplyMessage = Type.Object({
  type: Type.Literal('reply'),
  id: RequestId,
  ok: Type.Literal(true),
  data: Type.Unknown(),
})
export type ReplyMessage = Static<typeof ReplyMessage>

export const ErrorMessage = Type.Object({
  type: Type.Literal('error'),
  id: Type.Optional(RequestId),
  code: Type.Unsafe<WsAnswerCode>(Type.String({ description: 'WS_ERROR_CODES or contracts/errors.ts.' })),
  message: Type.String({ description: 'English default text; clients should map the code instead.' }),
})
export type ErrorMessage = Static<typeof ErrorMessage>

export const PongMessage = Type.Object({
  type: Type.Literal('pong'),
  id: Type.Optional(RequestId),
  serverTime: Type.String({ format: 'date-time' }),
})
export type PongMessage = Static<typeof PongMessage>

export const ServerMessage = Type.Union([HelloMessage, EventMessage, ReplyMessage, ErrorMessage, PongMessage])
export type ServerMessage = Static<typeof ServerMessage>
