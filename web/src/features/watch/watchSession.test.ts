/**
 * Proves the watch page's state: a started session ticks with the server's replies and never
 * goes back in seconds or from ended to active; the figures count pending seconds only past the
 * billable minimum and add up every session of the page; a session ended because the page was
 * hidden or offline is resumed, one stopped by the user or an empty balance is not; and the
 * status line says why the page is paused. The constants copied from contracts/watch.ts match.
 */
import { describe, expect, test } from 'vitest'
import type { WatchSessionView, WatchStartReply } from '../../../../contracts/watch.ts'
import * as contract from '../../../../contracts/watch.ts'
import {
  initialWatchState,
  sessionSpentSats,
  shouldStartSession,
  WATCH_CONFIRM_TIMEOUT_MS,
  WATCH_LOW_BALANCE_SECONDS,
  WATCH_MAX_SESSIONS_PER_USER,
  WATCH_MESSAGES,
  type WatchAction,
  type WatchState,
  watchFigures,
  watchReducer,
} from './watchSession.ts'
import { type WatchConditions, watchStatus } from './watchWording.ts'

function session(sessionId: string, fields: Partial<WatchSessionView> = {}): WatchSessionView {
  return {
    sessionId,
    memeId: 'm1',
    state: 'active',
    rateSats: 1,
    confirmedSeconds: 0,
    chargedSeconds: 0,
    chargedSats: 0,
    availableSats: 1_000,
    lowBalance: false,
    endReason: null,
    ...fields,
  }
}

function reply(sessionId: string): WatchStartReply {
  return {
    session: session(sessionId),
    media: { url: '/m.webp', mp4Url: null, posterUrl: '/p.webp', expiresAt: '2025-01-01T01:00:00.000Z' },
    title: 'Doge',
    minBillableSeconds: 3,
    maxSeconds: 3_600,
    confirmTimeoutMs: 3_000,
  }
}

function run(...actions: WatchAction[]): WatchState {
  return actions.reduce(watchReducer, initialWatchState)
}

const started = (id: string): WatchAction[] => [
  { type: 'watch/startRequested' },
  { type: 'watch/started', reply: reply(id) },
]
const received = (view: WatchSessionView): WatchAction => ({ type: 'watch/sessionReceived', session: view })

const WATCHABLE: WatchConditions = {
  connected: true,
  visible: true,
  inView: true,
  paused: false,
  mediaReady: true,
}

describe('watchReducer', () => {
  test('a start answered is watched, and replies move the figures forward only', () => {
    const state = run(
      ...started('s1'),
      received(session('s1', { confirmedSeconds: 5, chargedSeconds: 3, chargedSats: 3 })),
      // A reply that was overtaken by a newer one changes nothing.
      received(session('s1', { confirmedSeconds: 4 })),
    )
    expect(state.phase).toBe('watching')
    expect(watchFigures(state)).toEqual({ seconds: 5, spentSats: 5, chargedSats: 3 })
  })

  test('an ended session never becomes active again, and a later final state still counts', () => {
    const state = run(
      ...started('s1'),
      received(session('s1', { confirmedSeconds: 8, state: 'ended', endReason: 'balance_empty' })),
      received(session('s1', { confirmedSeconds: 9 })),
      received(
        session('s1', {
          confirmedSeconds: 8,
          chargedSeconds: 8,
          chargedSats: 8,
          state: 'ended',
          endReason: 'balance_empty',
        }),
      ),
    )
    expect(state.phase).toBe('ended')
    expect(watchFigures(state)).toEqual({ seconds: 8, spentSats: 8, chargedSats: 8 })
    expect(shouldStartSession(state)).toBe(false)
  })

  test('sessions the page did not start are ignored', () => {
    const state = run(...started('s1'), received(session('other', { confirmedSeconds: 50 })))
    expect(watchFigures(state).seconds).toBe(0)
  })

  test('a stop in progress is not undone by a confirm reply that crossed it', () => {
    const state = run(
      ...started('s1'),
      { type: 'watch/stopRequested' },
      received(session('s1', { confirmedSeconds: 2 })),
    )
    expect(state.phase).toBe('stopping')
    const stopped = watchReducer(
      state,
      received(session('s1', { confirmedSeconds: 2, state: 'ended', endReason: 'stopped' })),
    )
    expect(stopped.phase).toBe('ended')
    expect(shouldStartSession(stopped)).toBe(false)
  })

  test('a stop with no answer ends the session as stopped, not to be resumed', () => {
    const state = run(
      ...started('s1'),
      { type: 'watch/stopRequested' },
      { type: 'watch/stopFailed', sessionId: 's1' },
    )
    expect(state.phase).toBe('ended')
    expect(state.sessions.s1?.endReason).toBe('stopped')
    const dropped = run(...started('s1'), { type: 'watch/stopRequested' }, { type: 'watch/connectionLost' })
    expect(dropped.sessions.s1?.endReason).toBe('stopped')
    expect(shouldStartSession(dropped)).toBe(false)
  })

  test('a confirm refused because the session is gone ends it; a transient failure does not', () => {
    const gone = run(...started('s1'), {
      type: 'watch/requestFailed',
      sessionId: 's1',
      error: { code: 'WATCH_SESSION_ENDED', message: '' },
    })
    expect(gone.phase).toBe('ended')
    const dropped = run(...started('s1'), {
      type: 'watch/requestFailed',
      sessionId: 's1',
      error: { code: 'WS_TIMEOUT', message: '' },
    })
    expect(dropped.phase).toBe('watching')
  })

  test('a start refused keeps its code for the page to word', () => {
    const state = run(
      { type: 'watch/startRequested' },
      {
        type: 'watch/startFailed',
        error: { code: 'INSUFFICIENT_FUNDS', message: 'low' },
      },
    )
    expect(state).toMatchObject({ phase: 'failed', error: { code: 'INSUFFICIENT_FUNDS' } })
  })
})

describe('resuming', () => {
  test('the first session starts by itself', () => {
    expect(shouldStartSession(initialWatchState)).toBe(true)
  })

  test('a session ended as unconfirmed after the page was hidden is resumed, and the figures carry on', () => {
    const ended = run(
      ...started('s1'),
      received(session('s1', { confirmedSeconds: 6, chargedSeconds: 6, chargedSats: 6 })),
      { type: 'watch/interrupted' },
      received(
        session('s1', {
          confirmedSeconds: 6,
          chargedSeconds: 6,
          chargedSats: 6,
          state: 'ended',
          endReason: 'unconfirmed',
        }),
      ),
    )
    expect(shouldStartSession(ended)).toBe(true)
    const resumed = watchReducer(watchReducer(ended, { type: 'watch/startRequested' }), {
      type: 'watch/started',
      reply: reply('s2'),
    })
    expect(shouldStartSession(resumed)).toBe(false)
    const ticked = watchReducer(resumed, received(session('s2', { confirmedSeconds: 2 })))
    // 6 from the first session; the second is below the billable minimum, so costs nothing yet.
    expect(watchFigures(ticked)).toEqual({ seconds: 8, spentSats: 6, chargedSats: 6 })
  })

  test('ended as unconfirmed without the page ever being away: wait for a click', () => {
    const state = run(...started('s1'), received(session('s1', { state: 'ended', endReason: 'unconfirmed' })))
    expect(shouldStartSession(state)).toBe(false)
  })

  test('a lost connection ends the session here and resumes when back', () => {
    const state = run(...started('s1'), { type: 'watch/connectionLost' })
    expect(state.phase).toBe('ended')
    expect(state.sessions.s1?.endReason).toBe('disconnected')
    expect(shouldStartSession(state)).toBe(true)
  })
})

describe('sessionSpentSats', () => {
  test('nothing below the billable minimum, then charged plus pending seconds at the rate', () => {
    expect(sessionSpentSats(session('s', { confirmedSeconds: 2 }), 3)).toBe(0)
    expect(sessionSpentSats(session('s', { confirmedSeconds: 3 }), 3)).toBe(3)
    expect(
      sessionSpentSats(
        session('s', { confirmedSeconds: 12, chargedSeconds: 10, chargedSats: 20, rateSats: 2 }),
        3,
      ),
    ).toBe(24)
  })
})

describe('watchStatus', () => {
  test('says why a running session is paused, most important reason first', () => {
    const watching = run(...started('s1'))
    expect(watchStatus(watching, WATCHABLE).key).toBe('watching')
    expect(watchStatus(watching, { ...WATCHABLE, visible: false, inView: false })).toEqual({
      key: 'paused',
      text: 'Paused while the tab is hidden. Nothing is charged meanwhile.',
    })
    expect(watchStatus(watching, { ...WATCHABLE, inView: false }).text).toMatch(/scrolled out of view/)
    expect(watchStatus(watching, { ...WATCHABLE, connected: false }).key).toBe('connecting')
  })

  test('an ended session says why; one waiting to resume says what it waits for', () => {
    const empty = run(
      ...started('s1'),
      received(session('s1', { state: 'ended', endReason: 'balance_empty' })),
    )
    expect(watchStatus(empty, WATCHABLE)).toEqual({
      key: 'ended',
      text: 'Your balance is empty, so watching stopped.',
    })
    const away = run(
      ...started('s1'),
      { type: 'watch/interrupted' },
      received(session('s1', { state: 'ended', endReason: 'unconfirmed' })),
    )
    expect(watchStatus(away, { ...WATCHABLE, visible: false }).key).toBe('paused')
    expect(watchStatus(away, WATCHABLE).text).toBe('Resuming with a new session…')
  })
})

describe('contract', () => {
  test('the copied constants match contracts/watch.ts', () => {
    expect(WATCH_CONFIRM_TIMEOUT_MS).toBe(contract.WATCH_CONFIRM_TIMEOUT_MS)
    expect(WATCH_MAX_SESSIONS_PER_USER).toBe(contract.WATCH_MAX_SESSIONS_PER_USER)
    expect(WATCH_LOW_BALANCE_SECONDS).toBe(contract.WATCH_LOW_BALANCE_SECONDS)
    expect(WATCH_MESSAGES).toEqual(contract.WATCH_MESSAGES)
  })
})
