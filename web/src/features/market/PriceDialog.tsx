/**
 * A price in two steps, for listing a meme and for making an offer: first the price is typed and
 * checked here (marketInput.ts), then the server's quote for exactly that price is shown (what the
 * buyer pays, the fee, what the seller receives) and only the confirm button acts. A refusal of
 * the quote that is about the price (PRICE_INVALID, PRICE_BELOW_MINIMUM) appears under the field.
 *
 * Each visit to the review step makes a fresh idempotency key, kept for every retry of that
 * confirmation: a lost answer repeated goes through once, while a changed price is a new request.
 */
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react'
import type { MarketQuote } from '../../../../contracts/market.ts'
import { type DisplayError, toDisplayError } from '../../components/errorMessages.ts'
import { TextField } from '../../components/Field.tsx'
import { formatSats } from '../../components/format.ts'
import { Modal } from '../../components/Modal.tsx'
import { ActionError } from '../../components/QueryError.tsx'
import { newIdempotencyKey } from '../wallet/withdrawalInput.ts'
import { useLazyGetMarketQuoteQuery } from './marketApi.ts'
import { isFinalRefusal, parsePrice } from './marketInput.ts'
import { PriceBreakdown } from './PriceBreakdown.tsx'

const PRICE_CODES = new Set(['PRICE_INVALID', 'PRICE_BELOW_MINIMUM'])

export interface PriceDialogProps {
  title: string
  /** What happens, before the price is typed. */
  lead: ReactNode
  /** What is being confirmed, above the figures of the review step. */
  reviewLead: ReactNode
  fieldLabel: string
  hint: string
  minimumSats: number
  /** Whose side the review's labels take. */
  as: 'buyer' | 'seller'
  /** Said under the figures on the review step. */
  reviewNote(quote: MarketQuote): ReactNode
  confirmLabel(priceSats: number): string
  busyLabel: string
  /** Does it; resolves with the mutation's result, whose error is shown here. */
  submit(priceSats: number, idempotencyKey: string): Promise<{ error?: unknown }>
  busy: boolean
  onClose(): void
  testId: string
}

interface Review {
  quote: MarketQuote
  idempotencyKey: string
}

export function PriceDialog(props: PriceDialogProps) {
  const { minimumSats, onClose } = props
  const [price, setPrice] = useState('')
  const [fieldError, setFieldError] = useState<string | null>(null)
  const [formError, setFormError] = useState<DisplayError | null>(null)
  const [review, setReview] = useState<Review | null>(null)
  const [submitError, setSubmitError] = useState<DisplayError | null>(null)
  const [fetchQuote, { isFetching: isQuoting }] = useLazyGetMarketQuoteQuery()
  const formRef = useRef<HTMLFormElement>(null)
  const confirmRef = useRef<HTMLButtonElement>(null)
  const step = review ? 'review' : 'enter'

  // The control the user pressed is replaced by the other step's: focus goes to its main control.
  const firstRender = useRef(true)
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false
      return
    }
    if (step === 'review') confirmRef.current?.focus()
    else formRef.current?.querySelector('input')?.focus()
  }, [step])

  const onReviewed = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setFormError(null)
    const parsed = parsePrice(price, minimumSats)
    if ('error' in parsed) {
      setFieldError(parsed.error)
      return
    }
    setFieldError(null)
    const quoted = await fetchQuote(parsed.priceSats, true)
    if (quoted.data) {
      setSubmitError(null)
      setReview({ quote: quoted.data, idempotencyKey: newIdempotencyKey() })
      return
    }
    const shown = toDisplayError(quoted.error)
    if (shown.code && PRICE_CODES.has(shown.code)) setFieldError(shown.message)
    else setFormError(shown)
  }

  const onConfirmed = async () => {
    if (!review) return
    setSubmitError(null)
    const result = await props.submit(review.quote.priceSats, review.idempotencyKey)
    if (result.error) setSubmitError(toDisplayError(result.error))
  }

  const final = isFinalRefusal(submitError?.code)

  return (
    <Modal title={props.title} onClose={onClose}>
      <div className="market-dialog" data-testid={props.testId}>
        {review ? (
          <>
            <p className="dialog-lead">{props.reviewLead}</p>
            <PriceBreakdown breakdown={review.quote} feeBps={review.quote.feeBps} as={props.as} />
            <p>{props.reviewNote(review.quote)}</p>
            {submitError && <ActionError error={submitError} />}
            <div className="dialog-actions">
              <button
                type="button"
                className="button button-secondary"
                onClick={final ? onClose : () => setReview(null)}
              >
                {final ? 'Close' : 'Change the price'}
              </button>
              {!final && (
                <button
                  ref={confirmRef}
                  type="button"
                  className="button button-primary"
                  onClick={onConfirmed}
                  disabled={props.busy}
                >
                  {props.busy
                    ? props.busyLabel
                    : submitError
                      ? 'Try again'
                      : props.confirmLabel(review.quote.priceSats)}
                </button>
              )}
            </div>
          </>
        ) : (
          <form ref={formRef} className="market-price-form" onSubmit={onReviewed} noValidate>
            <p className="dialog-lead">{props.lead}</p>
            <TextField
              label={props.fieldLabel}
              inputMode="numeric"
              autoComplete="off"
              value={price}
              onChange={(event) => {
                setPrice(event.target.value)
                setFieldError(null)
              }}
              hint={props.hint}
              error={fieldError}
            />
            {formError && <ActionError error={formError} />}
            <div className="dialog-actions">
              <button type="button" className="button button-secondary" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="button button-primary" disabled={isQuoting}>
                {isQuoting ? 'Working out the fee…' : 'Review'}
              </button>
            </div>
          </form>
        )}
      </div>
    </Modal>
  )
}

/** "From 1,000 sats." as every price field's hint begins. */
export function minimumHint(minimumSats: number): string {
  return `Whole satoshis, from ${formatSats(minimumSats)}.`
}
