/**
 * The last step before buying a listed meme: the dialog shows the price, the platform fee and
 * what the seller receives, and the buyer's available balance, and only its button buys. The
 * idempotency key is made once per dialog, so pressing the button again after a lost answer
 * repeats the same purchase, which the server answers with the trade it already made instead of
 * charging twice. A refusal the same request cannot overcome (the listing was just sold or
 * cancelled) leaves only Close.
 */
import { useState } from 'react'
import { Link } from 'react-router'
import type { ListingView, TradeView } from '../../../../contracts/market.ts'
import { toDisplayError } from '../../components/errorMessages.ts'
import { formatSats } from '../../components/format.ts'
import { Modal } from '../../components/Modal.tsx'
import { ActionError } from '../../components/QueryError.tsx'
import { useGetWalletQuery } from '../wallet/walletApi.ts'
import { newIdempotencyKey } from '../wallet/withdrawalInput.ts'
import { useListingPurchasedMutation } from './marketApi.ts'
import { isFinalRefusal } from './marketInput.ts'
import { PriceBreakdown } from './PriceBreakdown.tsx'

interface PurchaseDialogProps {
  listing: ListingView
  title: string
  feeBps: number
  onClose(): void
  onBought(trade: TradeView): void
}

function Balance({ priceSats }: { priceSats: number }) {
  const { data: wallet } = useGetWalletQuery()
  if (!wallet) return null
  const available = wallet.balance.availableSats
  return (
    <p className="market-balance">
      Your available balance: <span className="figure">{formatSats(available)}</span>.
      {available < priceSats && (
        <>
          {' '}
          <strong className="market-short">That is not enough for this price.</strong>{' '}
          <Link to="/wallet">Deposit on the wallet page</Link>.
        </>
      )}
    </p>
  )
}

export function PurchaseDialog({ listing, title, feeBps, onClose, onBought }: PurchaseDialogProps) {
  const [idempotencyKey] = useState(newIdempotencyKey)
  const [purchase, { error, isLoading }] = useListingPurchasedMutation()
  const shown = error ? toDisplayError(error) : null
  const final = isFinalRefusal(shown?.code)

  const onConfirmed = async () => {
    const result = await purchase({ listingId: listing.id, memeId: listing.memeId, idempotencyKey })
    if (result.data) onBought(result.data)
  }

  return (
    <Modal title="Confirm purchase" onClose={onClose}>
      <p className="dialog-lead">
        Buy “{title}” from <span className="mono">{listing.seller.label}</span>. The price leaves your balance
        and the meme is yours at once: from the next payment for a view on, its owner share goes to you.
      </p>
      <PriceBreakdown breakdown={listing} feeBps={feeBps} as="buyer" />
      <Balance priceSats={listing.priceSats} />
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
            data-testid="purchase-confirm"
          >
            {isLoading ? 'Buying…' : shown ? 'Try again' : `Buy for ${formatSats(listing.priceSats)}`}
          </button>
        )}
      </div>
    </Modal>
  )
}
