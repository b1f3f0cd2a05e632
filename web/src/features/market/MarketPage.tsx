/**
 * The market (/market, SPEC 9): memes for sale, sorted by price, by age or by what they have
 * earned their owners, filtered by price, each with Buy and Make an offer. Anyone can browse; a
 * signed-out visitor is asked to connect a wallet to trade. Every purchase goes through a
 * confirmation that shows the price, the 2% fee and what the seller receives.
 *
 * Test hooks: data-testid listing-card (with data-meme-id), listing-price, listing-earned,
 * market-notice, market-connect, and in the dialogs breakdown-price, breakdown-fee,
 * breakdown-proceeds and purchase-confirm.
 */
import { useSearchParams } from 'react-router'
import type { MarketListing } from '../../../../contracts/market.ts'
import { useGetInfoQuery } from '../../app/api.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatBps, formatInteger, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { ConnectToTrade } from './ConnectToTrade.tsx'
import { ListingCard } from './ListingCard.tsx'
import { ListingFilters } from './ListingFilters.tsx'
import { MarketNav } from './MarketNav.tsx'
import { MarketNotice } from './MarketNotice.tsx'
import { type ListingsFilter, MARKET_POLL_INTERVAL_MS, useGetListingsInfiniteQuery } from './marketApi.ts'
import { filterFromSearch, SORT_OPTIONS, searchFromFilter } from './marketInput.ts'
import { useMarketActions } from './useMarketActions.tsx'
import { useViewer } from './useViewer.ts'
import './market.css'
import { useMarketUpdates } from './useMarketUpdates.ts'

function MarketRules() {
  const { data: info } = useGetInfoQuery()
  if (!info) return null
  return (
    <p className="section-note">
      Owners list memes from <span className="figure">{formatSats(info.money.marketMinPriceSats)}</span>. The
      buyer pays the price; the seller receives it less the{' '}
      <span className="figure">{formatBps(info.money.platformFeeBps)}</span> platform fee, and ownership moves
      in the same step. Whoever owns a meme earns the owner share of every view from then on.
    </p>
  )
}

/** "3 listings, lowest price first, from 1,000 sats to 5,000 sats." for the live summary line. */
function describeResults(count: number, more: boolean, filter: ListingsFilter): string {
  const sort = SORT_OPTIONS.find((option) => option.value === filter.sort)?.label.toLowerCase() ?? ''
  const counted = `${more ? 'The first ' : ''}${formatInteger(count)} ${count === 1 ? 'listing' : 'listings'}`
  const { minPriceSats: min, maxPriceSats: max } = filter
  let range = ''
  if (min !== undefined && max !== undefined) range = `, priced ${formatSats(min)} to ${formatSats(max)}`
  else if (min !== undefined) range = `, priced from ${formatSats(min)}`
  else if (max !== undefined) range = `, priced up to ${formatSats(max)}`
  return `${counted}${range}, ${sort}.`
}

function Listings() {
  const [search, setSearch] = useSearchParams()
  const filter = filterFromSearch(search)
  const viewer = useViewer()
  const actions = useMarketActions({ linkToMeme: true })
  useMarketUpdates()
  const { data, error, isLoading, isFetching, hasNextPage, fetchNextPage, isFetchingNextPage } =
    useGetListingsInfiniteQuery(filter, { pollingInterval: MARKET_POLL_INTERVAL_MS })
  const listings: MarketListing[] = data?.pages.flatMap((page) => page.listings) ?? []
  const first = data?.pages[0]
  const filtered = filter.minPriceSats !== undefined || filter.maxPriceSats !== undefined

  const onFilterChanged = (next: ListingsFilter) => setSearch(searchFromFilter(next))

  return (
    <Section title="Listings">
      {viewer.state === 'signed-out' && (
        <ConnectToTrade>
          Anyone can browse the market. Connect a wallet to buy a meme, make an offer or sell your own.
        </ConnectToTrade>
      )}
      <MarketNotice notice={actions.notice} />
      <ListingFilters filter={filter} onChange={onFilterChanged} />
      {!data && isLoading && <p className="status-muted">Loading the listings…</p>}
      {!data && !isLoading && error && <QueryError what="the listings" error={error} />}
      {data && first && (
        <>
          <p className="status-muted market-summary" aria-live="polite" aria-busy={isFetching}>
            {describeResults(listings.length, hasNextPage, filter)}
          </p>
          {listings.length === 0 ? (
            filtered ? (
              <EmptyState title="No listings in this price range">
                widen the range or clear the prices to see every meme for sale.
              </EmptyState>
            ) : (
              <EmptyState title="No listings yet">
                memes put up for sale by their owners appear here with their price and what they have earned,
                ready to buy.
              </EmptyState>
            )
          ) : (
            <ul className="market-grid" aria-label="Memes for sale">
              {listings.map((item) => (
                <ListingCard
                  key={item.listing.id}
                  item={item}
                  viewer={viewer}
                  onBuy={() =>
                    actions.open({
                      kind: 'buy',
                      listing: item.listing,
                      title: item.meme.title,
                      feeBps: first.feeBps,
                    })
                  }
                  onOffer={() =>
                    actions.open({
                      kind: 'offer',
                      memeId: item.meme.memeId,
                      title: item.meme.title,
                      minimumSats: first.minimumPriceSats,
                    })
                  }
                />
              ))}
            </ul>
          )}
          {hasNextPage && (
            <p>
              <button
                type="button"
                className="button button-secondary"
                onClick={() => fetchNextPage()}
                disabled={isFetchingNextPage}
              >
                {isFetchingNextPage ? 'Loading…' : 'Show more listings'}
              </button>
            </p>
          )}
        </>
      )}
      <MarketRules />
      {actions.dialogElement}
    </Section>
  )
}

export function MarketPage() {
  return (
    <Page
      title="Market"
      purpose="Buy and sell meme ownership: whoever owns a meme earns the owner share of every future view."
    >
      <MarketNav />
      <Listings />
    </Page>
  )
}
