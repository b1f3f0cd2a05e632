/**
 * The marketplace as the API serves it (SPEC 2 "Marketplace"). Amounts are whole satoshis.
 *
 *   GET    /api/v1/market/listings?sort=&minPriceSats=&maxPriceSats=&limit=&offset=  active listings
 *   GET    /api/v1/market/quote?priceSats=   the fee and what the seller receives at a price
 *   POST   /api/v1/memes/:id/listing         list a meme you own {priceSats} (201)
 *   DELETE /api/v1/listings/:id              cancel your listing
 *   POST   /api/v1/listings/:id/purchase     buy; header Idempotency-Key (201, or 200 for a retry)
 *   POST   /api/v1/memes/:id/offers          bid {priceSats}; header Idempotency-Key (201 / 200)
 *   POST   /api/v1/offers/:id/accept         the owner accepts a bid: the trade happens
 *   DELETE /api/v1/offers/:id                the buyer withdraws a bid; its funds are freed
 *   GET    /api/v1/memes/:id                 a meme: owner, earnings, listing, offers, history
 *   GET    /api/v1/memes/:id/trades          the meme's trades, newest first
 *   GET    /api/v1/me/memes                  memes you own or created, with listing and offers
 *   GET    /api/v1/me/trades                 trades you bought or sold in, newest first
 *   GET    /api/v1/me/offers                 offers you made, newest first
 *
 * Money: the buyer pays `priceSats`; the platform fee is `feeSats` = floor(price × feeBps /
 * 10 000) (2%: the platform never takes more than its share, and less by under a satoshi); the
 * seller receives `sellerReceivesSats` = price − fee. Fee and proceeds add up to the price.
 * A trade's ledger transfers (`transferIds`) are `trade:<id>:price` (buyer → seller, the price)
 * and `trade:<id>:fee` (seller → platform, the fee); each has a proof at
 * /api/v1/proofs/transfers/{id} once anchored.
 *
 * An open offer's price is held from the buyer's balance (it shows as held, not available) until
 * it is accepted, withdrawn, or void because the meme was sold to someone else.
 *
 * Live changes: the WebSocket channel `market` (contracts/ws.ts WS_CHANNELS.market, public) carries a
 * MarketUpdate whenever a meme is listed, its listing cancelled, it is sold (bought or an offer
 * accepted), or an offer on it is made or withdrawn; pages refetch what they show of that meme.
 *
 * Request bodies take prices as plain numbers so that a fraction, a negative or a huge value gets
 * its own code (PRICE_INVALID) rather than a generic validation error.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { PersonView } from './rounds.ts'

const DateTime = Type.String({ format: 'date-time' })
const Sats = Type.Integer({ minimum: 0 })
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key'

export const ListingState = Type.Union(
  [Type.Literal('active'), Type.Literal('sold'), Type.Literal('cancelled'), Type.Literal('closed')],
  {
    description:
      'active: for sale; sold: bought through this listing; cancelled: by its seller; closed: the meme was sold through an offer.',
  },
)
export type ListingState = Static<typeof ListingState>

export const OfferState = Type.Union(
  [Type.Literal('open'), Type.Literal('accepted'), Type.Literal('withdrawn'), Type.Literal('void')],
  {
    description:
      'open: funds held, the owner may accept; accepted: the trade happened; withdrawn: by its buyer; void: the meme was sold to someone else. Funds are freed when an offer stops being open.',
  },
)
export type OfferState = Static<typeof OfferState>

/** What a price means for each side. */
export const PriceBreakdown = Type.Object({
  priceSats: Type.Integer({ minimum: 1, description: 'What the buyer pays.' }),
  feeSats: Type.Integer({ minimum: 0, description: 'The platform fee, floor(price × feeBps / 10 000).' }),
  sellerReceivesSats: Type.Integer({ minimum: 1, description: 'price − fee.' }),
})
export type PriceBreakdown = Static<typeof PriceBreakdown>

export const MarketQuoteQuery = Type.Object({ priceSats: Type.Number() })
export type MarketQuoteQuery = Static<typeof MarketQuoteQuery>

export const MarketQuote = Type.Composite([
  PriceBreakdown,
  Type.Object({
    feeBps: Type.Integer({ minimum: 0, description: 'The platform fee in basis points (200 = 2%).' }),
    minimumPriceSats: Type.Integer({ minimum: 1 }),
  }),
])
export type MarketQuote = Static<typeof MarketQuote>

/** A meme as the marketplace shows it. */
export const MarketMeme = Type.Object({
  memeId: Type.String(),
  title: Type.String(),
  posterUrl: Type.String(),
  thumbnailUrl: Type.String(),
  creator: PersonView,
  owner: PersonView,
  /** Only memes that have been assigned to a round can be traded. */
  tradable: Type.Boolean(),
  ownerEarnedSats: Type.Integer({
    minimum: 0,
    description: 'What the meme has paid its owners so far: the owner share of every view.',
  }),
  creatorEarnedSats: Type.Integer({ minimum: 0, description: 'What it has paid its creator so far.' }),
})
export type MarketMeme = Static<typeof MarketMeme>

export const ListingView = Type.Composite([
  Type.Object({
    id: Type.String(),
    memeId: Type.String(),
    seller: PersonView,
    state: ListingState,
    tradeId: Nullable(Type.String()),
    createdAt: DateTime,
    closedAt: Nullable(DateTime),
  }),
  PriceBreakdown,
])
export type ListingView = Static<typeof ListingView>

export const OfferView = Type.Composite([
  Type.Object({
    id: Type.String(),
    memeId: Type.String(),
    buyer: PersonView,
    state: OfferState,
    tradeId: Nullable(Type.String()),
    createdAt: DateTime,
    closedAt: Nullable(DateTime),
  }),
  PriceBreakdown,
])
export type OfferView = Static<typeof OfferView>

export const TradeView = Type.Composite([
  Type.Object({
    id: Type.String(),
    memeId: Type.String(),
    title: Type.String(),
    seller: PersonView,
    buyer: PersonView,
    via: Type.Union([Type.Literal('listing'), Type.Literal('offer')]),
    listingId: Nullable(Type.String()),
    offerId: Nullable(Type.String()),
    transferIds: Type.Array(Type.String(), {
      description: 'The ledger transfers of the trade; each is provable at /api/v1/proofs/transfers/{id}.',
    }),
    createdAt: DateTime,
  }),
  PriceBreakdown,
])
export type TradeView = Static<typeof TradeView>

export const ListingSort = Type.Union(
  [Type.Literal('newest'), Type.Literal('price_asc'), Type.Literal('price_desc'), Type.Literal('earnings')],
  { default: 'newest', description: 'earnings: what the meme has paid its owners, most first.' },
)
export type ListingSort = Static<typeof ListingSort>

export const ListingsQuery = Type.Object({
  sort: Type.Optional(ListingSort),
  minPriceSats: Type.Optional(Type.Integer({ minimum: 0 })),
  maxPriceSats: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 0 })),
})
export type ListingsQuery = Static<typeof ListingsQuery>

export const MarketListing = Type.Object({ listing: ListingView, meme: MarketMeme })
export type MarketListing = Static<typeof MarketListing>

export const ListingsResponse = Type.Object({
  listings: Type.Array(MarketListing),
  feeBps: Type.Integer({ minimum: 0 }),
  minimumPriceSats: Type.Integer({ minimum: 1 }),
})
export type ListingsResponse = Static<typeof ListingsResponse>

export const PriceBody = Type.Object(
  { priceSats: Type.Number({ description: 'Whole satoshis, at least the marketplace minimum.' }) },
  { additionalProperties: false },
)
export type PriceBody = Static<typeof PriceBody>

export const IdempotencyHeaders = Type.Object({
  [IDEMPOTENCY_KEY_HEADER]: Type.Optional(
    Type.String({
      minLength: 8,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_-]{8,64}$',
      description:
        'Required. Made by the client, 8-64 of [A-Za-z0-9_-]; a retry with the same key returns the first result. A missing or malformed key answers IDEMPOTENCY_KEY_INVALID.',
    }),
  ),
})
export type IdempotencyHeaders = Static<typeof IdempotencyHeaders>

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
export type IdParams = Static<typeof IdParams>

export const OwnerPeriod = Type.Object({
  owner: PersonView,
  since: DateTime,
  /** The trade that made them the owner; null for the creator, the first owner. */
  tradeId: Nullable(Type.String()),
  priceSats: Nullable(Type.Integer({ minimum: 1 })),
})
export type OwnerPeriod = Static<typeof OwnerPeriod>

export const MemeEarningsDay = Type.Object({
  day: Type.String({ description: 'UTC date, YYYY-MM-DD.' }),
  ownerSats: Sats,
})
export type MemeEarningsDay = Static<typeof MemeEarningsDay>

export const MemeDetail = Type.Object({
  meme: MarketMeme,
  listing: Nullable(ListingView),
  /** Open offers, highest first. */
  offers: Type.Array(OfferView),
  /** Oldest first: the creator, then every buyer. */
  owners: Type.Array(OwnerPeriod),
  /** Trade prices, oldest first, for the price chart. */
  priceHistory: Type.Array(
    Type.Object({ at: DateTime, priceSats: Type.Integer({ minimum: 1 }), tradeId: Type.String() }),
  ),
  /** The owner share by UTC day over the last 90 days, oldest first, days with earnings only. */
  earningsDays: Type.Array(MemeEarningsDay),
  feeBps: Type.Integer({ minimum: 0 }),
  minimumPriceSats: Type.Integer({ minimum: 1 }),
})
export type MemeDetail = Static<typeof MemeDetail>

export const TradesResponse = Type.Object({ trades: Type.Array(TradeView, { description: 'Newest first.' }) })
export type TradesResponse = Static<typeof TradesResponse>

export const MyMeme = Type.Object({
  meme: MarketMeme,
  isCreator: Type.Boolean(),
  isOwner: Type.Boolean(),
  listing: Nullable(ListingView),
  /** Open offers, highest first (shown to the owner to accept). */
  offers: Type.Array(OfferView),
})
export type MyMeme = Static<typeof MyMeme>

export const MyMemesResponse = Type.Object({
  memes: Type.Array(MyMeme),
  feeBps: Type.Integer({ minimum: 0 }),
  minimumPriceSats: Type.Integer({ minimum: 1 }),
})
export type MyMemesResponse = Static<typeof MyMemesResponse>

export const MyOffer = Type.Object({
  offer: OfferView,
  title: Type.String(),
  thumbnailUrl: Type.String(),
})
export type MyOffer = Static<typeof MyOffer>

export const MyOffersResponse = Type.Object({ offers: Type.Array(MyOffer, { description: 'Newest first.' }) })
export type MyOffersResponse = Static<typeof MyOffersResponse>

export const MarketUpdateKind = Type.Union(
  [Type.Literal('listed'), Type.Literal('cancelled'), Type.Literal('sold'), Type.Literal('offer')],
  { description: 'sold: bought through a listing or an offer accepted; offer: one made or withdrawn.' },
)
export type MarketUpdateKind = Static<typeof MarketUpdateKind>

/** An event of the `market` channel: this meme's listing, offers or owner changed. */
export const MarketUpdate = Type.Object({ memeId: Type.String(), kind: MarketUpdateKind })
export type MarketUpdate = Static<typeof MarketUpdate>
