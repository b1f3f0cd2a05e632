/** Throttle: the first value at once, then at most one per interval, and always the latest. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Throttle } from './throttle.ts'

const INTERVAL_MS = 1_000

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function throttle() {
  const emitted: Array<{ value: number; atMs: number }> = []
  const subject = new Throttle<number>(
    INTERVAL_MS,
    (value) => emitted.push({ value, atMs: Date.now() }),
    Date.now,
  )
  return { subject, emitted, start: Date.now() }
}

describe('Throttle', () => {
  it('emits the first value at once and the last of a burst when the interval ends', () => {
    const { subject, emitted, start } = throttle()
    for (let value = 1; value <= 100; value++) subject.offer(value)
    expect(emitted).toEqual([{ value: 1, atMs: start }])
    vi.advanceTimersByTime(INTERVAL_MS)
    expect(emitted).toEqual([
      { value: 1, atMs: start },
      { value: 100, atMs: start + INTERVAL_MS },
    ])
  })

  it('never emits twice within an interval', () => {
    const { subject, emitted } = throttle()
    for (let step = 0; step < 50; step++) {
      subject.offer(step)
      vi.advanceTimersByTime(90)
    }
    vi.advanceTimersByTime(INTERVAL_MS)
    const gaps = emitted.slice(1).map((entry, i) => entry.atMs - (emitted[i]?.atMs ?? 0))
    expect(gaps.every((gapMs) => gapMs >= INTERVAL_MS)).toBe(true)
    expect(emitted.at(-1)?.value).toBe(49)
  })

  it('emits nothing after close', () => {
    const { subject, emitted } = throttle()
    subject.offer(1)
    subject.offer(2)
    subject.close()
    vi.advanceTimersByTime(INTERVAL_MS)
    expect(emitted.map((entry) => entry.value)).toEqual([1])
  })
})
