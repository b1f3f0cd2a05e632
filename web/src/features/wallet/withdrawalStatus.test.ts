import { describe, expect, test } from 'vitest'
import { isWithdrawalFinal, withdrawalNote } from './withdrawalStatus.ts'

describe('isWithdrawalFinal', () => {
  test('only confirmed and refunded withdrawals stop changing', () => {
    expect(isWithdrawalFinal('requested')).toBe(false)
    expect(isWithdrawalFinal('broadcast')).toBe(false)
    expect(isWithdrawalFinal('confirmed')).toBe(true)
    expect(isWithdrawalFinal('refunded')).toBe(true)
  })
})

describe('withdrawalNote', () => {
  test('says what happens next in each state', () => {
    expect(withdrawalNote({ state: 'requested', attempts: 0 })).toBe('Waiting for the next payout batch.')
    expect(withdrawalNote({ state: 'broadcast', attempts: 0 })).toBe(
      'Sent to the network, waiting for a block.',
    )
    expect(withdrawalNote({ state: 'confirmed', attempts: 0 })).toBe(
      'In a block: the address has received it.',
    )
    expect(withdrawalNote({ state: 'refunded', attempts: 3 })).toBe(
      'The payout failed; the amount is back in your balance.',
    )
  })

  test('a withdrawal queued again counts its failed attempts', () => {
    expect(withdrawalNote({ state: 'requested', attempts: 1 })).toBe(
      'Waiting for the next payout batch, after 1 failed attempt.',
    )
    expect(withdrawalNote({ state: 'requested', attempts: 2 })).toBe(
      'Waiting for the next payout batch, after 2 failed attempts.',
    )
  })
})
