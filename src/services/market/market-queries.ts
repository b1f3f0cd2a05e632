/**
 * The read side of the marketplace (contracts/market.ts): listings to browse, a meme's page,
 * trade histories, and a user's memes and offers. Nothing here writes; each call is one to three
 * queries whatever the number of rows.
 *
 * What a meme has earned is the sum of the owner parts of its view streams. Every satoshi of
 * view revenue is split on a stream `view:<poolRound>:<memeId>:<ownerUserId>` (see
 * round-queries.ts), and the stream's row in split_streams keeps the running total of each part,
 * always equal to the sum of that part's `split.<part>` legs (src/ledger/streams.ts writes both in
 * one statement pair). Summing the stream rows, found through the split_streams_by_meme index,
 * gives the same figure as summing the legs without reading them all; the earnings series by day
 * does read the legs, by stream id (transfers_by_ref).
 *
 * Fees of listings and open offers are what a trade at that price would pay now; a trade shows
 * the fee it paid.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type {
  ListingsQuery,
  ListingView,
  MarketListing,
  MarketMeme,
  MemeDetail,
  MemeEarningsDay,
  MyMeme,
  MyOffer,
  OfferView,
  TradeView,
} from '../../../contracts/market.ts'
import type { PersonView } from '../../../contracts/rounds.ts'
import type { Database } from '../../adapters/db/schema.ts'
import { assert } from '../../domain/money.ts'
import {
  EARNINGS_DAYS,
  memeImages,
  parseViewStreamId,
  personView,
  SPLIT_CODES,
} from '../rounds/round-queries.ts'
import { splitPrice, tradeTransferIds } from './fees.ts'

export const DEFAULT_LISTINGS_LIMIT = 50
/** History lists (a meme's trades, a user's trades and offers) show this many, newest first. */
export const HISTORY_LIMIT = 100
const MS_PER_DAY = 86_400_000

// The SQL below finds a meme's streams by the third ':'-separated part of the stream id.
assert(parseViewStreamId('view:7:m_1:u_2')?.memeId === 'm_1', 'view streams are view:<round>:<meme>:<owner>')

/** The owner and creator parts of every view stream of meme `m` (the split_streams_by_meme index). */
const MEME_EARNINGS = sql`left join lateral (
    select sum(ss.owner_sats)::bigint as owner_sats, sum(ss.creator_sats)::bigint as creator_sats
    from split_streams ss where split_part(ss.id, ':', 3) = m.id and starts_with(ss.id, 'view:')
  ) e on true`

/** Columns of a meme card, from `memes m` joined to its creator `c`, owner `o` and earnings `e`. */
const MEME_COLUMNS = sql`m.id as meme_id, m.title, m.state as meme_state, m.animation, m.stored_sha256, m.stored_ext,
  c.id as creator_id, c.address as creator_address, c.identity_key as creator_identity_key,
  o.id as owner_id, o.address as owner_address, o.identity_key as owner_identity_key,
  coalesce(e.owner_sats, 0) as owner_earned, coalesce(e.creator_sats, 0) as creator_earned`

const MEME_JOINS = sql`join users c on c.id = m.creator_user_id
  join users o on o.id = m.owner_user_id
  ${MEME_EARNINGS}`

interface MemeColumns {
  meme_id: string
  title: string
  meme_state: string
  animation: unknown
  stored_sha256: string
  stored_ext: string
  creator_id: string
  creator_address: string | null
  creator_identity_key: string | null
  owner_id: string
  owner_address: string | null
  owner_identity_key: string | null
  owner_earned: number
  creator_earned: number
}

interface ListingRow {
  id: string
  meme_id: string
  price_sats: number
  state: ListingView['state']
  trade_id: string | null
  created_at: Date
  closed_at: Date | null
  seller_id: string
  seller_address: string | null
  seller_identity_key: string | null
}

interface OfferRow {
  id: string
  meme_id: string
  price_sats: number
  state: OfferView['state']
  trade_id: string | null
  created_at: Date
  closed_at: Date | null
  buyer_id: string
  buyer_address: string | null
  buyer_identity_key: string | null
}

interface TradeRow {
  id: string
  meme_id: string
  title: string
  price_sats: number
  fee_sats: number
  listing_id: string | null
  offer_id: string | null
  created_at: Date
  seller_id: string
  seller_address: string | null
  seller_identity_key: string | null
  buyer_id: string
  buyer_address: string | null
  buyer_identity_key: string | null
}

const LISTING_COLUMNS = sql`l.id, l.meme_id, l.price_sats, l.state, l.trade_id, l.created_at, l.closed_at,
  ls.id as seller_id, ls.address as seller_address, ls.identity_key as seller_identity_key`
const OFFER_COLUMNS = sql`f.id, f.meme_id, f.price_sats, f.state, f.trade_id, f.created_at, f.closed_at,
  fb.id as buyer_id, fb.address as buyer_address, fb.identity_key as buyer_identity_key`
const TRADE_SELECT = sql`select t.id, t.meme_id, tm.title, t.price_sats, t.fee_sats, t.listing_id, t.offer_id, t.created_at,
    ts.id as seller_id, ts.address as seller_address, ts.identity_key as seller_identity_key,
    tb.id as buyer_id, tb.address as buyer_address, tb.identity_key as buyer_identity_key
  from market_trades t
  join memes tm on tm.id = t.meme_id
  join users ts on ts.id = t.seller_user_id
  join users tb on tb.id = t.buyer_user_id`

export interface MarketQueriesOptions {
  /** config.money.platformFeeBps */
  feeBps: number
  /** config.money.marketMinPriceSats */
  minimumPriceSats: number
  now?: () => Date
}

function iso(value: Date | string): string {
  return new Date(value).toISOString()
}

function person(id: string, address: string | null, identityKey: string | null): PersonView {
  return personView({ id, address, identity_key: identityKey })
}

function toMarketMeme(row: MemeColumns): MarketMeme {
  return {
    memeId: row.meme_id,
    title: row.title,
    ...memeImages(row),
    creator: person(row.creator_id, row.creator_address, row.creator_identity_key),
    owner: person(row.owner_id, row.owner_address, row.owner_identity_key),
    tradable: row.meme_state === 'assigned',
    ownerEarnedSats: row.owner_earned,
    creatorEarnedSats: row.creator_earned,
  }
}

function toTradeView(row: TradeRow): TradeView {
  return {
    id: row.id,
    memeId: row.meme_id,
    title: row.title,
    seller: person(row.seller_id, row.seller_address, row.seller_identity_key),
    buyer: person(row.buyer_id, row.buyer_address, row.buyer_identity_key),
    via: row.listing_id === null ? 'offer' : 'listing',
    listingId: row.listing_id,
    offerId: row.offer_id,
    transferIds: tradeTransferIds(row.id, row.fee_sats),
    createdAt: iso(row.created_at),
    priceSats: row.price_sats,
    feeSats: row.fee_sats,
    sellerReceivesSats: row.price_sats - row.fee_sats,
  }
}

const SORTS: Record<NonNullable<ListingsQuery['sort']>, RawBuilder<unknown>> = {
  newest: sql`l.created_at desc, l.id`,
  price_asc: sql`l.price_sats asc, l.created_at desc, l.id`,
  price_desc: sql`l.price_sats desc, l.created_at desc, l.id`,
  earnings: sql`owner_earned desc, l.created_at desc, l.id`,
}

export class MarketQueries {
  private readonly now: () => Date

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: MarketQueriesOptions,
  ) {
    this.now = options.now ?? (() => new Date())
  }

  /** Active listings, filtered by price and sorted; each with its meme. */
  async listings(query: ListingsQuery): Promise<MarketListing[]> {
    const min = query.minPriceSats === undefined ? sql`true` : sql`l.price_sats >= ${query.minPriceSats}`
    const max = query.maxPriceSats === undefined ? sql`true` : sql`l.price_sats <= ${query.maxPriceSats}`
    const { rows } = await sql<ListingRow & MemeColumns>`
      select ${LISTING_COLUMNS}, ${MEME_COLUMNS}
      from market_listings l
      join users ls on ls.id = l.seller_user_id
      join memes m on m.id = l.meme_id
      ${MEME_JOINS}
      where l.state = 'active' and ${min} and ${max}
      order by ${SORTS[query.sort ?? 'newest']}
      limit ${query.limit ?? DEFAULT_LISTINGS_LIMIT} offset ${query.offset ?? 0}`.execute(this.db)
    return rows.map((r) => ({ listing: this.toListingView(r), meme: toMarketMeme(r) }))
  }

  async listing(id: string): Promise<ListingView | undefined> {
    const { rows } = await sql<ListingRow>`
      select ${LISTING_COLUMNS} from market_listings l join users ls on ls.id = l.seller_user_id
      where l.id = ${id}`.execute(this.db)
    return rows[0] && this.toListingView(rows[0])
  }

  async offer(id: string): Promise<OfferView | undefined> {
    const { rows } = await sql<OfferRow>`
      select ${OFFER_COLUMNS} from market_offers f join users fb on fb.id = f.buyer_user_id
      where f.id = ${id}`.execute(this.db)
    return rows[0] && this.toOfferView(rows[0])
  }

  async trade(id: string): Promise<TradeView | undefined> {
    const { rows } = await sql<TradeRow>`${TRADE_SELECT} where t.id = ${id}`.execute(this.db)
    return rows[0] && toTradeView(rows[0])
  }

  /** A meme's trades, newest first; undefined when there is no such meme. */
  async tradesOfMeme(memeId: string): Promise<TradeView[] | undefined> {
    const [meme, trades] = await Promise.all([
      this.db.selectFrom('memes').select('id').where('id', '=', memeId).executeTakeFirst(),
      sql<TradeRow>`${TRADE_SELECT} where t.meme_id = ${memeId}
        order by t.seq desc limit ${HISTORY_LIMIT}`.execute(this.db),
    ])
    return meme && trades.rows.map(toTradeView)
  }

  /** Trades a user bought or sold in, newest first. */
  async tradesOfUser(userId: string): Promise<TradeView[]> {
    const { rows } = await sql<TradeRow>`${TRADE_SELECT}
      where t.id in (
        (select id from market_trades where seller_user_id = ${userId} order by seq desc limit ${HISTORY_LIMIT})
        union all
        (select id from market_trades where buyer_user_id = ${userId} order by seq desc limit ${HISTORY_LIMIT}))
      order by t.seq desc limit ${HISTORY_LIMIT}`.execute(this.db)
    return rows.map(toTradeView)
  }

  /** A meme's page; undefined when there is no such meme. */
  async memeDetail(memeId: string): Promise<MemeDetail | undefined> {
    const { rows } = await sql<MemeColumns & { created_at: Date }>`
      select ${MEME_COLUMNS}, m.created_at from memes m ${MEME_JOINS} where m.id = ${memeId}`.execute(this.db)
    const meme = rows[0]
    if (!meme) return undefined
    const [listings, offers, trades, earningsDays] = await Promise.all([
      this.activeListings([memeId]),
      this.openOffers([memeId]),
      sql<TradeRow>`${TRADE_SELECT} where t.meme_id = ${memeId} order by t.seq`.execute(this.db),
      this.earningsDays(memeId),
    ])
    const history = trades.rows.map(toTradeView)
    return {
      meme: toMarketMeme(meme),
      listing: listings.get(memeId) ?? null,
      offers: offers.get(memeId) ?? [],
      owners: [
        {
          owner: person(meme.creator_id, meme.creator_address, meme.creator_identity_key),
          since: iso(meme.created_at),
          tradeId: null,
          priceSats: null,
        },
        ...history.map((t) => ({
          owner: t.buyer,
          since: t.createdAt,
          tradeId: t.id,
          priceSats: t.priceSats,
        })),
      ],
      priceHistory: history.map((t) => ({ at: t.createdAt, priceSats: t.priceSats, tradeId: t.id })),
      earningsDays,
      feeBps: this.options.feeBps,
      minimumPriceSats: this.options.minimumPriceSats,
    }
  }

  /** Memes the user owns or created, newest first, with their active listing and open offers. */
  async memesOfUser(userId: string): Promise<MyMeme[]> {
    const { rows } = await sql<MemeColumns>`
      select ${MEME_COLUMNS} from memes m ${MEME_JOINS}
      where m.id in (select id from memes where owner_user_id = ${userId}
                     union select id from memes where creator_user_id = ${userId})
      order by m.created_at desc, m.id`.execute(this.db)
    const ids = rows.map((r) => r.meme_id)
    const [listings, offers] = await Promise.all([this.activeListings(ids), this.openOffers(ids)])
    return rows.map((r) => ({
      meme: toMarketMeme(r),
      isCreator: r.creator_id === userId,
      isOwner: r.owner_id === userId,
      listing: listings.get(r.meme_id) ?? null,
      offers: offers.get(r.meme_id) ?? [],
    }))
  }

  /** Offers the user made, newest first, with the meme's title and thumbnail. */
  async offersOfUser(userId: string): Promise<MyOffer[]> {
    const { rows } = await sql<OfferRow & MemeColumns>`
      select ${OFFER_COLUMNS}, m.title, m.animation, m.stored_sha256, m.stored_ext
      from market_offers f
      join users fb on fb.id = f.buyer_user_id
      join memes m on m.id = f.meme_id
      where f.buyer_user_id = ${userId}
      order by f.created_at desc, f.id
      limit ${HISTORY_LIMIT}`.execute(this.db)
    return rows.map((r) => ({
      offer: this.toOfferView(r),
      title: r.title,
      thumbnailUrl: memeImages(r).thumbnailUrl,
    }))
  }

  /** The owner share by UTC day within the last EARNINGS_DAYS days, oldest first. */
  private async earningsDays(memeId: string): Promise<MemeEarningsDay[]> {
    const now = this.now()
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
    const since = new Date(today - (EARNINGS_DAYS - 1) * MS_PER_DAY)
    const { rows } = await sql<{ day: string; sats: number }>`
      select to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, sum(t.amount_sats)::bigint as sats
      from split_streams ss
      join transfers t on t.ref = ss.id
      where split_part(ss.id, ':', 3) = ${memeId} and starts_with(ss.id, 'view:')
        and t.code = ${SPLIT_CODES.owner} and t.created_at >= ${since}
      group by day
      order by day`.execute(this.db)
    return rows.map((r) => ({ day: r.day, ownerSats: r.sats }))
  }

  private async activeListings(memeIds: readonly string[]): Promise<Map<string, ListingView>> {
    if (memeIds.length === 0) return new Map()
    const { rows } = await sql<ListingRow>`
      select ${LISTING_COLUMNS} from market_listings l join users ls on ls.id = l.seller_user_id
      where l.meme_id = any(${[...memeIds]}::text[]) and l.state = 'active'`.execute(this.db)
    return new Map(rows.map((r) => [r.meme_id, this.toListingView(r)]))
  }

  /** Open offers per meme, highest first (ties: oldest first). */
  private async openOffers(memeIds: readonly string[]): Promise<Map<string, OfferView[]>> {
    const byMeme = new Map<string, OfferView[]>()
    if (memeIds.length === 0) return byMeme
    const { rows } = await sql<OfferRow>`
      select ${OFFER_COLUMNS} from market_offers f join users fb on fb.id = f.buyer_user_id
      where f.meme_id = any(${[...memeIds]}::text[]) and f.state = 'open'
      order by f.price_sats desc, f.created_at, f.id`.execute(this.db)
    for (const r of rows) {
      const list = byMeme.get(r.meme_id) ?? []
      list.push(this.toOfferView(r))
      byMeme.set(r.meme_id, list)
    }
    return byMeme
  }

  private toListingView(row: ListingRow): ListingView {
    return {
      id: row.id,
      memeId: row.meme_id,
      seller: person(row.seller_id, row.seller_address, row.seller_identity_key),
      state: row.state,
      tradeId: row.trade_id,
      createdAt: iso(row.created_at),
      closedAt: row.closed_at && iso(row.closed_at),
      ...splitPrice(row.price_sats, this.options.feeBps),
    }
  }

  private toOfferView(row: OfferRow): OfferView {
    return {
      id: row.id,
      memeId: row.meme_id,
      buyer: person(row.buyer_id, row.buyer_address, row.buyer_identity_key),
      state: row.state,
      tradeId: row.trade_id,
      createdAt: iso(row.created_at),
      closedAt: row.closed_at && iso(row.closed_at),
      ...splitPrice(row.price_sats, this.options.feeBps),
    }
  }
}
