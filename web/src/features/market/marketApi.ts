/**
 * The marketplace (contracts/market.ts), injected into the one API slice: listings to browse, a
 * meme's page and its trades, the signed-in user's memes, offers and trades, and the actions that
 * list, cancel, buy, bid, accept and withdraw.
 *
 * Tags: 'Listings' (the market), 'Meme' per meme id (its page and trades), 'MyMarket' (the user's
 * memes, offers and trades, which also follow 'Session'). Every action refetches the market data
 * it can have changed whether it succeeded or not: a refusal such as LISTING_NOT_ACTIVE means
 * what the page shows is stale. An action that moves money also refetches the wallet and its
 * history (tags of the wallet feature), so the header balance and the wallet page agree at once.
 *
 * Changes are pushed: the pages listen to the `market` WebSocket channel (useMarketUpdates.ts)
 * and refetch what an event makes stale, so a seller sees a sale and an owner a new offer at once.
 * They also poll slowly (MARKET_POLL_INTERVAL_MS), for when the connection is down.
 */
import type {
  ListingSort,
  ListingsResponse,
  ListingView,
  MarketQuote,
  MemeDetail,
  MyMemesResponse,
  MyOffersResponse,
  OfferView,
  TradesResponse,
  TradeView,
} from '../../../../contracts/market.ts'
import { api } from '../../app/api.ts'

/** How often an open market page asks again without being told: the fallback to the channel. */
export const MARKET_POLL_INTERVAL_MS = 60_000
/** Listings per page of the market; the server allows up to 100. */
export const LISTINGS_PAGE_SIZE = 24

/** The header the server reads the idempotency key from (contracts/market.ts IDEMPOTENCY_KEY_HEADER). */
const IDEMPOTENCY_HEADER = 'Idempotency-Key'

export interface ListingsFilter {
  sort: ListingSort
  minPriceSats?: number | undefined
  maxPriceSats?: number | undefined
}

export interface ListRequest {
  memeId: string
  priceSats: number
}

export interface CancelRequest {
  listingId: string
  memeId: string
}

export interface PurchaseRequest {
  listingId: string
  memeId: string
  idempotencyKey: string
}

export interface OfferRequest {
  memeId: string
  priceSats: number
  idempotencyKey: string
}

export interface OfferActionRequest {
  offerId: string
  memeId: string
}

function memePath(memeId: string): string {
  return `api/v1/memes/${encodeURIComponent(memeId)}`
}

type MarketTag = 'Listings' | 'MyMarket' | 'Wallet' | 'History' | { type: 'Meme'; id: string }

/** What an action on one meme may have changed; money moved only when it succeeded. */
function changedBy(memeId: string, movesMoney: boolean) {
  return (_result: unknown, error: unknown): MarketTag[] => {
    const market: MarketTag[] = ['Listings', 'MyMarket', { type: 'Meme', id: memeId }]
    return movesMoney && !error ? [...market, 'Wallet', 'History'] : market
  }
}

function paramsOf(filter: ListingsFilter, offset: number) {
  return {
    sort: filter.sort,
    limit: LISTINGS_PAGE_SIZE,
    offset,
    ...(filter.minPriceSats === undefined ? {} : { minPriceSats: filter.minPriceSats }),
    ...(filter.maxPriceSats === undefined ? {} : { maxPriceSats: filter.maxPriceSats }),
  }
}

export const marketApi = api
  .enhanceEndpoints({ addTagTypes: ['Listings', 'Meme', 'MyMarket', 'Wallet', 'History'] })
  .injectEndpoints({
    endpoints: (build) => ({
      /** One page after another, each starting where the one above it ended. */
      getListings: build.infiniteQuery<ListingsResponse, ListingsFilter, number>({
        query: ({ queryArg, pageParam: offset }) => ({
          url: 'api/v1/market/listings',
          params: paramsOf(queryArg, offset),
        }),
        infiniteQueryOptions: {
          initialPageParam: 0,
          getNextPageParam: (lastPage, _allPages, lastOffset) =>
            lastPage.listings.length < LISTINGS_PAGE_SIZE ? undefined : lastOffset + LISTINGS_PAGE_SIZE,
        },
        providesTags: ['Listings'],
      }),
      getMarketQuote: build.query<MarketQuote, number>({
        query: (priceSats) => ({ url: 'api/v1/market/quote', params: { priceSats } }),
      }),
      getMeme: build.query<MemeDetail, string>({
        query: (memeId) => memePath(memeId),
        providesTags: (_result, _error, memeId) => [{ type: 'Meme', id: memeId }],
      }),
      getMemeTrades: build.query<TradesResponse, string>({
        query: (memeId) => `${memePath(memeId)}/trades`,
        providesTags: (_result, _error, memeId) => [{ type: 'Meme', id: memeId }],
      }),
      getMyMemes: build.query<MyMemesResponse, void>({
        query: () => 'api/v1/me/memes',
        providesTags: ['Session', 'MyMarket'],
      }),
      getMyOffers: build.query<MyOffersResponse, void>({
        query: () => 'api/v1/me/offers',
        providesTags: ['Session', 'MyMarket'],
      }),
      getMyTrades: build.query<TradesResponse, void>({
        query: () => 'api/v1/me/trades',
        providesTags: ['Session', 'MyMarket'],
      }),
      memeListed: build.mutation<ListingView, ListRequest>({
        query: ({ memeId, priceSats }) => ({
          url: `${memePath(memeId)}/listing`,
          method: 'POST',
          body: { priceSats },
        }),
        invalidatesTags: (result, error, { memeId }) => changedBy(memeId, false)(result, error),
      }),
      listingCancelled: build.mutation<ListingView, CancelRequest>({
        query: ({ listingId }) => ({
          url: `api/v1/listings/${encodeURIComponent(listingId)}`,
          method: 'DELETE',
        }),
        invalidatesTags: (result, error, { memeId }) => changedBy(memeId, false)(result, error),
      }),
      listingPurchased: build.mutation<TradeView, PurchaseRequest>({
        query: ({ listingId, idempotencyKey }) => ({
          url: `api/v1/listings/${encodeURIComponent(listingId)}/purchase`,
          method: 'POST',
          headers: { [IDEMPOTENCY_HEADER]: idempotencyKey },
        }),
        invalidatesTags: (result, error, { memeId }) => changedBy(memeId, true)(result, error),
      }),
      offerMade: build.mutation<OfferView, OfferRequest>({
        query: ({ memeId, priceSats, idempotencyKey }) => ({
          url: `${memePath(memeId)}/offers`,
          method: 'POST',
          headers: { [IDEMPOTENCY_HEADER]: idempotencyKey },
          body: { priceSats },
        }),
        invalidatesTags: (result, error, { memeId }) => changedBy(memeId, true)(result, error),
      }),
      offerAccepted: build.mutation<TradeView, OfferActionRequest>({
        query: ({ offerId }) => ({
          url: `api/v1/offers/${encodeURIComponent(offerId)}/accept`,
          method: 'POST',
        }),
        invalidatesTags: (result, error, { memeId }) => changedBy(memeId, true)(result, error),
      }),
      offerWithdrawn: build.mutation<OfferView, OfferActionRequest>({
        query: ({ offerId }) => ({ url: `api/v1/offers/${encodeURIComponent(offerId)}`, method: 'DELETE' }),
        invalidatesTags: (result, error, { memeId }) => changedBy(memeId, true)(result, error),
      }),
    }),
  })

export const {
  useGetListingsInfiniteQuery,
  useLazyGetMarketQuoteQuery,
  useGetMemeQuery,
  useGetMemeTradesQuery,
  useGetMyMemesQuery,
  useGetMyOffersQuery,
  useGetMyTradesQuery,
  useMemeListedMutation,
  useListingCancelledMutation,
  useListingPurchasedMutation,
  useOfferMadeMutation,
  useOfferAcceptedMutation,
  useOfferWithdrawnMutation,
} = marketApi
