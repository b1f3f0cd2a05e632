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
import type { TSchema } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
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
import type { Failed, MarketFailure, MarketService } from '../../services/market/market.service.ts'
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
/** Service answers that are not refusals; `created` answers 201. */
const SUCCESSES = new Set(['ok', 'created', 'existing'])

/** A trading route for signed-in users; its handler must start with `trader`, which checks validation. */
const FOR_USERS = { config: { auth: 'user' as const }, attachValidation: true }

/**
 * The user a trading route acts for, once the request passed validation. Those routes attach
 * validation errors instead of answering them (FOR_USERS), so that a malformed Idempotency-Key
 * header gets its documented code rather than a generic VALIDATION_FAILED.
 */
function trader(request: FastifyRequest): string {
  const invalid = request.validationError
  if (invalid) {
    throw invalid.validationContext === 'headers' ? new AppError('IDEMPOTENCY_KEY_INVALID') : invalid
  }
  return requireUser(request).id
}

/** The service's answer with its status code, or its refusal thrown as the API error of that code. */
function settle<R extends { status: string }>(reply: FastifyReply, result: R): Exclude<R, Failed> {
  if (!SUCCESSES.has(result.status)) throw new AppError(result.status as MarketFailure)
  reply.code(result.status === 'created' ? 201 : 200)
  return result as Exclude<R, Failed>
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
      async (request, reply) => settle(reply, market.quote(request.query.priceSats)).quote,
    )

    app.post(
      '/memes/:id/listing',
      {
        ...FOR_USERS,
        schema: {
          tags: TAGS,
          summary: 'Put a meme you own up for sale at a price (one active listing per meme).',
          params: IdParams,
          body: PriceBody,
          response: { 201: ListingView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) =>
        settle(reply, await market.list(trader(request), request.params.id, request.body.priceSats)).listing,
    )

    app.delete(
      '/listings/:id',
      {
        ...FOR_USERS,
        schema: {
          tags: TAGS,
          summary: 'Cancel your listing (a repeat answers the cancelled listing).',
          params: IdParams,
          response: { 200: ListingView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) =>
        settle(reply, await market.cancel(trader(request), request.params.id)).listing,
    )

    app.post(
      '/listings/:id/purchase',
      {
        ...FOR_USERS,
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
        const key = request.headers[IDEMPOTENCY_KEY_HEADER]
        return settle(reply, await market.purchase(trader(request), request.params.id, key)).trade
      },
    )

    app.post(
      '/memes/:id/offers',
      {
        ...FOR_USERS,
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
        const { params, body, headers } = request
        const offer = market.offer(
          trader(request),
          params.id,
          body.priceSats,
          headers[IDEMPOTENCY_KEY_HEADER],
        )
        return settle(reply, await offer).offer
      },
    )

    app.post(
      '/offers/:id/accept',
      {
        ...FOR_USERS,
        schema: {
          tags: TAGS,
          summary: 'Accept a bid on a meme you own: the trade happens at the offer’s price.',
          params: IdParams,
          response: { 200: TradeView, 201: TradeView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => settle(reply, await market.accept(trader(request), request.params.id)).trade,
    )

    app.delete(
      '/offers/:id',
      {
        ...FOR_USERS,
        schema: {
          tags: TAGS,
          summary: 'Withdraw your open offer; its held funds are freed.',
          params: IdParams,
          response: { 200: OfferView, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) =>
        settle(reply, await market.withdraw(trader(request), request.params.id)).offer,
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
      async (request) => found(request.params.id, await queries.memeDetail(request.params.id)),
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
      async (request) => ({
        trades: found(request.params.id, await queries.tradesOfMeme(request.params.id)),
      }),
    )

    const mine = (path: string, summary: string, response: TSchema, read: (userId: string) => unknown) =>
      app.get(
        path,
        {
          config: { auth: 'user' },
          schema: { tags: TAGS, summary, response: { 200: response, ...ERROR_RESPONSES } },
        },
        async (request) => read(requireUser(request).id),
      )
    mine(
      '/me/memes',
      'Memes you own or created, with their active listing and open offers.',
      MyMemesResponse,
      async (userId) => ({ memes: await queries.memesOfUser(userId), ...prices }),
    )
    mine('/me/trades', 'Trades you bought or sold in, newest first.', TradesResponse, async (userId) => ({
      trades: await queries.tradesOfUser(userId),
    }))
    mine('/me/offers', 'Offers you made, newest first.', MyOffersResponse, async (userId) => ({
      offers: await queries.offersOfUser(userId),
    }))
  }
}

/** A meme's page or history, or MEME_NOT_FOUND when there is no such meme. */
function found<T>(memeId: string, value: T | undefined): T {
  if (value === undefined) throw new AppError('MEME_NOT_FOUND', { details: { memeId } })
  return value
}
