/** The devnet faucet's amount as the user types it, checked against the server's bounds. */
import { formatInteger } from '../../components/format.ts'

export const DEFAULT_FAUCET_SATS = 100_000
export const MIN_FAUCET_SATS = 1
export const MAX_FAUCET_SATS = 1_000_000_000

/** The amount in whole satoshis, or the sentence saying what is wrong with it. */
export function parseFaucetAmount(text: string): { satoshis: number } | { error: string } {
  const digits = text.replace(/[\s,_]/g, '')
  if (!/^\d+$/.test(digits)) return { error: 'Enter a whole number of satoshis.' }
  const satoshis = Number(digits)
  if (satoshis < MIN_FAUCET_SATS || satoshis > MAX_FAUCET_SATS) {
    return {
      error: `Enter between ${formatInteger(MIN_FAUCET_SATS)} and ${formatInteger(MAX_FAUCET_SATS)} sats.`,
    }
  }
  return { satoshis }
}
