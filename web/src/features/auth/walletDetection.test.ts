/**
 * Proves that wallet detection keeps looking while extensions inject late: a wallet appearing
 * after a second is reported, polling stops when time is up or when everything is found, and
 * stopping early ends the search.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import type { DetectedWallets } from './authSlice.ts'
import { DETECT_INTERVAL_MS, DETECT_TIMEOUT_MS, pollForWallets } from './walletDetection.ts'

const fakeWindow: { yours?: unknown; CWI?: unknown } = {}

beforeEach(() => {
  vi.useFakeTimers()
  vi.stubGlobal('window', fakeWindow)
  delete fakeWindow.yours
  delete fakeWindow.CWI
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('pollForWallets', () => {
  test('a wallet injected after a second is found, and polling ends at the timeout', () => {
    const seen: DetectedWallets[] = []
    const onDone = vi.fn()
    pollForWallets({ onChange: (found) => seen.push(found), onDone })
    expect(seen).toEqual([{ yours: false, cwi: false }])
    vi.advanceTimersByTime(1_000)
    fakeWindow.yours = { connect: async () => '02ab' }
    vi.advanceTimersByTime(DETECT_INTERVAL_MS)
    expect(seen.at(-1)).toEqual({ yours: true, cwi: false })
    expect(onDone).not.toHaveBeenCalled()
    vi.advanceTimersByTime(DETECT_TIMEOUT_MS)
    expect(onDone).toHaveBeenCalledTimes(1)
    expect(seen).toHaveLength(2)
  })

  test('polling ends as soon as both kinds are found', () => {
    fakeWindow.yours = {}
    fakeWindow.CWI = {}
    const onDone = vi.fn()
    pollForWallets({ onChange: () => {}, onDone })
    expect(onDone).toHaveBeenCalledTimes(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  test('stopping early ends the search once', () => {
    const onDone = vi.fn()
    const stop = pollForWallets({ onChange: () => {}, onDone })
    stop()
    stop()
    expect(onDone).toHaveBeenCalledTimes(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})
