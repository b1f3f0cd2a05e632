/**
 * A meme's page (/memes/:id): its poster, creator and owner, what it has earned, whether it is
 * for sale and at what price, the open offers on it, and its history: who owned it when, every
 * trade with its price and proofs, the trade prices as a chart and the owner share by day.
 *
 * What can be done depends on who looks: the owner lists it for sale, cancels the listing and
 * accepts offers; anyone else signed in buys it or makes an offer (and withdraws their own);
 * a signed-out visitor reads everything and is asked to connect a wallet to trade.
 *
 * Test hooks: data-testid meme-owner and meme-creator (labels, with data-user-id), meme-listing,
 * listing-price, offer-row, trade-row (trade-seller, trade-buyer, trade-price), price-chart,
 * market-notice, market-connect.
 */
import { Link, useParams } from 'react-router'
import type { MemeDetail, OfferView } from '../../../../contracts/market.ts'
import type { PersonView } from '../../../../contracts/rounds.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { ConnectToTrade } from './ConnectToTrade.tsx'
import { MarketNotice, type Notice } from './MarketNotice.tsx'
import { OwnerEarningsChart, PriceChart } from './MemeCharts.tsx'
import { MARKET_POLL_INTERVAL_MS, useGetMemeQuery, useGetMemeTradesQuery } from './marketApi.ts'
import { PriceBreakdown } from './PriceBreakdown.tsx'
import { TradeTable } from './TradeTable.tsx'
import {
  CancelListingButton,
  type MarketDialog,
  useMarketActions,
  WithdrawOfferButton,
} from './useMarketActions.tsx'
import { useViewer, type Viewer } from './useViewer.ts'
import './market.css'
import { useMarketUpdates } from './useMarketUpdates.ts'

function Person({ person, viewer, testId }: { person: PersonView; viewer: Viewer; testId: string }) {
  const you = viewer.state === 'signed-in' && viewer.userId === person.id
  return (
    <span data-testid={testId} data-user-id={person.id}>
      <span className="mono">{person.label}</span>
      {you && <span className="market-you"> (you)</span>}
    </span>
  )
}

function About({ detail, viewer }: { detail: MemeDetail; viewer: Viewer }) {
  const { meme } = detail
  return (
    <Section title="The meme">
      <div className="market-about">
        <img
          className="market-poster"
          src={meme.posterUrl || meme.thumbnailUrl}
          alt={`Poster of “${meme.title}”`}
        />
        <div className="market-about-text">
          <dl className="facts market-facts">
            <div>
              <dt>Owner</dt>
              <dd>
                <Person person={meme.owner} viewer={viewer} testId="meme-owner" />
              </dd>
            </div>
            <div>
              <dt>Creator</dt>
              <dd>
                <Person person={meme.creator} viewer={viewer} testId="meme-creator" />
              </dd>
            </div>
            <div>
              <dt>Earned its owners</dt>
              <dd className="figure" data-testid="meme-owner-earned">
                {formatSats(meme.ownerEarnedSats)}
              </dd>
            </div>
            <div>
              <dt>Earned its creator</dt>
              <dd className="figure">{formatSats(meme.creatorEarnedSats)}</dd>
            </div>
          </dl>
          <p>
            <Link
              className="button button-primary market-watch"
              to={`/watch/${encodeURIComponent(meme.memeId)}`}
            >
              Watch<span className="visually-hidden"> “{meme.title}”</span>
            </Link>
          </p>
          {!meme.tradable && (
            <p className="section-note">
              This meme cannot be traded yet: only memes that have been assigned to a round can be bought and
              sold.
            </p>
          )}
        </div>
      </div>
    </Section>
  )
}

interface TradeProps {
  detail: MemeDetail
  viewer: Viewer
  open(dialog: MarketDialog): void
  announce(notice: Notice): void
}

function ForSale({ detail, viewer, open, announce }: TradeProps) {
  const { meme, listing } = detail
  const isOwner = viewer.state === 'signed-in' && viewer.userId === meme.owner.id
  const canBid = viewer.state === 'signed-in' && !isOwner && meme.tradable
  const ownOffer =
    viewer.state === 'signed-in' ? detail.offers.find((offer) => offer.buyer.id === viewer.userId) : undefined
  return (
    <Section title="For sale">
      {listing ? (
        <div className="market-listing" data-testid="meme-listing">
          <p>
            Listed by <span className="mono">{listing.seller.label}</span> since{' '}
            <time dateTime={listing.createdAt}>{formatDateTime(listing.createdAt)}</time>.
          </p>
          <PriceBreakdown breakdown={listing} feeBps={detail.feeBps} as={isOwner ? 'seller' : 'onlooker'} />
        </div>
      ) : (
        <p className="market-not-listed">Not for sale at the moment.</p>
      )}
      {viewer.state === 'signed-out' && (
        <ConnectToTrade>Connect a wallet to buy this meme or make an offer on it.</ConnectToTrade>
      )}
      <div className="market-actions">
        {isOwner && listing && <CancelListingButton listing={listing} title={meme.title} onDone={announce} />}
        {isOwner && !listing && meme.tradable && (
          <button
            type="button"
            className="button button-primary"
            onClick={() =>
              open({
                kind: 'list',
                memeId: meme.memeId,
                title: meme.title,
                minimumSats: detail.minimumPriceSats,
              })
            }
          >
            List for sale
          </button>
        )}
        {canBid && listing && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => open({ kind: 'buy', listing, title: meme.title, feeBps: detail.feeBps })}
          >
            Buy for {formatSats(listing.priceSats)}
          </button>
        )}
        {canBid && !ownOffer && (
          <button
            type="button"
            className="button button-secondary"
            onClick={() =>
              open({
                kind: 'offer',
                memeId: meme.memeId,
                title: meme.title,
                minimumSats: detail.minimumPriceSats,
              })
            }
          >
            Make an offer
          </button>
        )}
      </div>
      {ownOffer && (
        <p className="section-note">
          You have an open offer of {formatSats(ownOffer.priceSats)} on this meme; withdraw it below to make
          another.
        </p>
      )}
    </Section>
  )
}

function OfferRow({ offer, detail, viewer, open, announce }: TradeProps & { offer: OfferView }) {
  const { meme } = detail
  const isOwner = viewer.state === 'signed-in' && viewer.userId === meme.owner.id
  const isBuyer = viewer.state === 'signed-in' && viewer.userId === offer.buyer.id
  return (
    <tr data-testid="offer-row" data-offer-id={offer.id}>
      <th scope="row" className="mono">
        {offer.buyer.label}
        {isBuyer && <span className="market-you"> (you)</span>}
      </th>
      <td className="numeric mono">{formatSats(offer.priceSats)}</td>
      <td>
        <time dateTime={offer.createdAt}>{formatDateTime(offer.createdAt)}</time>
      </td>
      <td className="market-row-actions">
        {isOwner && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => open({ kind: 'accept', offer, title: meme.title, feeBps: detail.feeBps })}
          >
            Accept<span className="visually-hidden"> the offer of {formatSats(offer.priceSats)}</span>
          </button>
        )}
        {isBuyer && <WithdrawOfferButton offer={offer} title={meme.title} onDone={announce} />}
      </td>
    </tr>
  )
}

function Offers(props: TradeProps) {
  const { offers } = props.detail
  return (
    <Section title="Offers">
      {offers.length === 0 ? (
        <EmptyState title="No open offers">
          anyone signed in may offer a price for this meme, listed or not; the owner decides whether to
          accept.
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="data-table">
            <caption className="visually-hidden">Open offers, highest first</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col" className="numeric">
                  Offer
                </th>
                <th scope="col">Made</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {offers.map((offer) => (
                <OfferRow key={offer.id} offer={offer} {...props} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  )
}

function History({ detail, viewer }: { detail: MemeDetail; viewer: Viewer }) {
  const memeId = detail.meme.memeId
  const { data, error } = useGetMemeTradesQuery(memeId, { pollingInterval: MARKET_POLL_INTERVAL_MS })
  return (
    <Section title="Ownership and price history">
      <ol className="market-owners" aria-label="Owners, first to current">
        {detail.owners.map((period, index) => (
          <li key={period.tradeId ?? 'creator'} data-testid="owner-period">
            <span className="mono">{period.owner.label}</span>
            {viewer.state === 'signed-in' && viewer.userId === period.owner.id && (
              <span className="market-you"> (you)</span>
            )}
            <span className="market-owner-how">
              {period.priceSats === null ? ' created it' : ` bought it for ${formatSats(period.priceSats)}`}{' '}
              on <time dateTime={period.since}>{formatDateTime(period.since)}</time>
              {index === detail.owners.length - 1 ? ' · current owner' : ''}
            </span>
          </li>
        ))}
      </ol>
      <div className="market-charts">
        {detail.priceHistory.length > 0 && <PriceChart history={detail.priceHistory} />}
        {detail.earningsDays.length > 0 && <OwnerEarningsChart days={detail.earningsDays} />}
      </div>
      <h3 className="market-subheading">Trades</h3>
      {error && !data && <QueryError what="the trades" error={error} />}
      {data &&
        (data.trades.length === 0 ? (
          <EmptyState title="No trades yet">
            every sale of this meme is listed here with its price.
          </EmptyState>
        ) : (
          <TradeTable
            trades={data.trades}
            caption="Trades of this meme, newest first"
            showMeme={false}
            viewerId={undefined}
          />
        ))}
    </Section>
  )
}

function MemeSections({ memeId }: { memeId: string }) {
  const viewer = useViewer()
  const actions = useMarketActions({ linkToMeme: false })
  useMarketUpdates()
  const {
    data: detail,
    error,
    isLoading,
  } = useGetMemeQuery(memeId, { pollingInterval: MARKET_POLL_INTERVAL_MS })
  if (!detail) {
    return (
      <Page title="Meme" purpose="A meme’s owner, earnings, price and history.">
        <Section title="The meme">
          {isLoading ? (
            <p className="status-muted">Loading the meme…</p>
          ) : (
            <QueryError what="this meme" error={error} />
          )}
          <p>
            <Link to="/market">Back to the market</Link>
          </p>
        </Section>
      </Page>
    )
  }
  const props = { detail, viewer, open: actions.open, announce: actions.announce }
  return (
    <Page
      title={detail.meme.title}
      purpose={
        <>
          Owned by <span className="mono">{detail.meme.owner.label}</span>, who earns its owner share of every
          view. <Link to="/market">Back to the market</Link>
        </>
      }
    >
      <MarketNotice notice={actions.notice} />
      <About detail={detail} viewer={viewer} />
      <ForSale {...props} />
      <Offers {...props} />
      <History detail={detail} viewer={viewer} />
      {actions.dialogElement}
    </Page>
  )
}

export function MemeDetailPage() {
  const { id = '' } = useParams()
  return <MemeSections key={id} memeId={id} />
}
