/**
 * The market's actions as a page uses them: one dialog open at a time (buy, offer, list for
 * sale, accept an offer), the two actions that need no confirmation (cancel a listing, withdraw
 * an offer: neither moves anything the user cannot undo), and the notice that says how the last
 * one ended. Every page with market controls holds one of these.
 */
import { useState } from 'react'
import type { ListingView, OfferView, TradeView } from '../../../../contracts/market.ts'
import { toDisplayError } from '../../components/errorMessages.ts'
import { formatSats } from '../../components/format.ts'
import { ActionError } from '../../components/QueryError.tsx'
import { AcceptOfferDialog } from './AcceptOfferDialog.tsx'
import { ListForSaleDialog } from './ListForSaleDialog.tsx'
import type { Notice } from './MarketNotice.tsx'
import { useListingCancelledMutation, useOfferWithdrawnMutation } from './marketApi.ts'
import { OfferDialog } from './OfferDialog.tsx'
import { PurchaseDialog } from './PurchaseDialog.tsx'

export type MarketDialog =
  | { kind: 'buy'; listing: ListingView; title: string; feeBps: number }
  | { kind: 'offer'; memeId: string; title: string; minimumSats: number }
  | { kind: 'list'; memeId: string; title: string; minimumSats: number }
  | { kind: 'accept'; offer: OfferView; title: string; feeBps: number }

export function memePagePath(memeId: string): string {
  return `/memes/${encodeURIComponent(memeId)}`
}

interface DialogViewProps {
  dialog: MarketDialog
  onClose(): void
  onDone(notice: Notice): void
  memeLink(memeId: string): Notice['link']
}

function DialogView({ dialog, onClose, onDone, memeLink }: DialogViewProps) {
  switch (dialog.kind) {
    case 'buy':
      return (
        <PurchaseDialog
          listing={dialog.listing}
          title={dialog.title}
          feeBps={dialog.feeBps}
          onClose={onClose}
          onBought={(trade: TradeView) =>
            onDone({
              text: `You own “${dialog.title}” now. You paid ${formatSats(trade.priceSats)}; the seller received ${formatSats(trade.sellerReceivesSats)} after the ${formatSats(trade.feeSats)} fee.`,
              link: memeLink(trade.memeId),
            })
          }
        />
      )
    case 'offer':
      return (
        <OfferDialog
          memeId={dialog.memeId}
          title={dialog.title}
          minimumSats={dialog.minimumSats}
          onClose={onClose}
          onOffered={(offer) =>
            onDone({
              text: `Your offer of ${formatSats(offer.priceSats)} on “${dialog.title}” is open; that amount is held from your balance until the owner accepts or you withdraw it.`,
              link: memeLink(offer.memeId),
            })
          }
        />
      )
    case 'list':
      return (
        <ListForSaleDialog
          memeId={dialog.memeId}
          title={dialog.title}
          minimumSats={dialog.minimumSats}
          onClose={onClose}
          onListed={(listing) =>
            onDone({
              text: `“${dialog.title}” is listed for ${formatSats(listing.priceSats)}. When it sells you receive ${formatSats(listing.sellerReceivesSats)}.`,
              link: memeLink(listing.memeId),
            })
          }
        />
      )
    case 'accept':
      return (
        <AcceptOfferDialog
          offer={dialog.offer}
          title={dialog.title}
          feeBps={dialog.feeBps}
          onClose={onClose}
          onAccepted={(trade) =>
            onDone({
              text: `You sold “${dialog.title}” for ${formatSats(trade.priceSats)}; ${formatSats(trade.sellerReceivesSats)} reached your balance after the ${formatSats(trade.feeSats)} fee.`,
              link: memeLink(trade.memeId),
            })
          }
        />
      )
  }
}

/**
 * `linkToMeme`: whether notices link to the meme's page (not on that page itself).
 */
export function useMarketActions({ linkToMeme }: { linkToMeme: boolean }) {
  const [dialog, setDialog] = useState<MarketDialog | null>(null)
  const [notice, setNotice] = useState<Notice | null>(null)
  const memeLink = (memeId: string): Notice['link'] =>
    linkToMeme ? { to: memePagePath(memeId), label: 'Go to the meme' } : undefined
  const done = (next: Notice) => {
    setDialog(null)
    setNotice(next)
  }
  const dialogElement = dialog && (
    <DialogView dialog={dialog} onClose={() => setDialog(null)} onDone={done} memeLink={memeLink} />
  )
  return { open: setDialog, dialogElement, notice, announce: setNotice, memeLink }
}

interface CancelListingProps {
  listing: ListingView
  title: string
  onDone(notice: Notice): void
}

/** Takes a listing off the market at once; nothing moves, and the meme can be listed again. */
export function CancelListingButton({ listing, title, onDone }: CancelListingProps) {
  const [cancel, { error, isLoading }] = useListingCancelledMutation()
  const onPressed = async () => {
    const result = await cancel({ listingId: listing.id, memeId: listing.memeId })
    if (result.data) onDone({ text: `The listing of “${title}” is cancelled; it is no longer for sale.` })
  }
  return (
    <>
      <button type="button" className="button button-secondary" onClick={onPressed} disabled={isLoading}>
        {isLoading ? 'Cancelling…' : 'Cancel listing'}
        <span className="visually-hidden"> of {title}</span>
      </button>
      {error && <ActionError error={toDisplayError(error)} />}
    </>
  )
}

interface WithdrawOfferProps {
  offer: OfferView
  title: string
  onDone(notice: Notice): void
}

/** Withdraws the user's own open offer; its held amount is free to spend again. */
export function WithdrawOfferButton({ offer, title, onDone }: WithdrawOfferProps) {
  const [withdraw, { error, isLoading }] = useOfferWithdrawnMutation()
  const onPressed = async () => {
    const result = await withdraw({ offerId: offer.id, memeId: offer.memeId })
    if (result.data) {
      onDone({
        text: `Your offer of ${formatSats(offer.priceSats)} on “${title}” is withdrawn; the amount is free to spend again.`,
      })
    }
  }
  return (
    <>
      <button type="button" className="button button-secondary" onClick={onPressed} disabled={isLoading}>
        {isLoading ? 'Withdrawing…' : 'Withdraw'}
        <span className="visually-hidden"> your offer on {title}</span>
      </button>
      {error && <ActionError error={toDisplayError(error)} />}
    </>
  )
}
