/**
 * The marketplace (contracts/market.ts):
 *   GET    /market/listings            active listings, sorted and filtered (public)
 *   GET    /market/quote?priceSats=    the fee and what the seller receives (public)
 *   POST   /memes/:id/listing          list a meme you own (201)
 *   DELETE /listings/:id               cancel your listing
 *   POST   /listings/:id/purchase      buy, with an Idempotency-Key header (201; 200 for a retry)
 *   POST   /memes/:id/offers           bid, with an Idempotency-Key header (201; 200 for a retry)
 *   POST   /offers/:id/accept          accept a bid on your meme (201; 200 for a repeat)
 *   DELETE /offers/:id                 withdraw your bid
 *   GET    /memes/:id                  a meme's page (public)
 *   GET    /memes/:id/trades           its trades, newest first (public)
 *   GET    /me/memes | /me/trades | /me/offers   yours
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyHeaders,
  IdParams,
  ListingsQuery,
  ListingsResponse,
  ListingView,
  MarketQuote,
  MarketQuoteQuery,
  MemeDetail,
  MyMemesResponse,
  MyOffersResponse,
  OfferView,
  PriceBody,
  TradesResponse,
  TradeView,
} from '../../../contracts/market.ts'
import type { MarketFailure, MarketService } from '../../services/market/market.service.ts'
import type { MarketQueries } from '../../services/market/market-queries.ts'
import { requireUser } from '../auth/plugin.ts'
import { AppError } from '../errors.ts'
import { ERROR_RESPONSES } from '../openapi.ts'

export interface MarketRoutesOptions {
  market: Pick<MarketService, 'quote' | 'list' | 'cancel' | 'purchase' | 'offer' | 'accept' | 'withdraw'>
  queries: Pick<
    MarketQueries,
    'listings' | 'memeDetail' | 'tradesOfMeme' | 'tradesOfUser' | 'memesOfUser' | 'offersOfUser'
  >
  /** config.money.platformFeeBps */
  feeBps: number
  /** config.money.marketMinPriceSats */
  minimumPriceSats: number
}

const TAGS = ['market']

function failure(code: MarketFailure): AppError {
  return new AppError(code)
}

export function marketRoutes(options: MarketRoutesOptions): FastifyPluginAsyncTypebox {
  const { market, queries } = options
  const prices = { feeBps: options.feeBps, minimumPriceSats: options.minimumPriceSats }
  return async (app) => {
    app.get(
      '/market/listings',
      {
        schema: {
          tags: TAGS,
          summary: 'Memes for sale, with what each has earned its owners; sorted and filtered by price.',
          querystring: ListingsQuery,
          response: { 200: ListingsResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => ({ listings: await queries.listings(request.query), ...prices }),
    )

    app.get(
      '/market/quote',
      {
        schema: {
          tags: TAGS,
          summary: 'The platform fee on a trade at this price and what the seller receives.',
          querystring: MarketQuoteQuery,
          response: { 200: MarketQuote, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const result = market.quote(request.query.priceSats)
        if (result.status !== 'ok') throw failure(result.status)
        return result.quote
      },
    )

    app.post(
      '/memes/:id/listing',
      {
        config: { auth: 'user' },
        schema: {
          tags: TAGS,
          summary: 'Put a meme you own up for sale at a price (one active listing per meme).',
          params: IdParams,
          body: PriceBody,
          response: { 201: ListingView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const result = await market.list(requireUser(request).id, request.params.id, request.body.priceSats)
        if (result.status !== 'created') throw failure(result.status)
        reply.code(201)
        return result.listing
      },
    )

    app.delete(
      '/listings/:id',
      {
        config: { auth: 'user' },
        schema: {
          tags: TAGS,
          summary: 'Cancel your listing (a repeat answers the cancelled listing).',
          params: IdParams,
          response: { 200: ListingView, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const result = await market.cancel(requireUser(request).id, request.params.id)
        if (result.status !== 'ok') throw failure(result.status)
        return result.listing
      },
    )

    app.post(
      '/listings/:id/purchase',
      {
        config: { auth: 'user' },
        schema: {
          tags: TAGS,
          summary:
            'Buy a listed meme at its price: you pay the price, the seller receives it less the fee, and the meme is yours, all at once.',
          params: IdParams,
          headers: IdempotencyHeaders,
          response: { 200: TradeView, 201: TradeView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const result = await market.purchase(
          requireUser(request).id,
          request.params.id,
          request.headers[IDEMPOTENCY_KEY_HEADER],
        )
        if (result.status !== 'created' && result.status !== 'existing') throw failure(result.status)
        reply.code(result.status === 'created' ? 201 : 200)
        return result.trade
      },
    )

    app.post(
      '/memes/:id/offers',
      {
        config: { auth: 'user' },
        schema: {
          tags: TAGS,
          summary:
            'Bid on a meme, listed or not; the price is held from your balance while the offer is open.',
          params: IdParams,
          headers: IdempotencyHeaders,
          body: PriceBody,
          response: { 200: OfferView, 201: OfferView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const result = await market.offer(
          requireUser(request).id,
          request.params.id,
          request.body.priceSats,
          request.headers[IDEMPOTENCY_KEY_HEADER],
        )
        if (result.status !== 'created' && result.status !== 'existing') throw failure(result.status)
        reply.code(result.status === 'created' ? 201 : 200)
        return result.offer
      },
    )

    app.post(
      '/offers/:id/accept',
      {
        config: { auth: 'user' },
        schema: {
          tags: TAGS,
          summary: 'Accept a bid on a meme you own: the trade happens at the offer’s price.',
          params: IdParams,
          response: { 200: TradeView, 201: TradeView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const result = await market.accept(requireUser(request).id, request.params.id)
        if (result.status !== 'created' && result.status !== 'existing') throw failure(result.status)
        reply.code(result.status === 'created' ? 201 : 200)
        return result.trade
      },
    )

    app.delete(
      '/offers/:id',
      {
        config: { auth: 'user' },
        schema: {
          tags: TAGS,
          summary: 'Withdraw your open offer; its held funds are freed.',
          params: IdParams,
          response: { 200: OfferView, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const result = await market.withdraw(requireUser(request).id, request.params.id)
        if (result.status !== 'ok') throw failure(result.status)
        return result.offer
      },
    )

    app.get(
      '/memes/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'A meme: creator, owner, earnings, listing, open offers, owners and prices over time.',
          params: IdParams,
          response: { 200: MemeDetail, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const detail = await queries.memeDetail(request.params.id)
        if (!detail) throw new AppError('MEME_NOT_FOUND', { details: { memeId: request.params.id } })
        return detail
      },
    )

    app.get(
      '/memes/:id/trades',
      {
        schema: {
          tags: TAGS,
          summary: 'The meme’s trades, newest first, with the ledger transfers of each.',
          params: IdParams,
          response: { 200: TradesResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const trades = await queries.tradesOfMeme(request.params.id)
        if (!trades) throw new AppError('MEME_NOT_FOUND', { details: { memeId: request.params.id } })
        return { trades }
      },
    )

    app.get(
      '/me/memes',
      {
        config: { auth: 'user' },
        schema: {
          tags: TAGS,
          summary: 'Memes you own or created, with their active listing and open offers.',
          response: { 200: MyMemesResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => ({ memes: await queries.memesOfUser(requireUser(request).id), ...prices }),
    )

    app.get(
      '/me/trades',
      {
        config: { auth: 'user' },
        schema: {
          tags: TAGS,
          summary: 'Trades you bought or sold in, newest first.',
          response: { 200: TradesResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => ({ trades: await queries.tradesOfUser(requireUser(request).id) }),
    )

    app.get(
      '/me/offers',
      {
        config: { auth: 'user' },
        schema: {
          tags: TAGS,
          summary: 'Offers you made, newest first.',
          response: { 200: MyOffersResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => ({ offers: await queries.offersOfUser(requireUser(request).id) }),
    )
  }
}
