/**
 * Watching a meme, paid by the second (SPEC 2, 6), over the WebSocket (contracts/ws.ts). The
 * viewer must be signed in.
 *
 *   { id, type: 'watch.start', memeId }      → reply WatchStartReply: a session, a signed media URL
 *   { id, type: 'watch.confirm', sessionId } → reply WatchSessionView, once a second while the
 *                                              video is visible and playing
 *   { id, type: 'watch.stop', sessionId }    → reply WatchSessionView, the final state
 *
 * Billing: a confirmation counts one second, never more than the wall-clock time since the start
 * allows. Nothing is charged until the session reaches MIN_BILLABLE_S confirmed seconds; then
 * every confirmed second is, at VIEW_RATE_SATS_PER_S, drawn from a hold on the balance at each
 * flush (FLUSH_INTERVAL_MS). The server ends a session on stop, disconnect, an empty balance,
 * 3 s without a confirmation, or MAX_SESSION_S; the end arrives as a `watch` event on the
 * viewer's `user:<id>` channel (and as the reply to watch.stop).
 *
 * Errors (code): UNAUTHORIZED (anonymous connection), ACCOUNT_FROZEN, INSUFFICIENT_FUNDS (not
 * enough for the first seconds), MEME_NOT_WATCHABLE, WATCH_SESSION_NOT_FOUND (unknown or someone
 * else's), WATCH_SESSION_ENDED, WATCH_TOO_MANY_SESSIONS.
 */
import { type Static, Type } from '@sinclair/typebox'

export const WATCH_MESSAGES = {
  start: 'watch.start',
  confirm: 'watch.confirm',
  stop: 'watch.stop',
} as const

/** The server ends a session that has not been confirmed for this long. */
export const WATCH_CONFIRM_TIMEOUT_MS = 3_000
/** Sessions one viewer may have open at once (tabs); each has its own hold. */
export const WATCH_MAX_SESSIONS_PER_USER = 4
/** The client warns when the balance covers fewer seconds than this. */
export const WATCH_LOW_BALANCE_SECONDS = 30

export const WatchEndReason = Type.Union([
  Type.Literal('stopped'),
  Type.Literal('disconnected'),
  Type.Literal('balance_empty'),
  Type.Literal('unconfirmed'),
  Type.Literal('max_duration'),
  Type.Literal('server_stopping'),
  /** The server that ran the session stopped without ending it; charged time stays charged. */
  Type.Literal('interrupted'),
])
export type WatchEndReason = Static<typeof WatchEndReason>

export const SessionId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })

export const WatchStartBody = Type.Object(
  { memeId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
)
export type WatchStartBody = Static<typeof WatchStartBody>

export const WatchSessionBody = Type.Object({ sessionId: SessionId }, { additionalProperties: false })
export type WatchSessionBody = Static<typeof WatchSessionBody>

export const WatchSessionView = Type.Object({
  sessionId: Type.String(),
  memeId: Type.String(),
  state: Type.Union([Type.Literal('active'), Type.Literal('ended')]),
  rateSats: Type.Integer({ minimum: 1 }),
  /** Seconds the client confirmed. */
  confirmedSeconds: Type.Integer({ minimum: 0 }),
  /** Seconds written to the ledger so far; the rest are charged at the next flush. */
  chargedSeconds: Type.Integer({ minimum: 0 }),
  chargedSats: Type.Integer({ minimum: 0 }),
  /** What the viewer can still spend, counting what this session will charge at the next flush. */
  availableSats: Type.Integer({ minimum: 0 }),
  lowBalance: Type.Boolean(),
  endReason: Type.Union([WatchEndReason, Type.Null()]),
})
export type WatchSessionView = Static<typeof WatchSessionView>

export const WatchStartReply = Type.Object({
  session: WatchSessionView,
  media: Type.Object({
    /** The animation (animated WebP), signed for this session; ranges allowed. */
    url: Type.String(),
    mp4Url: Type.Union([Type.String(), Type.Null()]),
    posterUrl: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
  }),
  title: Type.String(),
  minBillableSeconds: Type.Integer({ minimum: 1 }),
  maxSeconds: Type.Integer({ minimum: 1 }),
  confirmTimeoutMs: Type.Integer({ minimum: 1 }),
})
export type WatchStartReply = Static<typeof WatchStartReply>
