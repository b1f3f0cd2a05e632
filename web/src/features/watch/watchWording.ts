/**
 * What the watch page's status line says, from the session's state and why the page is or is not
 * watchable right now. One short sentence that changes only when the state does, so it can be a
 * polite live region without talking every second.
 */
import type { WatchEndReason } from '../../../../contracts/watch.ts'
import { formatSats } from '../../components/format.ts'
import { endReasonOf, shouldStartSession, type WatchState } from './watchSession.ts'

/** Why seconds are not being confirmed at this moment, most important first; null when they are. */
export type WatchHold = 'connecting' | 'hidden' | 'paused' | 'away' | 'loading' | null

export interface WatchConditions {
  connected: boolean
  visible: boolean
  inView: boolean
  paused: boolean
  mediaReady: boolean
}

export function holdOf(conditions: WatchConditions): WatchHold {
  if (!conditions.connected) return 'connecting'
  if (!conditions.visible) return 'hidden'
  if (conditions.paused) return 'paused'
  if (!conditions.inView) return 'away'
  if (!conditions.mediaReady) return 'loading'
  return null
}

const HOLD_WORDS: Record<Exclude<WatchHold, null>, string> = {
  connecting: 'Connecting to the server…',
  hidden: 'Paused while the tab is hidden. Nothing is charged meanwhile.',
  paused: 'Paused. Nothing is charged while paused; press Play to keep watching.',
  away: 'Paused while the animation is scrolled out of view. Scroll back to keep watching.',
  loading: 'Loading the animation…',
}

const HOLD_KEYS: Record<Exclude<WatchHold, null>, WatchStatusKey> = {
  connecting: 'connecting',
  hidden: 'paused',
  paused: 'paused',
  away: 'paused',
  loading: 'starting',
}

export const END_REASON_WORDS: Record<WatchEndReason, string> = {
  stopped: 'You stopped watching.',
  disconnected: 'The connection to the server dropped, so the session ended. Nothing more is charged.',
  balance_empty: 'Your balance is empty, so watching stopped.',
  unconfirmed:
    'The session ended because the animation was not on screen for more than 3 seconds. Nothing was charged for that time.',
  max_duration: 'A session lasts at most an hour, so this one ended. Start again to keep watching.',
  server_stopping: 'The server is restarting, so the session ended. Start again in a moment.',
  interrupted:
    'The session was cut off when the server running it stopped. What was charged stays charged; start again to keep watching.',
}

export type WatchStatusKey =
  | 'connecting'
  | 'starting'
  | 'watching'
  | 'paused'
  | 'stopping'
  | 'ended'
  | 'failed'

export interface WatchStatus {
  key: WatchStatusKey
  text: string
}

export function watchStatus(state: WatchState, conditions: WatchConditions): WatchStatus {
  const hold = holdOf(conditions)
  switch (state.phase) {
    case 'idle':
      if (hold !== null && hold !== 'loading') return { key: HOLD_KEYS[hold], text: HOLD_WORDS[hold] }
      return { key: 'starting', text: 'Starting…' }
    case 'starting':
      return { key: 'starting', text: 'Starting a session…' }
    case 'watching': {
      if (hold !== null) return { key: HOLD_KEYS[hold], text: HOLD_WORDS[hold] }
      const rate = state.start?.session.rateSats ?? 1
      return { key: 'watching', text: `Watching: ${formatSats(rate)} per second while it plays.` }
    }
    case 'stopping':
      return { key: 'stopping', text: 'Stopping…' }
    case 'ended': {
      // Ended only because the page was away: say why it is waiting, or that it is resuming.
      if (shouldStartSession(state)) {
        if (hold !== null && hold !== 'loading') return { key: HOLD_KEYS[hold], text: HOLD_WORDS[hold] }
        return { key: 'starting', text: 'Resuming with a new session…' }
      }
      const reason = endReasonOf(state)
      // A reason newer than this app still reads as a sentence.
      return {
        key: 'ended',
        text: (reason === null ? undefined : END_REASON_WORDS[reason]) ?? 'The session ended.',
      }
    }
    case 'failed':
      return { key: 'failed', text: 'Watching could not start.' }
  }
}
