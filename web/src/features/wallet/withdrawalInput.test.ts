/** Proves the withdraw form's checks before sending: amounts, address shape, error placement, keys. */
import { describe, expect, test } from 'vitest'
import {
  checkWithdrawalInput,
  fieldOfErrorCode,
  IDEMPOTENCY_KEY_PATTERN,
  newIdempotencyKey,
  parseWithdrawalAmount,
} from './withdrawalInput.ts'

const LIMITS = { minimumSats: 1_000, availableSats: 50_000 }
const ADDRESS = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'

describe('parseWithdrawalAmount', () => {
  test('accepts whole satoshis from the minimum to the whole available balance', () => {
    expect(parseWithdrawalAmount('1000', LIMITS)).toEqual({ amountSats: 1_000 })
    expect(parseWithdrawalAmount(' 20,000 ', LIMITS)).toEqual({ amountSats: 20_000 })
    expect(parseWithdrawalAmount('50000', LIMITS)).toEqual({ amountSats: 50_000 })
  })

  test('refuses fractions, words and signs', () => {
    for (const text of ['', '1.5', 'ten', '-2000', '2e4']) {
      expect(parseWithdrawalAmount(text, LIMITS)).toEqual({ error: 'Enter a whole number of satoshis.' })
    }
  })

  test('refuses less than the minimum and more than is available, naming the limit', () => {
    expect(parseWithdrawalAmount('999', LIMITS)).toEqual({ error: 'The smallest withdrawal is 1,000 sats.' })
    expect(parseWithdrawalAmount('0', LIMITS)).toEqual({ error: 'The smallest withdrawal is 1,000 sats.' })
    expect(parseWithdrawalAmount('50001', LIMITS)).toEqual({
      error: 'That is more than your available balance of 50,000 sats.',
    })
  })
})

describe('checkWithdrawalInput', () => {
  test('a good amount and address become the request, the address trimmed', () => {
    expect(checkWithdrawalInput({ amount: '2000', address: ` ${ADDRESS} ` }, LIMITS)).toEqual({
      input: { amountSats: 2_000, address: ADDRESS },
    })
  })

  test('reports both fields at once', () => {
    expect(checkWithdrawalInput({ amount: '5', address: '' }, LIMITS)).toEqual({
      errors: {
        amount: 'The smallest withdrawal is 1,000 sats.',
        address: 'Enter the BSV address to send to.',
      },
    })
  })

  test('an address outside the Base58 alphabet or length is refused before the server sees it', () => {
    for (const address of ['0BoatSLRHtKNngkdXEeobR76b53LETtpyT', 'bitcoin:1Boat', `${ADDRESS}xyz`]) {
      expect(checkWithdrawalInput({ amount: '2000', address }, LIMITS)).toEqual({
        errors: { address: 'This is not a valid BSV address. Check it and try again.' },
      })
    }
  })
})

describe('fieldOfErrorCode', () => {
  test('amount and address codes belong to their fields; the rest to the form', () => {
    expect(fieldOfErrorCode('AMOUNT_BELOW_MINIMUM')).toBe('amount')
    expect(fieldOfErrorCode('INSUFFICIENT_FUNDS')).toBe('amount')
    expect(fieldOfErrorCode('ADDRESS_WRONG_NETWORK')).toBe('address')
    expect(fieldOfErrorCode('INVALID_ADDRESS')).toBe('address')
    expect(fieldOfErrorCode('ACCOUNT_FROZEN')).toBeNull()
    expect(fieldOfErrorCode(undefined)).toBeNull()
  })
})

describe('newIdempotencyKey', () => {
  test('matches the server pattern and is new each time', () => {
    const keys = new Set(Array.from({ length: 100 }, newIdempotencyKey))
    expect(keys.size).toBe(100)
    for (const key of keys) expect(key).toMatch(IDEMPOTENCY_KEY_PATTERN)
  })
})
