/**
 * The watch protocol (contracts/watch.ts) for one meme on one page, over the shared WebSocket:
 *
 *  - starts a session once the connection belongs to the signed-in user and the page is
 *    watchable, and starts a new one by itself when the last ended only because the page was
 *    hidden, away, paused or offline (watchSession.ts decides);
 *  - confirms a second every second, but only while the page is watchable and the animation is
 *    showing: the server charges confirmed seconds only, and ends a session left unconfirmed for
 *    3 s;
 *  - listens to the user's channel for the server ending the session (empty balance, the hour's
 *    limit, a restart);
 *  - stops the session when the page goes away, including a start still on its way.
 */
import { useCallback, useEffect, useReducer, useRef } from 'react'
import type { UserEvent } from '../../../../contracts/rounds.ts'
import type { WatchSessionView, WatchStartReply } from '../../../../contracts/watch.ts'
import { getWsClient, useChannel, useWsState } from '../../app/useChannel.ts'
import { isWsRequestError, userChannel, type WsRequestError } from '../../app/ws.ts'
import {
  initialWatchState,
  mediaSourceOf,
  shouldStartSession,
  WATCH_MESSAGES,
  type WatchState,
  watchReducer,
} from './watchSession.ts'

/** One confirmation a second: the server counts at most one per second of wall-clock time. */
export const CONFIRM_INTERVAL_MS = 1_000
/** Confirmations allowed on their way at once; more would only be refused as too fast. */
const MAX_CONFIRMS_IN_FLIGHT = 3

function asRequestError(error: unknown): WsRequestError {
  return isWsRequestError(error) ? error : { code: 'WS_INTERNAL', message: String(error) }
}

function stopQuietly(sessionId: string): void {
  getWsClient()
    .request(WATCH_MESSAGES.stop, { sessionId })
    .catch(() => {
      // Already over, or the connection went: the server ends the session either way.
    })
}

export interface WatchSessionControls {
  state: WatchState
  /** The connection is open and belongs to the signed-in user. */
  connected: boolean
  /** Whether seconds are being confirmed right now. */
  confirming: boolean
  /** The current session's animation is loaded and showing. */
  mediaReady: boolean
  stop(): void
  /** Starts a new session after one ended or failed. */
  startAgain(): void
}

export function useWatchSession(
  memeId: string,
  userId: string,
  /** Page visible, player in view, not paused by the user. */
  watchable: boolean,
  /** The media source now loaded and showing in the player, if any. */
  shownSrc: string | null,
): WatchSessionControls {
  const [state, dispatch] = useReducer(watchReducer, initialWatchState)
  // Only the current session's animation counts: a stale one may still be on screen meanwhile.
  const mediaReady = state.start !== null && shownSrc === mediaSourceOf(state.start)
  const ws = useWsState()
  const connected = ws.status === 'open' && ws.user?.id === userId
  const alive = useRef(true)
  const startInFlight = useRef(false)
  const latest = useRef(state)
  useEffect(() => {
    latest.current = state
  })

  const start = useCallback(() => {
    if (startInFlight.current) return
    startInFlight.current = true
    dispatch({ type: 'watch/startRequested' })
    getWsClient()
      .request<WatchStartReply>(WATCH_MESSAGES.start, { memeId })
      .then(
        (reply) => {
          startInFlight.current = false
          // The page went away while the start was on its way: nobody will watch this one.
          if (!alive.current) stopQuietly(reply.session.sessionId)
          else dispatch({ type: 'watch/started', reply })
        },
        (error: unknown) => {
          startInFlight.current = false
          if (alive.current) dispatch({ type: 'watch/startFailed', error: asRequestError(error) })
        },
      )
  }, [memeId])

  // The first session, and new ones after an interruption, once everything is ready.
  const wantsStart = shouldStartSession(state)
  useEffect(() => {
    if (connected && watchable && wantsStart) start()
  }, [connected, watchable, wantsStart, start])

  // Remember that the page stopped being watchable, so a session it costs is resumed later.
  useEffect(() => {
    if (!watchable && state.phase === 'watching') dispatch({ type: 'watch/interrupted' })
  }, [watchable, state.phase])

  useEffect(() => {
    if (!connected) dispatch({ type: 'watch/connectionLost' })
  }, [connected])

  const sessionId = state.phase === 'watching' ? state.currentId : null
  const confirming = sessionId !== null && connected && watchable && mediaReady
  useEffect(() => {
    if (!confirming || sessionId === null) return
    let inFlight = 0
    const timer = setInterval(() => {
      if (inFlight >= MAX_CONFIRMS_IN_FLIGHT) return
      inFlight += 1
      getWsClient()
        .request<WatchSessionView>(WATCH_MESSAGES.confirm, { sessionId })
        .then(
          (session) => dispatch({ type: 'watch/sessionReceived', session }),
          (error: unknown) =>
            dispatch({ type: 'watch/requestFailed', sessionId, error: asRequestError(error) }),
        )
        .finally(() => {
          inFlight -= 1
        })
    }, CONFIRM_INTERVAL_MS)
    return () => clearInterval(timer)
  }, [confirming, sessionId])

  // The server's word on sessions it ends by itself (and on every flush).
  useChannel<UserEvent>(userChannel(userId), (event) => {
    if (event.kind === 'watch') dispatch({ type: 'watch/sessionReceived', session: event.session })
  })

  // Leaving the page stops the session; the server would end it 3 s later anyway, but not at once.
  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
      const { phase, currentId } = latest.current
      if (currentId !== null && (phase === 'watching' || phase === 'stopping')) stopQuietly(currentId)
    }
  }, [])

  const stop = useCallback(() => {
    const { phase, currentId } = latest.current
    if (currentId === null || phase !== 'watching') return
    dispatch({ type: 'watch/stopRequested' })
    getWsClient()
      .request<WatchSessionView>(WATCH_MESSAGES.stop, { sessionId: currentId })
      .then(
        (session) => dispatch({ type: 'watch/sessionReceived', session }),
        (error: unknown) => {
          dispatch({ type: 'watch/requestFailed', sessionId: currentId, error: asRequestError(error) })
          dispatch({ type: 'watch/stopFailed', sessionId: currentId })
        },
      )
  }, [])

  return { state, connected, confirming, mediaReady, stop, startAgain: start }
}
