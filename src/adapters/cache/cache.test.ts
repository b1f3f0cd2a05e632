/**
 * Proves the in-process cache expires entries at their TTL, keeps null as a value and stays
 * bounded; and that a CachedValue computes once per generation, serves hits until invalidated
 * by its bus topic, and never stores a value computed before an invalidation.
 */
import { describe, expect, it } from 'vitest'
import { InProcessBus } from '../bus/bus.ts'
import { MemoryCache } from './cache.ts'
import { CachedValue } from './cached-value.ts'

function fakeClock(startMs = 1_000_000) {
  let nowMs = startMs
  return { now: () => nowMs, advance: (ms: number) => (nowMs += ms) }
}

describe('MemoryCache', () => {
  it('returns a value until its TTL runs out, and null is a value, not a miss', async () => {
    const clock = fakeClock()
    const cache = new MemoryCache({ now: clock.now })
    await cache.set('round', { height: 7 }, 1_000)
    await cache.set('none', null, 1_000)
    clock.advance(999)
    expect(await cache.get('round')).toEqual({ height: 7 })
    expect(await cache.get('none')).toBeNull()
    clock.advance(1)
    expect(await cache.get('round')).toBeUndefined()
  })

  it('drops the oldest entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2 })
    for (const key of ['a', 'b', 'c']) await cache.set(key, key, 60_000)
    expect(cache.size).toBe(2)
    expect(await cache.get('a')).toBeUndefined()
    expect(await cache.get('c')).toBe('c')
  })
})

describe('CachedValue', () => {
  it('computes once, serves the copy, and computes again after the topic invalidates it', async () => {
    const bus = new InProcessBus()
    const value = new CachedValue<number>(new MemoryCache(), 'round:current', 60_000)
    value.invalidateOn(bus, 'round.updated')
    let loads = 0
    const load = async () => ++loads
    expect(await value.get(load)).toBe(1)
    expect(await value.get(load)).toBe(1)
    bus.publish('round.updated', { height: 8 })
    expect(await value.get(load)).toBe(2)
  })

  it('shares one computation between concurrent misses', async () => {
    const value = new CachedValue<string>(new MemoryCache(), 'k', 60_000)
    let loads = 0
    const load = async () => {
      loads += 1
      await new Promise((resolve) => setTimeout(resolve, 5))
      return 'v'
    }
    expect(await Promise.all([value.get(load), value.get(load), value.get(load)])).toEqual(['v', 'v', 'v'])
    expect(loads).toBe(1)
  })

  it('does not store a value computed before an invalidation', async () => {
    const cache = new MemoryCache()
    const value = new CachedValue<string>(cache, 'k', 60_000)
    let release: () => void = () => {}
    const slow = value.get(
      () =>
        new Promise<string>((resolve) => {
          release = () => resolve('old')
        }),
    )
    await new Promise((resolve) => setTimeout(resolve, 0))
    await value.invalidate()
    release()
    expect(await slow).toBe('old')
    expect(await cache.get('k')).toBeUndefined()
    expect(await value.get(async () => 'new')).toBe('new')
  })
})
