/**
 * Putting a meme up for sale: the owner types a price, sees the fee and what they will receive,
 * and confirms. Listing moves no money, so it needs no idempotency key; the server allows one
 * active listing per meme (a repeat is ALREADY_LISTED).
 */
import type { ListingView } from '../../../../contracts/market.ts'
import { formatSats } from '../../components/format.ts'
import { useMemeListedMutation } from './marketApi.ts'
import { minimumHint, PriceDialog } from './PriceDialog.tsx'

interface ListForSaleDialogProps {
  memeId: string
  title: string
  minimumSats: number
  onClose(): void
  onListed(listing: ListingView): void
}

export function ListForSaleDialog({ memeId, title, minimumSats, onClose, onListed }: ListForSaleDialogProps) {
  const [list, { isLoading }] = useMemeListedMutation()
  return (
    <PriceDialog
      title="List for sale"
      testId="list-dialog"
      lead={`Put “${title}” on the market at a price. Anyone may buy it at that price until you cancel the listing.`}
      reviewLead={`Check the figures before “${title}” goes on the market.`}
      fieldLabel="Price, in sats"
      hint={minimumHint(minimumSats)}
      minimumSats={minimumSats}
      as="seller"
      reviewNote={() =>
        'When someone buys it, the price less the fee reaches your balance and the meme, with its future owner share, becomes theirs.'
      }
      confirmLabel={(priceSats) => `List for ${formatSats(priceSats)}`}
      busyLabel="Listing…"
      busy={isLoading}
      submit={async (priceSats) => {
        const result = await list({ memeId, priceSats })
        if (result.data) onListed(result.data)
        return result
      }}
      onClose={onClose}
    />
  )
}
