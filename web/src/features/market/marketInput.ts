/**
 * What the market's forms and address bar hold, checked here before anything is sent: a price is
 * whole satoshis from the marketplace minimum; the price filters are whole satoshis, the lower at
 * most the upper; the sort is one the server knows. The server checks everything again (a
 * fraction, a negative or a huge price gets PRICE_INVALID there too); these checks only spare
 * the user a round trip for the obvious mistakes.
 */
import type { ListingSort } from '../../../../contracts/market.ts'
import { formatSats } from '../../components/format.ts'
import type { ListingsFilter } from './marketApi.ts'

/** No price can exceed the whole supply: 21 million BSV in satoshis. */
export const MAX_PRICE_SATS = 2_100_000_000_000_000

export const SORT_OPTIONS: readonly { value: ListingSort; label: string }[] = [
  { value: 'newest', label: 'Newest first' },
  { value: 'price_asc', label: 'Price: lowest first' },
  { value: 'price_desc', label: 'Price: highest first' },
  { value: 'earnings', label: 'Earned the most' },
]

const SORTS = new Set<string>(SORT_OPTIONS.map((option) => option.value))

function isSort(value: string | null): value is ListingSort {
  return value !== null && SORTS.has(value)
}

/** Digits with optional thousands separators or spaces, as people type amounts. */
function wholeSats(text: string): number | null {
  const digits = text.replace(/[\s,_]/g, '')
  if (!/^\d+$/.test(digits)) return null
  const sats = Number(digits)
  return Number.isSafeInteger(sats) && sats <= MAX_PRICE_SATS ? sats : null
}

/** A price for a listing or an offer, or the sentence saying what is wrong with it. */
export function parsePrice(text: string, minimumSats: number): { priceSats: number } | { error: string } {
  if (text.trim() === '') return { error: 'Enter a price in satoshis.' }
  const sats = wholeSats(text)
  if (sats === null) return { error: 'Enter the price as a whole number of satoshis.' }
  if (sats < minimumSats) return { error: `The lowest price on the market is ${formatSats(minimumSats)}.` }
  return { priceSats: sats }
}

export interface FilterFields {
  min: string
  max: string
}

export type FilterErrors = Partial<Record<keyof FilterFields, string>>

/** The price range typed into the filter form: empty means no bound. */
export function parsePriceRange(
  fields: FilterFields,
): { range: { minPriceSats?: number; maxPriceSats?: number } } | { errors: FilterErrors } {
  const errors: FilterErrors = {}
  const range: { minPriceSats?: number; maxPriceSats?: number } = {}
  for (const [field, key] of [
    ['min', 'minPriceSats'],
    ['max', 'maxPriceSats'],
  ] as const) {
    const text = fields[field].trim()
    if (text === '') continue
    const sats = wholeSats(text)
    if (sats === null) errors[field] = 'Enter a whole number of satoshis, or leave it empty.'
    else range[key] = sats
  }
  if (
    errors.min === undefined &&
    errors.max === undefined &&
    range.minPriceSats !== undefined &&
    range.maxPriceSats !== undefined &&
    range.minPriceSats > range.maxPriceSats
  ) {
    errors.max = 'The highest price must not be below the lowest.'
  }
  return Object.keys(errors).length > 0 ? { errors } : { range }
}

/** The market's sort and price range as the address bar holds them; anything unreadable is left out. */
export function filterFromSearch(search: URLSearchParams): ListingsFilter {
  const sort = search.get('sort')
  const bound = (name: string) => {
    const raw = search.get(name)
    return raw === null ? undefined : (wholeSats(raw) ?? undefined)
  }
  const minPriceSats = bound('min')
  const maxPriceSats = bound('max')
  return {
    sort: isSort(sort) ? sort : 'newest',
    ...(minPriceSats === undefined ? {} : { minPriceSats }),
    ...(maxPriceSats === undefined ? {} : { maxPriceSats }),
  }
}

/** The inverse of filterFromSearch; the default sort is left out, so the plain address means it. */
export function searchFromFilter(filter: ListingsFilter): URLSearchParams {
  const search = new URLSearchParams()
  if (filter.sort !== 'newest') search.set('sort', filter.sort)
  if (filter.minPriceSats !== undefined) search.set('min', String(filter.minPriceSats))
  if (filter.maxPriceSats !== undefined) search.set('max', String(filter.maxPriceSats))
  return search
}

/**
 * Refusals that the same request cannot overcome: pressing the button again would only be
 * refused again, so the dialog offers to close instead. Anything else (the network, the
 * server, a balance that a deposit may since have topped up) may go through on a retry with the
 * same idempotency key, which the server answers with the first result if there was one.
 */
const FINAL_REFUSALS = new Set([
  'LISTING_NOT_ACTIVE',
  'LISTING_NOT_FOUND',
  'OFFER_NOT_OPEN',
  'OFFER_NOT_FOUND',
  'MEME_NOT_FOUND',
  'MEME_NOT_TRADABLE',
  'CANNOT_BUY_OWN',
  'NOT_OWNER',
  'ALREADY_LISTED',
  'ALREADY_OFFERED',
  'IDEMPOTENCY_KEY_REUSED',
  'ACCOUNT_FROZEN',
  'UNAUTHORIZED',
])

export function isFinalRefusal(code: string | undefined): boolean {
  return code !== undefined && FINAL_REFUSALS.has(code)
}
