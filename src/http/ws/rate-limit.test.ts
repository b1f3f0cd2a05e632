/** The per-connection token bucket: burst, continuous refill, abuse, and forgetting closed connections. */
import { describe, expect, it } from 'vitest'
import { TokenBucketLimiter } from './rate-limit.ts'

function limiter(messagesPerSecond: number) {
  const clock = { nowMs: 0 }
  const bucket = new TokenBucketLimiter({ messagesPerSecond, abuseMultiple: 5, now: () => clock.nowMs })
  const takeMany = (count: number, key = 'c1') => Array.from({ length: count }, () => bucket.take(key))
  return { bucket, clock, takeMany }
}

describe('TokenBucketLimiter', () => {
  it('allows a burst of one second, then limits', () => {
    const { takeMany } = limiter(10)
    const verdicts = takeMany(15)
    expect(verdicts.filter((v) => v === 'allowed')).toHaveLength(10)
    expect(verdicts.slice(10)).toEqual(Array(5).fill('limited'))
  })

  it('refills continuously at the limit', () => {
    const { clock, takeMany } = limiter(10)
    takeMany(10)
    clock.nowMs += 500
    expect(takeMany(6).filter((v) => v === 'allowed')).toHaveLength(5)
  })

  it('counts each connection separately', () => {
    const { takeMany } = limiter(10)
    takeMany(10, 'c1')
    expect(takeMany(1, 'c2')).toEqual(['allowed'])
  })

  it('judges (multiple - 1) x limit refusals within a second abusive, and forgives after a second', () => {
    const { clock, takeMany } = limiter(10)
    const verdicts = takeMany(50)
    expect(verdicts.at(-2)).toBe('limited')
    expect(verdicts.at(-1)).toBe('abusive')
    clock.nowMs += 1_000
    takeMany(10)
    expect(takeMany(1)).toEqual(['limited'])
  })

  it('forgets a closed connection', () => {
    const { bucket, takeMany } = limiter(10)
    takeMany(1)
    bucket.forget('c1')
    expect(bucket.size).toBe(0)
  })
})
