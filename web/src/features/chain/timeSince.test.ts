/** Proves the header's block age: exact seconds, the largest sensible units, and no negative ages. */
import { describe, expect, test } from 'vitest'
import { formatElapsed } from './timeSince.ts'

describe('formatElapsed', () => {
  test('seconds, then minutes with seconds, then hours with minutes, then days', () => {
    expect(formatElapsed(0)).toBe('0 s')
    expect(formatElapsed(42.9)).toBe('42 s')
    expect(formatElapsed(60)).toBe('1 min 00 s')
    expect(formatElapsed(185)).toBe('3 min 05 s')
    expect(formatElapsed(3_599)).toBe('59 min 59 s')
    expect(formatElapsed(7_380)).toBe('2 h 03 min')
    expect(formatElapsed(86_400)).toBe('1 day')
    expect(formatElapsed(200_000)).toBe('2 days')
  })

  test('a block stamped ahead of this clock reads as just now', () => {
    expect(formatElapsed(-5)).toBe('0 s')
  })
})
