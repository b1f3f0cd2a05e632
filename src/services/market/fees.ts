/**
 * The marketplace's money rules (SPEC 2): which prices are valid and how a price divides between
 * the seller and the platform. Pure functions; the service and the API quote use the same ones.
 *
 * The fee is floor(price × feeBps / 10 000): the platform never takes more than its percentage,
 * and less by under one satoshi. Rounding half up would take up to half a satoshi more than 2%
 * from some sellers; flooring keeps the promise "2%" an upper bound. The seller receives the rest,
 * so fee + proceeds equals the price exactly. The product is computed in BigInt: a price near the
 * whole supply times 10 000 is beyond the range where doubles are exact.
 */
import { assert, isPositiveSats } from '../../domain/money.ts'

export const BASIS_POINTS = 10_000

export interface PriceSplit {
  priceSats: number
  feeSats: number
  sellerReceivesSats: number
}

export type PriceCheck = 'ok' | 'PRICE_INVALID' | 'PRICE_BELOW_MINIMUM'

/** A price is a whole, positive number of satoshis within the supply, and at least the minimum. */
export function checkPrice(priceSats: unknown, minimumSats: number): PriceCheck {
  if (!isPositiveSats(priceSats)) return 'PRICE_INVALID'
  return priceSats < minimumSats ? 'PRICE_BELOW_MINIMUM' : 'ok'
}

export function tradeFeeSats(priceSats: number, feeBps: number): number {
  assert(isPositiveSats(priceSats), `a trade price is positive whole satoshis, got ${priceSats}`)
  assert(Number.isInteger(feeBps) && feeBps >= 0 && feeBps < BASIS_POINTS, `fee bps out of range: ${feeBps}`)
  return Number((BigInt(priceSats) * BigInt(feeBps)) / BigInt(BASIS_POINTS))
}

export function splitPrice(priceSats: number, feeBps: number): PriceSplit {
  const feeSats = tradeFeeSats(priceSats, feeBps)
  const split = { priceSats, feeSats, sellerReceivesSats: priceSats - feeSats }
  assert(split.feeSats + split.sellerReceivesSats === priceSats, 'fee and proceeds add up to the price')
  assert(split.sellerReceivesSats > 0, 'the seller receives something')
  return split
}

/** Ledger codes of a trade's two transfers. */
export const TRADE_CODES = { price: 'trade', fee: 'trade_fee' } as const

/**
 * A trade's ledger transfers: the price from buyer to seller, then the fee from seller to the
 * platform (none when the fee rounds to zero). The seller's history thus shows the price they got
 * and the fee they paid on it.
 */
export function tradeTransferIds(tradeId: string, feeSats: number): string[] {
  return feeSats > 0 ? [`trade:${tradeId}:price`, `trade:${tradeId}:fee`] : [`trade:${tradeId}:price`]
}
