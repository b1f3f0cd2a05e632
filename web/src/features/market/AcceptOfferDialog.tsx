/**
 * The owner's last step before accepting an offer: who offers, the price, the fee and what the
 * owner receives. Accepting is the trade: the held price is paid, the meme moves to the buyer,
 * any listing closes and every other open offer on the meme is void. An offer can be accepted
 * once, so a repeat answers the same trade and no key is needed.
 */
import type { OfferView, TradeView } from '../../../../contracts/market.ts'
import { toDisplayError } from '../../components/errorMessages.ts'
import { formatSats } from '../../components/format.ts'
import { Modal } from '../../components/Modal.tsx'
import { ActionError } from '../../components/QueryError.tsx'
import { useOfferAcceptedMutation } from './marketApi.ts'
import { isFinalRefusal } from './marketInput.ts'
import { PriceBreakdown } from './PriceBreakdown.tsx'

interface AcceptOfferDialogProps {
  offer: OfferView
  title: string
  feeBps: number
  onClose(): void
  onAccepted(trade: TradeView): void
}

export function AcceptOfferDialog({ offer, title, feeBps, onClose, onAccepted }: AcceptOfferDialogProps) {
  const [accept, { error, isLoading }] = useOfferAcceptedMutation()
  const shown = error ? toDisplayError(error) : null
  const final = isFinalRefusal(shown?.code)

  const onConfirmed = async () => {
    const result = await accept({ offerId: offer.id, memeId: offer.memeId })
    if (result.data) onAccepted(result.data)
  }

  return (
    <Modal title="Accept this offer?" onClose={onClose}>
      <p className="dialog-lead">
        Sell “{title}” to <span className="mono">{offer.buyer.label}</span>. The meme and its future owner
        share become theirs at once; your listing, if any, closes and other offers on it are void.
      </p>
      <PriceBreakdown breakdown={offer} feeBps={feeBps} as="seller" />
      {shown && <ActionError error={shown} />}
      <div className="dialog-actions">
        <button type="button" className="button button-secondary" onClick={onClose}>
          {final ? 'Close' : 'Cancel'}
        </button>
        {!final && (
          <button
            type="button"
            className="button button-primary"
            onClick={onConfirmed}
            disabled={isLoading}
            data-testid="accept-confirm"
          >
            {isLoading ? 'Accepting…' : shown ? 'Try again' : `Accept ${formatSats(offer.priceSats)}`}
          </button>
        )}
      </div>
    </Modal>
  )
}
