/**
 * Configuration: the capacity settings of a process (database pool, watch starts at once) take
 * their defaults, accept values in range and refuse the rest with a named problem; and every
 * variable the server reads is documented in the README's table.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { configProblems } from '../test/support/config.ts'
import { CONFIG_VARIABLES, loadConfig } from './config.ts'

describe('capacity settings', () => {
  it('default to a pool of 10 and 2 start batches at once', () => {
    const config = loadConfig({})
    expect(config.databasePoolSize).toBe(10)
    expect(config.ledger.startConcurrency).toBe(2)
  })

  it('accept values in range and refuse the others by name', () => {
    const config = loadConfig({ DATABASE_POOL_SIZE: '24', WATCH_START_CONCURRENCY: '12' })
    expect(config.databasePoolSize).toBe(24)
    expect(config.ledger.startConcurrency).toBe(12)
    for (const [name, value] of [
      ['DATABASE_POOL_SIZE', '1'],
      ['DATABASE_POOL_SIZE', 'many'],
      ['WATCH_START_CONCURRENCY', '0'],
      ['WATCH_START_CONCURRENCY', '65'],
    ] as const) {
      expect(configProblems({ [name]: value }).join('\n')).toContain(name)
    }
  })
})

describe('the README', () => {
  it('documents every variable the server reads', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const missing = CONFIG_VARIABLES.map((v) => v.name).filter((name) => !readme.includes(`| \`${name}\``))
    expect(missing).toEqual([])
  })
})
