/** The three balance figures of the wallet, in whole satoshis. */
import type { WalletResponse } from '../../../../contracts/wallet.ts'
import { formatSats } from '../../components/format.ts'

export function BalanceCards({ balance }: { balance: WalletResponse['balance'] }) {
  return (
    <dl className="facts wallet-balance" aria-label="Balance">
      <div>
        <dt>Available</dt>
        <dd className="figure" data-testid="balance-available">
          {formatSats(balance.availableSats)}
        </dd>
      </div>
      <div>
        <dt>Held (watching, offers)</dt>
        <dd className="figure" data-testid="balance-held">
          {formatSats(balance.heldSats)}
        </dd>
      </div>
      <div>
        <dt>Pending deposits</dt>
        <dd className="figure" data-testid="balance-pending">
          {formatSats(balance.pendingDepositSats)}
        </dd>
      </div>
    </dl>
  )
}
