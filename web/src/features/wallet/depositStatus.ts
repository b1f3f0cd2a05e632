/** How a deposit's state reads in the deposits list (contracts/wallet.ts DepositState). */
import type { DepositView } from '../../../../contracts/wallet.ts'
import { formatInteger } from '../../components/format.ts'

export function depositStatus(
  deposit: Pick<DepositView, 'state' | 'confirmations'>,
  requiredConfirmations: number,
): string {
  switch (deposit.state) {
    case 'seen': {
      const shown = Math.min(deposit.confirmations, requiredConfirmations)
      const unit = requiredConfirmations === 1 ? 'confirmation' : 'confirmations'
      return `pending (${formatInteger(shown)} of ${formatInteger(requiredConfirmations)} ${unit})`
    }
    case 'credited':
      return 'credited'
    case 'dropped':
      return 'dropped'
    case 'reversal_pending':
      return 'reversal pending'
    case 'reversed':
      return 'reversed'
  }
}

/** "1a2b3c…7e8f": enough of a txid to recognise it; the full value goes in a title. */
export function shortTxid(txid: string): string {
  return txid.length > 16 ? `${txid.slice(0, 8)}…${txid.slice(-8)}` : txid
}
