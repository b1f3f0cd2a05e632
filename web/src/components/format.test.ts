/** Proves the display formatting of server figures: integer-only percentages, units and plurals. */
import { describe, expect, test } from 'vitest'
import { formatBps, formatDuration, formatSats } from './format.ts'

describe('formatBps', () => {
  test('whole percentages drop the decimals', () => {
    expect(formatBps(200)).toBe('2%')
    expect(formatBps(0)).toBe('0%')
    expect(formatBps(10_000)).toBe('100%')
  })

  test('fractions keep only the digits they need', () => {
    expect(formatBps(250)).toBe('2.5%')
    expect(formatBps(1)).toBe('0.01%')
    expect(formatBps(205)).toBe('2.05%')
  })
})

describe('formatSats', () => {
  test('groups thousands and says sat for exactly one', () => {
    expect(formatSats(1)).toBe('1 sat')
    expect(formatSats(1000)).toBe('1,000 sats')
    expect(formatSats(0)).toBe('0 sats')
  })
})

describe('formatDuration', () => {
  test('uses the largest unit that divides evenly', () => {
    expect(formatDuration(3)).toBe('3 seconds')
    expect(formatDuration(1)).toBe('1 second')
    expect(formatDuration(600)).toBe('10 minutes')
    expect(formatDuration(3600)).toBe('1 hour')
    expect(formatDuration(5400)).toBe('90 minutes')
    expect(formatDuration(0)).toBe('0 seconds')
  })
})
