/**
 * Proves the pure parts of the Redis connection: reconnection delays double from the minimum and
 * stop at the cap, and a URL is logged with its password (and a non-default user) masked.
 */
import { describe, expect, it } from 'vitest'
import { redactRedisUrl, retryDelayMs } from './client.ts'

describe('retryDelayMs', () => {
  it('doubles from the minimum and never exceeds the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 100, 10_000].map((attempt) => retryDelayMs(attempt, 100, 5_000))
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000, 5_000])
  })
})

describe('redactRedisUrl', () => {
  it('masks the password and a named user, keeping host, port and database', () => {
    expect(redactRedisUrl('redis://:s3cret@10.0.0.5:6379/2')).toBe('redis://:***@10.0.0.5:6379/2')
    expect(redactRedisUrl('rediss://app:s3cret@cache.internal:6380')).toBe(
      'rediss://***:***@cache.internal:6380',
    )
    expect(redactRedisUrl('redis://default:pw@h:1')).toBe('redis://default:***@h:1')
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
  })

  it('never echoes a value it cannot parse', () => {
    expect(redactRedisUrl('redis://user:pa ss@[bad')).toBe('(unparseable REDIS_URL)')
  })
})
