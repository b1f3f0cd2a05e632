import { describe, expect, test } from 'vitest'
import {
  filterFromSearch,
  isFinalRefusal,
  MAX_PRICE_SATS,
  parsePrice,
  parsePriceRange,
  searchFromFilter,
} from './marketInput.ts'

describe('parsePrice', () => {
  test('whole satoshis from the minimum, with separators as people type them', () => {
    expect(parsePrice('2000', 1_000)).toEqual({ priceSats: 2_000 })
    expect(parsePrice(' 2,000 ', 1_000)).toEqual({ priceSats: 2_000 })
    expect(parsePrice('1 000', 1_000)).toEqual({ priceSats: 1_000 })
  })

  test('empty, fractional, negative, non-numeric and huge prices are refused with a reason', () => {
    expect(parsePrice('', 1_000)).toEqual({ error: 'Enter a price in satoshis.' })
    for (const text of ['12.5', '-2000', 'abc', '1e5', '0x10', String(MAX_PRICE_SATS + 1), '9'.repeat(30)]) {
      expect(parsePrice(text, 1_000)).toEqual({ error: 'Enter the price as a whole number of satoshis.' })
    }
  })

  test('below the minimum names the minimum', () => {
    expect(parsePrice('999', 1_000)).toEqual({ error: 'The lowest price on the market is 1,000 sats.' })
    expect(parsePrice('0', 1_000)).toEqual({ error: 'The lowest price on the market is 1,000 sats.' })
  })
})

describe('parsePriceRange', () => {
  test('empty bounds are no bounds', () => {
    expect(parsePriceRange({ min: '', max: ' ' })).toEqual({ range: {} })
    expect(parsePriceRange({ min: '1000', max: '' })).toEqual({ range: { minPriceSats: 1_000 } })
    expect(parsePriceRange({ min: '0', max: '5,000' })).toEqual({
      range: { minPriceSats: 0, maxPriceSats: 5_000 },
    })
  })

  test('each bad bound is named, and an upside-down range is refused at the upper bound', () => {
    expect(parsePriceRange({ min: 'x', max: '1.5' })).toEqual({
      errors: {
        min: 'Enter a whole number of satoshis, or leave it empty.',
        max: 'Enter a whole number of satoshis, or leave it empty.',
      },
    })
    expect(parsePriceRange({ min: '5000', max: '1000' })).toEqual({
      errors: { max: 'The highest price must not be below the lowest.' },
    })
  })
})

describe('the filter in the address bar', () => {
  test('round-trips, leaving the default sort out', () => {
    const filter = { sort: 'price_asc' as const, minPriceSats: 1_000, maxPriceSats: 9_000 }
    const search = searchFromFilter(filter)
    expect(search.toString()).toBe('sort=price_asc&min=1000&max=9000')
    expect(filterFromSearch(search)).toEqual(filter)
    expect(searchFromFilter({ sort: 'newest' }).toString()).toBe('')
  })

  test('an unknown sort or an unreadable bound is ignored rather than sent', () => {
    expect(filterFromSearch(new URLSearchParams('sort=cheapest&min=abc&max=-5'))).toEqual({ sort: 'newest' })
    expect(filterFromSearch(new URLSearchParams('sort=earnings&max=7000'))).toEqual({
      sort: 'earnings',
      maxPriceSats: 7_000,
    })
  })
})

test('refusals a retry cannot overcome are told apart from those it may', () => {
  expect(isFinalRefusal('LISTING_NOT_ACTIVE')).toBe(true)
  expect(isFinalRefusal('CANNOT_BUY_OWN')).toBe(true)
  expect(isFinalRefusal('INSUFFICIENT_FUNDS')).toBe(false)
  expect(isFinalRefusal('INTERNAL')).toBe(false)
  expect(isFinalRefusal(undefined)).toBe(false)
})
