/**
 * Money is integer satoshis everywhere. These helpers are the only place where a number is
 * admitted as an amount: anything fractional, negative or beyond the safe-integer range is a
 * programming error and fails loudly.
 */

/** 21 million BSV in satoshis: no real amount can exceed it. */
export const MAX_SUPPLY_SATS = 21_000_000 * 100_000_000

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message)
}

/** An impossible state: a bug, never a user's doing. */
export class AssertionError extends Error {
  override name = 'AssertionError'
}

export function isSats(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_SUPPLY_SATS
}

export function isPositiveSats(value: unknown): value is number {
  return isSats(value) && value > 0
}

export function assertSats(value: unknown, what: string): asserts value is number {
  assert(isSats(value), `${what} must be an integer number of satoshis, got ${String(value)}`)
}

/** Reads a bigint column that the driver may hand over as a string, number or bigint. */
export function satsFromDb(value: unknown, what = 'amount'): number {
  const n = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value
  assert(typeof n === 'number' && Number.isSafeInteger(n), `${what} from the database is not a safe integer`)
  return n
}
