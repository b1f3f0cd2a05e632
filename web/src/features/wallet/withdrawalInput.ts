/**
 * The withdraw form's fields as the user types them, checked here before anything is sent: the
 * amount is whole satoshis between the minimum and the available balance, and the address has
 * the shape of one. The server still checks everything (the address's checksum and network
 * too); these checks only spare the user a round trip for the obvious mistakes.
 */
import { formatSats } from '../../components/format.ts'

/** 25 to 35 characters of the Base58 alphabet: what every P2PKH address looks like. */
const ADDRESS_SHAPE = /^[1-9A-HJ-NP-Za-km-z]{25,35}$/
/** The server's rule for idempotency keys (contracts/withdrawals.ts). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,64}$/
/** 128 random bits: two dialogs never share a key. */
const IDEMPOTENCY_KEY_BYTES = 16

export interface AmountLimits {
  minimumSats: number
  availableSats: number
}

export type WithdrawField = 'amount' | 'address'
export type FieldErrors = Partial<Record<WithdrawField, string>>

export interface WithdrawalInput {
  amountSats: number
  address: string
}

/** The amount in whole satoshis, or the sentence saying what is wrong with it. */
export function parseWithdrawalAmount(
  text: string,
  limits: AmountLimits,
): { amountSats: number } | { error: string } {
  const digits = text.replace(/[\s,_]/g, '')
  if (!/^\d+$/.test(digits)) return { error: 'Enter a whole number of satoshis.' }
  const amountSats = Number(digits)
  if (amountSats < limits.minimumSats) {
    return { error: `The smallest withdrawal is ${formatSats(limits.minimumSats)}.` }
  }
  if (amountSats > limits.availableSats) {
    return { error: `That is more than your available balance of ${formatSats(limits.availableSats)}.` }
  }
  return { amountSats }
}

export function looksLikeAddress(text: string): boolean {
  return ADDRESS_SHAPE.test(text)
}

/** Both fields at once, so the user sees every mistake after one press of the button. */
export function checkWithdrawalInput(
  fields: { amount: string; address: string },
  limits: AmountLimits,
): { input: WithdrawalInput } | { errors: FieldErrors } {
  const amount = parseWithdrawalAmount(fields.amount, limits)
  const address = fields.address.trim()
  const errors: FieldErrors = {}
  if ('error' in amount) errors.amount = amount.error
  if (address === '') errors.address = 'Enter the BSV address to send to.'
  else if (!looksLikeAddress(address))
    errors.address = 'This is not a valid BSV address. Check it and try again.'
  if ('error' in amount || errors.address) return { errors }
  return { input: { amountSats: amount.amountSats, address } }
}

/** Which field a server error code is about, so its message appears under that field. */
export function fieldOfErrorCode(code: string | undefined): WithdrawField | null {
  switch (code) {
    case 'AMOUNT_INVALID':
    case 'AMOUNT_BELOW_MINIMUM':
    case 'INSUFFICIENT_FUNDS':
      return 'amount'
    case 'INVALID_ADDRESS':
    case 'ADDRESS_WRONG_NETWORK':
      return 'address'
    default:
      return null
  }
}

/**
 * A fresh idempotency key, as hex. getRandomValues rather than randomUUID: randomUUID exists
 * only on secure (HTTPS or localhost) pages, and a server reached over plain HTTP on a local
 * network must still be able to take withdrawals.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(IDEMPOTENCY_KEY_BYTES))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
