/**
 * The withdraw form. Amount and address are checked here first (withdrawalInput.ts); as the user
 * types, the server quotes the fee for what is typed so far; pressing the button asks for the
 * quote of exactly what was typed and opens the confirmation dialog with it. Nothing is sent
 * until that dialog's button is pressed. Server errors are worded by their code, under the field
 * they are about.
 */
import { skipToken } from '@reduxjs/toolkit/query'
import { type FormEvent, useState } from 'react'
import type { WithdrawalQuote, WithdrawalView } from '../../../../contracts/withdrawals.ts'
import { type DisplayError, toDisplayError } from '../../components/errorMessages.ts'
import { TextField } from '../../components/Field.tsx'
import { formatSats } from '../../components/format.ts'
import { ActionError } from '../../components/QueryError.tsx'
import { ConfirmWithdrawal, type WithdrawalReview } from './ConfirmWithdrawal.tsx'
import { useDebouncedValue } from './useDebouncedValue.ts'
import { useGetWithdrawalQuoteQuery, useLazyGetWithdrawalQuoteQuery } from './walletApi.ts'
import {
  type AmountLimits,
  checkWithdrawalInput,
  type FieldErrors,
  fieldOfErrorCode,
  looksLikeAddress,
  parseWithdrawalAmount,
  type WithdrawField,
} from './withdrawalInput.ts'

/** A pause in typing long enough to mean "this is the number", short enough to feel live. */
const QUOTE_DEBOUNCE_MS = 400

interface Preview {
  tone: 'muted' | 'quote' | 'warn'
  text: string
}

interface PreviewInputs {
  /** The amount typed now passes the form's checks. */
  amountValid: boolean
  /** What is typed differs from what was last quoted: typing has not paused yet. */
  settling: boolean
  quote: WithdrawalQuote | undefined
  error: unknown
  fieldErrorShown: boolean
}

/** What the preview line says. A refused quote is said here only while no field error says it already. */
function previewOf({ amountValid, settling, quote, error, fieldErrorShown }: PreviewInputs): Preview {
  if (!amountValid) {
    return {
      tone: 'muted',
      text: 'The network fee and what the address receives appear here once the amount is valid.',
    }
  }
  if (settling || (!quote && !error)) return { tone: 'muted', text: 'Working out the fee…' }
  if (quote) {
    return {
      tone: 'quote',
      text: `Network fee ${formatSats(quote.feeSats)} · the address receives ${formatSats(quote.receiveSats)}`,
    }
  }
  if (fieldErrorShown) return { tone: 'muted', text: '' }
  return { tone: 'warn', text: toDisplayError(error).message }
}

interface FeePreviewProps {
  amount: string
  address: string
  limits: AmountLimits
  fieldErrorShown: boolean
}

/** The fee and what arrives for the amount typed so far, asked for once typing pauses. */
function FeePreview({ amount, address, limits, fieldErrorShown }: FeePreviewProps) {
  const settledAmount = useDebouncedValue(amount, QUOTE_DEBOUNCE_MS)
  const settledAddress = useDebouncedValue(address.trim(), QUOTE_DEBOUNCE_MS)
  const settled = parseWithdrawalAmount(settledAmount, limits)
  const { currentData: quote, error } = useGetWithdrawalQuoteQuery(
    'amountSats' in settled
      ? {
          amountSats: settled.amountSats,
          address: looksLikeAddress(settledAddress) ? settledAddress : undefined,
        }
      : skipToken,
  )
  const settling = amount !== settledAmount || address.trim() !== settledAddress
  const amountValid = 'amountSats' in parseWithdrawalAmount(amount, limits)
  const preview = previewOf({ amountValid, settling, quote, error, fieldErrorShown })
  return (
    <output className="withdraw-preview" data-tone={preview.tone} aria-live="polite">
      {preview.text}
    </output>
  )
}

interface WithdrawFormProps {
  limits: AmountLimits
  onRequested(withdrawal: WithdrawalView): void
}

export function WithdrawForm({ limits, onRequested }: WithdrawFormProps) {
  const [amount, setAmount] = useState('')
  const [address, setAddress] = useState('')
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({})
  const [formError, setFormError] = useState<DisplayError | null>(null)
  const [review, setReview] = useState<WithdrawalReview | null>(null)
  const [fetchQuote, { isFetching: isQuoting }] = useLazyGetWithdrawalQuoteQuery()

  /** An error is about what the field held when it was checked; editing the field retires it. */
  const clearFieldError = (field: WithdrawField) => setFieldErrors(({ [field]: _, ...rest }) => rest)

  const onSubmitted = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setFormError(null)
    const checked = checkWithdrawalInput({ amount, address }, limits)
    if ('errors' in checked) {
      setFieldErrors(checked.errors)
      return
    }
    setFieldErrors({})
    // The preview's quote is reused when it is for exactly these values (preferCacheValue).
    const quoted = await fetchQuote(checked.input, true)
    if (quoted.data) {
      setReview({ address: checked.input.address, quote: quoted.data })
      return
    }
    const shown = toDisplayError(quoted.error)
    const field = fieldOfErrorCode(shown.code)
    if (field) setFieldErrors({ [field]: shown.message })
    else setFormError(shown)
  }

  const onConfirmed = (withdrawal: WithdrawalView) => {
    setReview(null)
    setAmount('')
    setAddress('')
    onRequested(withdrawal)
  }

  return (
    <>
      <form className="withdraw-form" onSubmit={onSubmitted} noValidate aria-label="Withdraw">
        <div className="withdraw-fields">
          <TextField
            className="withdraw-amount"
            label="Amount to withdraw, in sats"
            inputMode="numeric"
            autoComplete="off"
            value={amount}
            onChange={(event) => {
              setAmount(event.target.value)
              clearFieldError('amount')
            }}
            hint={`From ${formatSats(limits.minimumSats)} up to your available ${formatSats(limits.availableSats)}. The network fee comes out of this amount.`}
            error={fieldErrors.amount}
          />
          <TextField
            className="withdraw-address"
            label="Destination address"
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            value={address}
            onChange={(event) => {
              setAddress(event.target.value)
              clearFieldError('address')
            }}
            hint="The BSV address of the wallet that should receive the coins."
            error={fieldErrors.address}
          />
        </div>
        <FeePreview
          amount={amount}
          address={address}
          limits={limits}
          fieldErrorShown={fieldErrors.amount !== undefined || fieldErrors.address !== undefined}
        />
        <div className="withdraw-actions">
          <button type="submit" className="button button-primary" disabled={isQuoting}>
            {isQuoting ? 'Checking…' : 'Review withdrawal'}
          </button>
        </div>
        {formError && <ActionError error={formError} />}
      </form>
      {review && (
        <ConfirmWithdrawal review={review} onCancel={() => setReview(null)} onRequested={onConfirmed} />
      )}
    </>
  )
}
