/**
 * REDIS_URL is optional (unset: everything in process) and, when set, must be a redis:// or
 * rediss:// address with a host and at most a database number; a bad one stops start-up with a
 * ConfigError naming REDIS_URL and never repeating the value, which may hold a password.
 * Needs no Redis.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

function problemsWith(url: string): string[] {
  try {
    loadConfig({ REDIS_URL: url })
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

describe('REDIS_URL', () => {
  it('is optional: unset means in process', () => {
    expect(loadConfig({}).redisUrl).toBeUndefined()
    expect(loadConfig({ REDIS_URL: '  ' }).redisUrl).toBeUndefined()
  })

  it('accepts redis:// and rediss:// with credentials, port and database', () => {
    for (const url of [
      'redis://127.0.0.1:6379',
      'redis://127.0.0.1:6379/',
      'redis://:secret@cache.internal:6380/2',
      'rediss://app:secret@cache.example.com',
    ]) {
      expect(problemsWith(url)).toEqual([])
      expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url)
    }
  })

  it('refuses other schemes, a missing host and a path that is not a database number', () => {
    expect(problemsWith('http://127.0.0.1:6379')).toEqual(['REDIS_URL must use redis: or rediss:, got http:'])
    expect(problemsWith('127.0.0.1:6379')).toHaveLength(1)
    expect(problemsWith('redis:///0')).toEqual([
      'REDIS_URL must look like redis://[user:password@]host[:port][/database number]',
    ])
    expect(problemsWith('redis://h:6379/cache')).toHaveLength(1)
  })

  it('never repeats the value, which may hold a password', () => {
    for (const url of ['redis://:hunter2@h:6379/x', 'redis://:hunter2@[bad', 'ftp://:hunter2@h']) {
      const problems = problemsWith(url)
      expect(problems).toHaveLength(1)
      expect(problems.join(' ')).not.toContain('hunter2')
    }
  })

  it('names every key and channel with REDIS_PREFIX (memepool: by default) and refuses odd prefixes', () => {
    expect(loadConfig({}).redisPrefix).toBe('memepool:')
    expect(loadConfig({ REDIS_PREFIX: 'staging-2:' }).redisPrefix).toBe('staging-2:')
    for (const bad of ['has space', 'x'.repeat(65), 'a/b']) {
      expect(() => loadConfig({ REDIS_PREFIX: bad })).toThrow(ConfigError)
    }
  })
})
