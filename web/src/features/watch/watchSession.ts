/**
 * The watch page's state (contracts/watch.ts), as a reducer over what happened: a start was
 * asked for and answered or refused, the server sent a session's state (a confirm or stop
 * reply, or a `watch` event on the user's channel), the page stopped being watchable
 * (tab hidden, scrolled away, paused, connection lost), the user stopped.
 *
 * One page may hold several sessions in a row: a session ends when the tab stays hidden longer
 * than the server waits for a confirmation, and a new one starts when the viewer returns. The
 * figures add up every session of the page, so what the viewer sees is what this visit cost.
 * Everything here is pure; useWatchSession.ts does the talking.
 */
import type { WatchEndReason, WatchSessionView, WatchStartReply } from '../../../../contracts/watch.ts'
import type { WsRequestError } from '../../app/ws.ts'

/** Copied from contracts/watch.ts (a unit test checks), so the bundle stays free of the schema library. */
export const WATCH_CONFIRM_TIMEOUT_MS = 3_000
export const WATCH_MAX_SESSIONS_PER_USER = 4
export const WATCH_LOW_BALANCE_SECONDS = 30
export const WATCH_MESSAGES = { start: 'watch.start', confirm: 'watch.confirm', stop: 'watch.stop' } as const

export type WatchPhase =
  /** No session yet: waiting for the connection, or for the page to be watchable. */
  | 'idle'
  | 'starting'
  | 'watching'
  | 'stopping'
  | 'ended'
  /** The start was refused (error holds why). */
  | 'failed'

export interface WatchState {
  phase: WatchPhase
  /** The answer to the latest start: media, title and billing rules. */
  start: WatchStartReply | null
  /** Every session of this page by id, each as last heard of. */
  sessions: Readonly<Record<string, WatchSessionView>>
  currentId: string | null
  error: WsRequestError | null
  /** The page stopped being watchable during the current session (hidden, away, paused, offline). */
  interrupted: boolean
}

export const initialWatchState: WatchState = {
  phase: 'idle',
  start: null,
  sessions: {},
  currentId: null,
  error: null,
  interrupted: false,
}

export type WatchAction =
  | { type: 'watch/startRequested' }
  | { type: 'watch/started'; reply: WatchStartReply }
  | { type: 'watch/startFailed'; error: WsRequestError }
  | { type: 'watch/sessionReceived'; session: WatchSessionView }
  | { type: 'watch/requestFailed'; sessionId: string; error: WsRequestError }
  | { type: 'watch/interrupted' }
  | { type: 'watch/connectionLost' }
  | { type: 'watch/stopRequested' }
  /** The stop got no answer (connection dropped, timeout): with no more confirmations the server ends it anyway. */
  | { type: 'watch/stopFailed'; sessionId: string }

/** Codes that mean the session is over on the server, whatever this page believed. */
const SESSION_GONE_CODES = new Set(['WATCH_SESSION_ENDED', 'WATCH_SESSION_NOT_FOUND'])

/**
 * Whether `next` may replace `held`: an ended session never becomes active again, and an
 * active one never goes back in seconds (replies can overtake each other).
 */
function isNewer(held: WatchSessionView | undefined, next: WatchSessionView): boolean {
  if (held === undefined) return true
  if (held.state === 'ended') return next.state === 'ended'
  return next.state === 'ended' || next.confirmedSeconds >= held.confirmedSeconds
}

function endedLocally(session: WatchSessionView, reason: WatchEndReason | null): WatchSessionView {
  return { ...session, state: 'ended', endReason: session.endReason ?? reason }
}

export function watchReducer(state: WatchState, action: WatchAction): WatchState {
  switch (action.type) {
    case 'watch/startRequested':
      return { ...state, phase: 'starting', error: null, interrupted: false }
    case 'watch/started': {
      const { session } = action.reply
      return {
        ...state,
        phase: session.state === 'ended' ? 'ended' : 'watching',
        start: action.reply,
        sessions: { ...state.sessions, [session.sessionId]: session },
        currentId: session.sessionId,
      }
    }
    case 'watch/startFailed':
      return { ...state, phase: 'failed', error: action.error }
    case 'watch/sessionReceived': {
      const { session } = action
      const held = state.sessions[session.sessionId]
      // Only sessions this page started: another tab's session is its own business.
      if (held === undefined || !isNewer(held, session)) return state
      const sessions = { ...state.sessions, [session.sessionId]: session }
      if (session.sessionId !== state.currentId) return { ...state, sessions }
      const ended = session.state === 'ended' && (state.phase === 'watching' || state.phase === 'stopping')
      return { ...state, sessions, phase: ended ? 'ended' : state.phase }
    }
    case 'watch/requestFailed': {
      const held = state.sessions[action.sessionId]
      if (held === undefined || !SESSION_GONE_CODES.has(action.error.code)) return state
      const sessions = { ...state.sessions, [action.sessionId]: endedLocally(held, null) }
      if (
        action.sessionId !== state.currentId ||
        (state.phase !== 'watching' && state.phase !== 'stopping')
      ) {
        return { ...state, sessions }
      }
      return { ...state, sessions, phase: 'ended' }
    }
    case 'watch/interrupted':
      return state.phase === 'watching' && !state.interrupted ? { ...state, interrupted: true } : state
    case 'watch/connectionLost': {
      // The server ends a session whose connection closed; its own word on it went with the socket.
      const held = state.currentId === null ? undefined : state.sessions[state.currentId]
      if (held === undefined || (state.phase !== 'watching' && state.phase !== 'stopping')) return state
      const stopping = state.phase === 'stopping'
      return {
        ...state,
        phase: 'ended',
        // A session the user was stopping stays stopped.
        interrupted: !stopping,
        sessions: {
          ...state.sessions,
          [held.sessionId]: endedLocally(held, stopping ? 'stopped' : 'disconnected'),
        },
      }
    }
    case 'watch/stopRequested':
      return state.phase === 'watching' ? { ...state, phase: 'stopping', interrupted: false } : state
    case 'watch/stopFailed': {
      const held = state.sessions[action.sessionId]
      if (held === undefined || state.phase !== 'stopping' || action.sessionId !== state.currentId)
        return state
      return {
        ...state,
        phase: 'ended',
        sessions: { ...state.sessions, [held.sessionId]: endedLocally(held, 'stopped') },
      }
    }
  }
}

export function currentSession(state: WatchState): WatchSessionView | null {
  return state.currentId === null ? null : (state.sessions[state.currentId] ?? null)
}

/** Why the current session ended, as far as anyone told this page (null: not said). */
export function endReasonOf(state: WatchState): WatchEndReason | null {
  return currentSession(state)?.endReason ?? null
}

/** Reasons after which the page starts a new session by itself once it is watchable again. */
const RESUMABLE = new Set<WatchEndReason | null>(['unconfirmed', 'disconnected', null])

/**
 * Whether to start a session now, given that the page is watchable and connected: the first one,
 * or a new one after the last ended only because the page was hidden, away, paused or offline.
 * A session stopped by the user, by an empty balance or by the hour's limit waits for a click.
 */
export function shouldStartSession(state: WatchState): boolean {
  if (state.phase === 'idle') return true
  return state.phase === 'ended' && state.interrupted && RESUMABLE.has(endReasonOf(state))
}

/**
 * What a session has cost: the charged sats, plus the confirmed seconds not yet flushed at the
 * session's rate, once the session has reached the billable minimum (before that, nothing is
 * charged at all, and a session ending there costs nothing).
 */
export function sessionSpentSats(session: WatchSessionView, minBillableSeconds: number): number {
  if (session.confirmedSeconds < minBillableSeconds) return session.chargedSats
  const pendingSeconds = Math.max(0, session.confirmedSeconds - session.chargedSeconds)
  return session.chargedSats + pendingSeconds * session.rateSats
}

export interface WatchFigures {
  seconds: number
  spentSats: number
  chargedSats: number
}

/** Every session of the page added up. */
export function watchFigures(state: WatchState): WatchFigures {
  const minBillable = state.start?.minBillableSeconds ?? 0
  let seconds = 0
  let spentSats = 0
  let chargedSats = 0
  for (const session of Object.values(state.sessions)) {
    seconds += session.confirmedSeconds
    spentSats += sessionSpentSats(session, minBillable)
    chargedSats += session.chargedSats
  }
  return { seconds, spentSats, chargedSats }
}

/** What the player shows for a session: the MP4 when the server offers one, else the animated WebP. */
export function mediaSourceOf(start: WatchStartReply): string {
  return start.media.mp4Url ?? start.media.url
}
