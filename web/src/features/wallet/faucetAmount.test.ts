import { describe, expect, test } from 'vitest'
import { parseFaucetAmount } from './faucetAmount.ts'

describe('parseFaucetAmount', () => {
  test('accepts whole satoshis, with or without grouping', () => {
    expect(parseFaucetAmount('12345')).toEqual({ satoshis: 12_345 })
    expect(parseFaucetAmount('100,000')).toEqual({ satoshis: 100_000 })
    expect(parseFaucetAmount(' 1 000 000 000 ')).toEqual({ satoshis: 1_000_000_000 })
  })

  test('refuses fractions, words and amounts outside 1..1,000,000,000', () => {
    expect(parseFaucetAmount('1.5')).toEqual({ error: 'Enter a whole number of satoshis.' })
    expect(parseFaucetAmount('')).toEqual({ error: 'Enter a whole number of satoshis.' })
    expect(parseFaucetAmount('-3')).toEqual({ error: 'Enter a whole number of satoshis.' })
    expect(parseFaucetAmount('0')).toEqual({ error: 'Enter between 1 and 1,000,000,000 sats.' })
    expect(parseFaucetAmount('1000000001')).toEqual({ error: 'Enter between 1 and 1,000,000,000 sats.' })
  })
})
