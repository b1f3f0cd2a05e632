/**
 * The user's recent withdrawals, newest first, each with its state as a badge, the amount, the
 * fee and what the address receives, the address, and the payout transaction once there is one.
 */
import type { WithdrawalView } from '../../../../contracts/withdrawals.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime, formatSats } from '../../components/format.ts'
import { CopyButton } from './CopyButton.tsx'
import { shortTxid } from './depositStatus.ts'
import { withdrawalNote } from './withdrawalStatus.ts'

function PayoutTransaction({ txid }: { txid: string | null }) {
  if (txid === null) return <span className="status-muted">not sent yet</span>
  return (
    <>
      <span className="mono" title={txid}>
        {shortTxid(txid)}
      </span>
      <CopyButton
        text={txid}
        label="Copy transaction id"
        unavailableMessage={`Copying is not available here. The full id is ${txid}.`}
      />
    </>
  )
}

function WithdrawalRow({ withdrawal }: { withdrawal: WithdrawalView }) {
  return (
    <li className="wallet-withdrawal" data-state={withdrawal.state}>
      <div className="wallet-withdrawal-head">
        <span className="wallet-state-badge">{withdrawal.state}</span>
        <span className="figure">{formatSats(withdrawal.amountSats)}</span>
        <span className="wallet-withdrawal-split">
          fee {formatSats(withdrawal.feeSats)} · receives {formatSats(withdrawal.receiveSats)}
        </span>
        <span className="wallet-withdrawal-time">{formatDateTime(withdrawal.createdAt)}</span>
      </div>
      <p className="wallet-withdrawal-note">{withdrawalNote(withdrawal)}</p>
      <dl className="wallet-withdrawal-facts">
        <div>
          <dt>To</dt>
          <dd className="mono break-anywhere">{withdrawal.address}</dd>
        </div>
        <div>
          <dt>Transaction</dt>
          <dd className="wallet-withdrawal-txid">
            <PayoutTransaction txid={withdrawal.txid} />
          </dd>
        </div>
      </dl>
    </li>
  )
}

export function WithdrawalList({ withdrawals }: { withdrawals: WithdrawalView[] }) {
  if (withdrawals.length === 0) {
    return (
      <EmptyState title="No withdrawals yet">
        each withdrawal you make appears here and is followed as it is sent and confirmed on the network.
      </EmptyState>
    )
  }
  return (
    <ul className="wallet-withdrawals" aria-label="Withdrawals">
      {withdrawals.map((withdrawal) => (
        <WithdrawalRow key={withdrawal.id} withdrawal={withdrawal} />
      ))}
    </ul>
  )
}
