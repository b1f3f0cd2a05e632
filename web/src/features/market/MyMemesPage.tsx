/**
 * The signed-in user's side of the market (/market/mine): the memes they own, each with its
 * listing (list for sale, cancel) and the open offers on it (accept); the memes they created
 * that others own now; the offers they made (withdraw the open ones); and their trades. Signed
 * out, it asks to connect a wallet.
 *
 * Test hooks: data-testid my-meme (with data-meme-id) in the list "Memes you own", created-meme
 * in "Memes you created", my-offer, trade-row, market-notice, market-connect.
 */
import { Link } from 'react-router'
import type { MyMeme, MyOffersResponse, OfferState } from '../../../../contracts/market.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { ConnectToTrade } from './ConnectToTrade.tsx'
import { MarketNav } from './MarketNav.tsx'
import { MarketNotice, type Notice } from './MarketNotice.tsx'
import {
  MARKET_POLL_INTERVAL_MS,
  useGetMyMemesQuery,
  useGetMyOffersQuery,
  useGetMyTradesQuery,
} from './marketApi.ts'
import { TradeTable } from './TradeTable.tsx'
import {
  CancelListingButton,
  type MarketDialog,
  memePagePath,
  useMarketActions,
  WithdrawOfferButton,
} from './useMarketActions.tsx'
import { useViewer } from './useViewer.ts'
import './market.css'
import { useMarketUpdates } from './useMarketUpdates.ts'

const OFFER_STATES: Record<OfferState, string> = {
  open: 'Open',
  accepted: 'Accepted',
  withdrawn: 'Withdrawn',
  void: 'Void (sold to someone else)',
}

interface ActionProps {
  feeBps: number
  minimumSats: number
  open(dialog: MarketDialog): void
  announce(notice: Notice): void
}

function OwnedMeme({ mine, feeBps, minimumSats, open, announce }: ActionProps & { mine: MyMeme }) {
  const { meme, listing, offers } = mine
  const titleId = `my-meme-${meme.memeId}`
  return (
    <li className="market-mine" aria-labelledby={titleId} data-testid="my-meme" data-meme-id={meme.memeId}>
      <img className="market-mine-thumb" src={meme.thumbnailUrl || meme.posterUrl} alt="" loading="lazy" />
      <div className="market-mine-body">
        <h3 id={titleId} className="market-card-title">
          <Link to={memePagePath(meme.memeId)}>{meme.title}</Link>
        </h3>
        <p className="market-card-people">
          {mine.isCreator ? 'You made it' : `Made by ${meme.creator.label}`} · earned its owners{' '}
          <span className="figure">{formatSats(meme.ownerEarnedSats)}</span>
        </p>
        <p className="market-mine-status" data-testid="my-meme-status">
          {listing ? (
            <>
              Listed for <span className="figure">{formatSats(listing.priceSats)}</span>; you receive{' '}
              <span className="figure">{formatSats(listing.sellerReceivesSats)}</span> when it sells.
            </>
          ) : meme.tradable ? (
            'Not listed.'
          ) : (
            'Not tradable yet: it can be sold once it has been assigned to a round.'
          )}
        </p>
        <div className="market-actions">
          {listing && <CancelListingButton listing={listing} title={meme.title} onDone={announce} />}
          {!listing && meme.tradable && (
            <button
              type="button"
              className="button button-primary"
              onClick={() => open({ kind: 'list', memeId: meme.memeId, title: meme.title, minimumSats })}
            >
              List for sale<span className="visually-hidden"> {meme.title}</span>
            </button>
          )}
        </div>
        {offers.length > 0 && (
          <div className="table-scroll">
            <table className="data-table">
              <caption className="market-table-caption">Open offers on “{meme.title}”, highest first</caption>
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col" className="numeric">
                    Offer
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {offers.map((offer) => (
                  <tr key={offer.id} data-testid="offer-row">
                    <th scope="row" className="mono">
                      {offer.buyer.label}
                    </th>
                    <td className="numeric mono">{formatSats(offer.priceSats)}</td>
                    <td className="market-row-actions">
                      <button
                        type="button"
                        className="button button-primary"
                        onClick={() => open({ kind: 'accept', offer, title: meme.title, feeBps })}
                      >
                        Accept
                        <span className="visually-hidden"> the offer of {formatSats(offer.priceSats)}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </li>
  )
}

function MyMemes(props: Omit<ActionProps, 'feeBps' | 'minimumSats'>) {
  useMarketUpdates()
  const { data, error, isLoading } = useGetMyMemesQuery(undefined, {
    pollingInterval: MARKET_POLL_INTERVAL_MS,
  })
  if (!data) {
    return (
      <Section title="Memes you own">
        {isLoading ? (
          <p className="status-muted">Loading your memes…</p>
        ) : (
          <QueryError what="your memes" error={error} />
        )}
      </Section>
    )
  }
  const owned = data.memes.filter((mine) => mine.isOwner)
  const made = data.memes.filter((mine) => mine.isCreator && !mine.isOwner)
  return (
    <>
      <Section title="Memes you own">
        {owned.length === 0 ? (
          <EmptyState title="You own no memes">
            buy one on the <Link to="/market">market</Link>, or have one of your pictures published: its
            creator is its first owner.
          </EmptyState>
        ) : (
          <ul className="market-mine-list" aria-label="Memes you own" data-testid="my-owned-memes">
            {owned.map((mine) => (
              <OwnedMeme
                key={mine.meme.memeId}
                mine={mine}
                feeBps={data.feeBps}
                minimumSats={data.minimumPriceSats}
                {...props}
              />
            ))}
          </ul>
        )}
      </Section>
      {made.length > 0 && (
        <Section title="Memes you created, owned by others">
          <p className="section-note">You keep the creator share of every view, whoever owns the meme.</p>
          <ul className="market-made-list" aria-label="Memes you created, owned by others">
            {made.map(({ meme }) => (
              <li key={meme.memeId} data-testid="created-meme" data-meme-id={meme.memeId}>
                <Link to={memePagePath(meme.memeId)}>{meme.title}</Link>{' '}
                <span className="market-card-people">
                  owned by <span className="mono">{meme.owner.label}</span> · earned you{' '}
                  <span className="figure">{formatSats(meme.creatorEarnedSats)}</span>
                </span>
              </li>
            ))}
          </ul>
        </Section>
      )}
    </>
  )
}

function OffersTable({
  offers,
  announce,
}: {
  offers: MyOffersResponse['offers']
  announce(notice: Notice): void
}) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Offers you made, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Meme</th>
            <th scope="col" className="numeric">
              Offer
            </th>
            <th scope="col">State</th>
            <th scope="col">Made</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {offers.map(({ offer, title }) => (
            <tr key={offer.id} data-testid="my-offer" data-state={offer.state}>
              <th scope="row" className="market-trade-meme">
                <Link to={memePagePath(offer.memeId)}>{title}</Link>
              </th>
              <td className="numeric mono">{formatSats(offer.priceSats)}</td>
              <td>{OFFER_STATES[offer.state]}</td>
              <td>
                <time dateTime={offer.createdAt}>{formatDateTime(offer.createdAt)}</time>
              </td>
              <td className="market-row-actions">
                {offer.state === 'open' && (
                  <WithdrawOfferButton offer={offer} title={title} onDone={announce} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function MyOffers({ announce }: { announce(notice: Notice): void }) {
  const { data, error, isLoading } = useGetMyOffersQuery(undefined, {
    pollingInterval: MARKET_POLL_INTERVAL_MS,
  })
  return (
    <Section title="Your offers">
      {!data ? (
        isLoading ? (
          <p className="status-muted">Loading your offers…</p>
        ) : (
          <QueryError what="your offers" error={error} />
        )
      ) : data.offers.length === 0 ? (
        <EmptyState title="No offers yet">
          offers you make on other people’s memes appear here; while one is open its amount is held from your
          balance.
        </EmptyState>
      ) : (
        <OffersTable offers={data.offers} announce={announce} />
      )}
    </Section>
  )
}

function MyTrades({ viewerId }: { viewerId: string }) {
  const { data, error, isLoading } = useGetMyTradesQuery(undefined, {
    pollingInterval: MARKET_POLL_INTERVAL_MS,
  })
  return (
    <Section title="Your trades">
      {!data ? (
        isLoading ? (
          <p className="status-muted">Loading your trades…</p>
        ) : (
          <QueryError what="your trades" error={error} />
        )
      ) : data.trades.length === 0 ? (
        <EmptyState title="No trades yet">
          every meme you buy or sell is listed here with its price and fee.
        </EmptyState>
      ) : (
        <TradeTable trades={data.trades} caption="Your trades, newest first" showMeme viewerId={viewerId} />
      )}
    </Section>
  )
}

function Mine() {
  const viewer = useViewer()
  const actions = useMarketActions({ linkToMeme: true })
  if (viewer.state === 'checking') {
    return (
      <Section title="Memes you own">
        <p className="status-muted">Checking who is signed in…</p>
      </Section>
    )
  }
  if (viewer.state === 'signed-out') {
    return (
      <Section title="Memes you own">
        <EmptyState title="No wallet connected">
          once you sign in, the memes you own appear here to list for sale, with the offers made on them.
        </EmptyState>
        <ConnectToTrade>Connect a wallet to see your memes, offers and trades.</ConnectToTrade>
      </Section>
    )
  }
  return (
    <>
      <MarketNotice notice={actions.notice} />
      <MyMemes open={actions.open} announce={actions.announce} />
      <MyOffers announce={actions.announce} />
      <MyTrades viewerId={viewer.userId} />
      {actions.dialogElement}
    </>
  )
}

export function MyMemesPage() {
  return (
    <Page
      title="My memes"
      purpose="The memes you own and made, the offers on them and yours, and every trade you were part of."
    >
      <MarketNav />
      <Mine />
    </Page>
  )
}
