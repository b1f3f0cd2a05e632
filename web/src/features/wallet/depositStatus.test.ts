import { describe, expect, test } from 'vitest'
import { depositStatus, shortTxid } from './depositStatus.ts'

describe('depositStatus', () => {
  test('a seen deposit counts its confirmations up to the required number', () => {
    expect(depositStatus({ state: 'seen', confirmations: 0 }, 1)).toBe('pending (0 of 1 confirmation)')
    expect(depositStatus({ state: 'seen', confirmations: 2 }, 6)).toBe('pending (2 of 6 confirmations)')
    expect(depositStatus({ state: 'seen', confirmations: 9 }, 6)).toBe('pending (6 of 6 confirmations)')
  })

  test('the other states read as words', () => {
    expect(depositStatus({ state: 'credited', confirmations: 3 }, 1)).toBe('credited')
    expect(depositStatus({ state: 'dropped', confirmations: 0 }, 1)).toBe('dropped')
    expect(depositStatus({ state: 'reversal_pending', confirmations: 0 }, 1)).toBe('reversal pending')
    expect(depositStatus({ state: 'reversed', confirmations: 0 }, 1)).toBe('reversed')
  })
})

describe('shortTxid', () => {
  test('keeps the first and last eight characters', () => {
    const txid = `${'a'.repeat(8)}${'0'.repeat(48)}${'b'.repeat(8)}`
    expect(shortTxid(txid)).toBe('aaaaaaaa…bbbbbbbb')
    expect(shortTxid('abc')).toBe('abc')
  })
})
