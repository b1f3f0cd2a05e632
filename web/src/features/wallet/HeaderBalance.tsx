/**
 * The signed-in user's available balance in the header, linking to the wallet. Kept current by
 * `balance` events on the user's channel (LiveUserFeed), so it moves while watching, and by a
 * slow poll for credits that come without one; the wallet page polls faster for deposits.
 */
import { Link } from 'react-router'
import { formatSats } from '../../components/format.ts'
import { useGetWalletQuery } from './walletApi.ts'

/**
 * Credits that send no balance event (a deposit confirmed, a reward) show within this long even
 * on pages that do not poll the wallet.
 */
export const HEADER_BALANCE_POLL_INTERVAL_MS = 30_000

export function HeaderBalance() {
  const { data: wallet } = useGetWalletQuery(undefined, { pollingInterval: HEADER_BALANCE_POLL_INTERVAL_MS })
  if (!wallet) return null
  const available = formatSats(wallet.balance.availableSats)
  return (
    <Link
      to="/wallet"
      className="header-balance"
      aria-label={`Balance: ${available} available`}
      title="Available balance"
      data-testid="header-balance"
    >
      {available}
    </Link>
  )
}
