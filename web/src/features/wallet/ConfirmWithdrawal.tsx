/**
 * The last step before a withdrawal: the dialog repeats the address, the amount, the fee and what
 * arrives, and only its button sends the request. The idempotency key is made once per dialog, so
 * pressing the button again after a lost answer repeats the same request, which the server
 * answers with the withdrawal it already made instead of making a second one.
 */
import { useState } from 'react'
import type { WithdrawalQuote, WithdrawalView } from '../../../../contracts/withdrawals.ts'
import { toDisplayError } from '../../components/errorMessages.ts'
import { formatSats } from '../../components/format.ts'
import { Modal } from '../../components/Modal.tsx'
import { ActionError } from '../../components/QueryError.tsx'
import { useWithdrawalRequestedMutation } from './walletApi.ts'
import { newIdempotencyKey } from './withdrawalInput.ts'

export interface WithdrawalReview {
  address: string
  quote: WithdrawalQuote
}

interface ConfirmWithdrawalProps {
  review: WithdrawalReview
  onCancel(): void
  onRequested(withdrawal: WithdrawalView): void
}

export function ConfirmWithdrawal({ review, onCancel, onRequested }: ConfirmWithdrawalProps) {
  const { address, quote } = review
  const [idempotencyKey] = useState(newIdempotencyKey)
  const [requestWithdrawal, { error, isLoading }] = useWithdrawalRequestedMutation()

  const onConfirmed = async () => {
    const result = await requestWithdrawal({ amountSats: quote.amountSats, address, idempotencyKey })
    if (result.data) onRequested(result.data)
  }

  return (
    <Modal title="Confirm withdrawal" onClose={onCancel}>
      <p className="dialog-lead">Check the address: once the withdrawal is sent it cannot be taken back.</p>
      <dl className="withdraw-summary">
        <div className="withdraw-summary-address">
          <dt>To address</dt>
          <dd className="mono break-anywhere">{address}</dd>
        </div>
        <div>
          <dt>Leaves your balance</dt>
          <dd className="figure">{formatSats(quote.amountSats)}</dd>
        </div>
        <div>
          <dt>Network fee</dt>
          <dd className="figure">{formatSats(quote.feeSats)}</dd>
        </div>
        <div>
          <dt>The address receives</dt>
          <dd className="figure">{formatSats(quote.receiveSats)}</dd>
        </div>
      </dl>
      <p>It is paid with the next payout batch, usually within a block or two.</p>
      {error && <ActionError error={toDisplayError(error)} />}
      <div className="dialog-actions">
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={onConfirmed} disabled={isLoading}>
          {isLoading ? 'Sending…' : error ? 'Try again' : `Withdraw ${formatSats(quote.amountSats)}`}
        </button>
      </div>
    </Modal>
  )
}
