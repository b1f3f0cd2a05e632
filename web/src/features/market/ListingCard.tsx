/**
 * One listing on the market: the meme's thumbnail and title (a link to its page), its price and
 * what it has earned its owners so far, who sells it, and the buttons to buy it or make an offer.
 * The seller sees their own listing marked instead; a signed-out visitor sees no buttons (the
 * page asks them to connect a wallet once, above the list).
 */
import { Link } from 'react-router'
import type { MarketListing } from '../../../../contracts/market.ts'
import { formatSats } from '../../components/format.ts'
import { memePagePath } from './useMarketActions.tsx'
import type { Viewer } from './useViewer.ts'

interface ListingCardProps {
  item: MarketListing
  viewer: Viewer
  onBuy(): void
  onOffer(): void
}

export function ListingCard({ item, viewer, onBuy, onOffer }: ListingCardProps) {
  const { listing, meme } = item
  const titleId = `listing-${listing.id}`
  const own = viewer.state === 'signed-in' && viewer.userId === listing.seller.id
  return (
    <li
      className="market-card"
      aria-labelledby={titleId}
      data-testid="listing-card"
      data-meme-id={meme.memeId}
    >
      <div className="market-card-media">
        <img src={meme.thumbnailUrl || meme.posterUrl} alt="" loading="lazy" />
      </div>
      <div className="market-card-body">
        <h3 id={titleId} className="market-card-title">
          <Link to={memePagePath(meme.memeId)}>{meme.title}</Link>
        </h3>
        <p className="market-card-people">
          Sold by <span className="mono">{listing.seller.label}</span>
          {meme.creator.id !== listing.seller.id && (
            <>
              {' '}
              · made by <span className="mono">{meme.creator.label}</span>
            </>
          )}
        </p>
        <dl className="market-card-stats">
          <div>
            <dt>Price</dt>
            <dd className="figure" data-testid="listing-price">
              {formatSats(listing.priceSats)}
            </dd>
          </div>
          <div>
            <dt>Earned its owners</dt>
            <dd className="figure" data-testid="listing-earned">
              {formatSats(meme.ownerEarnedSats)}
            </dd>
          </div>
        </dl>
        {own && <p className="market-card-own">This is your listing.</p>}
        {viewer.state === 'signed-in' && !own && (
          <div className="market-card-actions">
            <button type="button" className="button button-primary" onClick={onBuy}>
              Buy<span className="visually-hidden"> {meme.title}</span>
            </button>
            <button type="button" className="button button-secondary" onClick={onOffer}>
              Make an offer<span className="visually-hidden"> on {meme.title}</span>
            </button>
          </div>
        )}
      </div>
    </li>
  )
}
