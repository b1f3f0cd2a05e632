/**
 * Making an offer on a meme, listed or not: the buyer types a price, sees the fee and what the
 * owner would receive if they accept, and confirms. The price is held from the buyer's balance
 * while the offer is open; the offer carries an idempotency key, so a retried confirmation does
 * not bid (and hold) twice.
 */
import type { OfferView } from '../../../../contracts/market.ts'
import { formatSats } from '../../components/format.ts'
import { useGetWalletQuery } from '../wallet/walletApi.ts'
import { useOfferMadeMutation } from './marketApi.ts'
import { minimumHint, PriceDialog } from './PriceDialog.tsx'

interface OfferDialogProps {
  memeId: string
  title: string
  minimumSats: number
  onClose(): void
  onOffered(offer: OfferView): void
}

export function OfferDialog({ memeId, title, minimumSats, onClose, onOffered }: OfferDialogProps) {
  const [offer, { isLoading }] = useOfferMadeMutation()
  const { data: wallet } = useGetWalletQuery()
  const available = wallet ? ` You have ${formatSats(wallet.balance.availableSats)} available.` : ''
  return (
    <PriceDialog
      title="Make an offer"
      testId="offer-dialog"
      lead={`Offer a price for “${title}”. The owner may accept it at any time while it is open; you may withdraw it until then.`}
      reviewLead={`Check the figures of your offer for “${title}”: what you pay if the owner accepts, and what they receive.`}
      fieldLabel="Your offer, in sats"
      hint={`${minimumHint(minimumSats)} The amount is held from your balance while the offer is open.${available}`}
      minimumSats={minimumSats}
      as="buyer"
      reviewNote={(quote) =>
        `${formatSats(quote.priceSats)} is held from your balance now and paid only if the owner accepts; withdrawing the offer frees it.`
      }
      confirmLabel={(priceSats) => `Offer ${formatSats(priceSats)}`}
      busyLabel="Making the offer…"
      busy={isLoading}
      submit={async (priceSats, idempotencyKey) => {
        const result = await offer({ memeId, priceSats, idempotencyKey })
        if (result.data) onOffered(result.data)
        return result
      }}
      onClose={onClose}
    />
  )
}
