/**
 * Proves the in-process rate-limit store counts per key in fixed windows, reports what is left
 * and when the window resets, and keeps its memory bounded (sweeping expired windows and
 * evicting the oldest when full).
 */
import { describe, expect, it } from 'vitest'
import { MemoryRateLimitStore } from './memory.ts'

function fakeClock(startMs = 1_000_000) {
  let nowMs = startMs
  return {
    now: () => nowMs,
    advance: (ms: number) => {
      nowMs += ms
    },
  }
}

describe('MemoryRateLimitStore', () => {
  it('allows up to the limit in a window, then refuses until the window resets', async () => {
    const clock = fakeClock()
    const store = new MemoryRateLimitStore({ now: clock.now })
    const results = []
    for (let i = 0; i < 4; i++) results.push(await store.hit('ip:1', 3, 60_000))
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false])
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0])
    expect(results[3]?.resetMs).toBe(60_000)

    clock.advance(59_999)
    expect((await store.hit('ip:1', 3, 60_000)).allowed).toBe(false)
    clock.advance(1)
    expect(await store.hit('ip:1', 3, 60_000)).toEqual({ allowed: true, remaining: 2, resetMs: 60_000 })
  })

  it('counts each key on its own', async () => {
    const store = new MemoryRateLimitStore()
    expect((await store.hit('a', 1, 1_000)).allowed).toBe(true)
    expect((await store.hit('a', 1, 1_000)).allowed).toBe(false)
    expect((await store.hit('b', 1, 1_000)).allowed).toBe(true)
  })

  it('sweeps expired windows so idle clients do not hold memory', async () => {
    const clock = fakeClock()
    const store = new MemoryRateLimitStore({ now: clock.now, sweepIntervalMs: 10_000 })
    for (let i = 0; i < 100; i++) await store.hit(`ip:${i}`, 10, 5_000)
    expect(store.size).toBe(100)
    clock.advance(10_000)
    await store.hit('ip:new', 10, 5_000)
    expect(store.size).toBe(1)
  })

  it('never holds more than maxKeys windows, dropping the oldest first', async () => {
    const store = new MemoryRateLimitStore({ maxKeys: 3 })
    for (const key of ['a', 'b', 'c', 'd']) await store.hit(key, 1, 60_000)
    expect(store.size).toBe(3)
    // 'a' was forgotten, so it starts a fresh window; 'd' is still counted.
    expect((await store.hit('a', 1, 60_000)).allowed).toBe(true)
    expect((await store.hit('d', 1, 60_000)).allowed).toBe(false)
  })
})
