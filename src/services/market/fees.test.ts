/**
 * The marketplace fee: floor(price × bps / 10 000), never above the percentage and short of it by
 * under a satoshi, with fee + proceeds equal to the price for every price up to the whole supply;
 * and which prices are refused, and with which code.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_SUPPLY_SATS } from '../../domain/money.ts'
import { checkPrice, splitPrice, tradeFeeSats } from './fees.ts'

describe('tradeFeeSats', () => {
  it.each([
    [1_000, 200, 20],
    [1_049, 200, 20],
    [1_050, 200, 21],
    [99, 200, 1],
    [49, 200, 0],
    [5_000, 0, 0],
    [MAX_SUPPLY_SATS, 200, MAX_SUPPLY_SATS / 50],
    [MAX_SUPPLY_SATS - 1, 1_000, 209_999_999_999_999],
  ])('%i sats at %i bps pays %i', (price, bps, fee) => {
    expect(tradeFeeSats(price, bps)).toBe(fee)
  })

  it('never exceeds the percentage, falls short by under a satoshi, and adds up with the proceeds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_SUPPLY_SATS }),
        fc.integer({ min: 0, max: 1_000 }),
        (price, bps) => {
          const split = splitPrice(price, bps)
          const exact = BigInt(price) * BigInt(bps) // fee × 10 000 would be exactly this
          expect(BigInt(split.feeSats) * 10_000n <= exact).toBe(true)
          expect(exact - BigInt(split.feeSats) * 10_000n < 10_000n).toBe(true)
          expect(split.feeSats + split.sellerReceivesSats).toBe(price)
        },
      ),
    )
  })
})

describe('checkPrice', () => {
  it.each([
    [1_000, 'ok'],
    [999, 'PRICE_BELOW_MINIMUM'],
    [0, 'PRICE_INVALID'],
    [-1_000, 'PRICE_INVALID'],
    [1_000.5, 'PRICE_INVALID'],
    [Number.NaN, 'PRICE_INVALID'],
    [Number.POSITIVE_INFINITY, 'PRICE_INVALID'],
    [MAX_SUPPLY_SATS + 1, 'PRICE_INVALID'],
    [1e300, 'PRICE_INVALID'],
    ['5000', 'PRICE_INVALID'],
    [null, 'PRICE_INVALID'],
  ])('%s → %s', (price, code) => {
    expect(checkPrice(price, 1_000)).toBe(code)
  })
})
