/** The user's recent deposits, newest first, as the server lists them. */
import type { DepositView } from '../../../../contracts/wallet.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime, formatSats } from '../../components/format.ts'
import { depositStatus, shortTxid } from './depositStatus.ts'

interface DepositListProps {
  deposits: DepositView[]
  requiredConfirmations: number
}

function DepositRow({
  deposit,
  requiredConfirmations,
}: {
  deposit: DepositView
  requiredConfirmations: number
}) {
  return (
    <li className="wallet-deposit" data-state={deposit.state}>
      <span className="figure">{formatSats(deposit.satoshis)}</span>
      <span className="wallet-deposit-state">{depositStatus(deposit, requiredConfirmations)}</span>
      <span className="mono wallet-deposit-txid" title={deposit.txid}>
        <span className="visually-hidden">Transaction </span>
        {shortTxid(deposit.txid)}
      </span>
      <span className="wallet-deposit-time">{formatDateTime(deposit.firstSeenAt)}</span>
    </li>
  )
}

export function DepositList({ deposits, requiredConfirmations }: DepositListProps) {
  if (deposits.length === 0) {
    return (
      <EmptyState title="No deposits yet">
        send BSV to the address above. Each payment appears here as soon as the network sees it, and is
        credited after its confirmations.
      </EmptyState>
    )
  }
  // The server lists newest first; sorting again keeps that true whatever it sends.
  const newestFirst = [...deposits].sort((a, b) => b.firstSeenAt.localeCompare(a.firstSeenAt))
  return (
    <ul className="wallet-deposits" aria-label="Deposits">
      {newestFirst.map((deposit) => (
        <DepositRow
          key={`${deposit.txid}:${deposit.vout}`}
          deposit={deposit}
          requiredConfirmations={requiredConfirmations}
        />
      ))}
    </ul>
  )
}
