import { describe, expect, test } from 'vitest'
import { counterpartyLabel, historyCodeLabel } from './historyWording.ts'

describe('historyCodeLabel', () => {
  test('the ledger codes of a user account read as words', () => {
    expect(historyCodeLabel('deposit')).toBe('Deposit')
    expect(historyCodeLabel('deposit_reversal')).toBe('Deposit reversed')
    expect(historyCodeLabel('withdrawal')).toBe('Withdrawal')
    expect(historyCodeLabel('withdrawal_refund')).toBe('Withdrawal refunded')
    expect(historyCodeLabel('view')).toBe('Watching')
    expect(historyCodeLabel('split.creator')).toBe('Creator’s share of views')
  })

  test('an unknown code still reads as words', () => {
    expect(historyCodeLabel('trade_fee')).toBe('Trade fee')
    expect(historyCodeLabel('reward.round-winner')).toBe('Reward round winner')
  })
})

describe('counterpartyLabel', () => {
  test('platform accounts read as what they are', () => {
    expect(counterpartyLabel('clearing:deposits')).toBe('The BSV network')
    expect(counterpartyLabel('clearing:withdrawals')).toBe('The BSV network')
    expect(counterpartyLabel('clearing:views')).toBe('View payments')
    expect(counterpartyLabel('platform:fees')).toBe('Memepool fees')
  })

  test('users and round pools are named by their id', () => {
    expect(counterpartyLabel('user:42')).toBe('User 42')
    expect(counterpartyLabel('pool:812345')).toBe('Round pool of block 812,345')
  })

  test('anything else is shown as the account id', () => {
    expect(counterpartyLabel('meme:abc')).toBe('meme:abc')
    expect(counterpartyLabel('pool:next')).toBe('pool:next')
  })
})
