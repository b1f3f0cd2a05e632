/**
 * Queries on listings, offers and trades (migration 0010): one query per method, no product
 * rules, except `inMemeTransaction`, which is one database transaction that starts by locking
 * the meme. Methods that take a `Trx` run inside a ledger transaction (Ledger.transfer's,
 * createHold's or captureHold's `alsoWrite`), so the rows commit with the money or not at all.
 *
 * Every writer that changes who may trade a meme locks the meme row first (`lockMeme`), then
 * its listing and offers: listing, buying, bidding and accepting on one meme take turns, and
 * the order of locks is the same everywhere (ledger accounts or hold, then meme, then listing,
 * then offers), so they cannot deadlock one another.
 */
import { type Kysely, type Selectable, sql } from 'kysely'
import type {
  Database,
  MarketListingsTable,
  MarketOffersTable,
  MarketTradesTable,
  MemeState,
} from '../../adapters/db/schema.ts'
import type { Trx } from '../../ledger/ledger.ts'

type MarketTable = 'market_listings' | 'market_offers' | 'market_trades'

export interface Listing {
  id: string
  memeId: string
  sellerUserId: string
  priceSats: number
  state: 'active' | 'sold' | 'cancelled' | 'closed'
  tradeId: string | null
  createdAt: Date
  closedAt: Date | null
}

export interface Offer {
  id: string
  memeId: string
  buyerUserId: string
  priceSats: number
  holdId: string
  state: 'open' | 'accepted' | 'withdrawn' | 'void'
  tradeId: string | null
  createdAt: Date
  closedAt: Date | null
}

export interface Trade {
  id: string
  memeId: string
  sellerUserId: string
  buyerUserId: string
  priceSats: number
  feeSats: number
  listingId: string | null
  offerId: string | null
  createdAt: Date
}

/** What the rules need to know about a meme. */
export interface MarketMemeRow {
  id: string
  state: MemeState
  ownerUserId: string
  creatorUserId: string
}

/** What listings and offers have alike: a state, the trade that closed them, and when. */
function lifecycle<S>(row: { state: S; trade_id: string | null; created_at: Date; closed_at: Date | null }) {
  return {
    state: row.state,
    tradeId: row.trade_id,
    createdAt: new Date(row.created_at),
    closedAt: row.closed_at && new Date(row.closed_at),
  }
}

function toListing(row: Selectable<MarketListingsTable>): Listing {
  return {
    id: row.id,
    memeId: row.meme_id,
    sellerUserId: row.seller_user_id,
    priceSats: row.price_sats,
    ...lifecycle(row),
  }
}

function toOffer(row: Selectable<MarketOffersTable>): Offer {
  return {
    id: row.id,
    memeId: row.meme_id,
    buyerUserId: row.buyer_user_id,
    priceSats: row.price_sats,
    holdId: row.hold_id,
    ...lifecycle(row),
  }
}

function toTrade(row: Selectable<MarketTradesTable>): Trade {
  return {
    id: row.id,
    memeId: row.meme_id,
    sellerUserId: row.seller_user_id,
    buyerUserId: row.buyer_user_id,
    priceSats: row.price_sats,
    feeSats: row.fee_sats,
    listingId: row.listing_id,
    offerId: row.offer_id,
    createdAt: new Date(row.created_at),
  }
}

export class MarketRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `work` in one transaction that holds the meme's row lock (undefined: no such meme). */
  inMemeTransaction<T>(
    memeId: string,
    work: (trx: Trx, meme: MarketMemeRow | undefined) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction().execute(async (trx) => work(trx, await this.lockMeme(trx, memeId)))
  }

  meme(id: string): Promise<MarketMemeRow | undefined> {
    return this.memeRow(id)
  }

  lockMeme(trx: Trx, id: string): Promise<MarketMemeRow | undefined> {
    return this.memeRow(id, trx)
  }

  /** The meme, read on its own or, inside `trx`, under its row lock. */
  private async memeRow(id: string, trx?: Trx): Promise<MarketMemeRow | undefined> {
    const query = (trx ?? this.db)
      .selectFrom('memes')
      .select(['id', 'state', 'owner_user_id', 'creator_user_id'])
      .where('id', '=', id)
    const row = await (trx ? query.forUpdate() : query).executeTakeFirst()
    return (
      row && {
        id: row.id,
        state: row.state,
        ownerUserId: row.owner_user_id,
        creatorUserId: row.creator_user_id,
      }
    )
  }

  /**
   * A listing, offer or trade by id, read on its own or, inside `trx`, under its row lock. The
   * three tables share the `id` column; the cast only tells Kysely which one to type the query by.
   */
  private async rowById<T extends MarketTable>(
    table: T,
    id: string,
    trx?: Trx,
  ): Promise<Selectable<Database[T]> | undefined> {
    const query = (trx ?? this.db)
      .selectFrom(table as MarketTable as 'market_listings')
      .selectAll()
      .where('id', '=', id)
    return (await (trx ? query.forUpdate() : query).executeTakeFirst()) as Selectable<Database[T]> | undefined
  }

  /** Moves the meme from `from` to `to`; false when `from` no longer owns it. */
  async moveOwner(trx: Trx, memeId: string, from: string, to: string): Promise<boolean> {
    const result = await trx
      .updateTable('memes')
      .set({ owner_user_id: to })
      .where('id', '=', memeId)
      .where('owner_user_id', '=', from)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async isFrozen(userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('users')
      .select('frozen_at')
      .where('id', '=', userId)
      .executeTakeFirst()
    return row?.frozen_at != null
  }

  // Listings

  async listing(id: string): Promise<Listing | undefined> {
    const row = await this.rowById('market_listings', id)
    return row && toListing(row)
  }

  async lockListing(trx: Trx, id: string): Promise<Listing | undefined> {
    const row = await this.rowById('market_listings', id, trx)
    return row && toListing(row)
  }

  async activeListingOf(trx: Trx, memeId: string): Promise<Listing | undefined> {
    const row = await trx
      .selectFrom('market_listings')
      .selectAll()
      .where('meme_id', '=', memeId)
      .where('state', '=', 'active')
      .executeTakeFirst()
    return row && toListing(row)
  }

  async insertListing(
    trx: Trx,
    listing: { id: string; memeId: string; sellerUserId: string; priceSats: number },
    now: Date,
  ): Promise<void> {
    await trx
      .insertInto('market_listings')
      .values({
        id: listing.id,
        meme_id: listing.memeId,
        seller_user_id: listing.sellerUserId,
        price_sats: listing.priceSats,
        created_at: now,
      })
      .execute()
  }

  /** Cancels the listing if it is still active and `sellerUserId`'s; undefined otherwise. */
  async cancelListing(id: string, sellerUserId: string, now: Date): Promise<Listing | undefined> {
    const row = await this.db
      .updateTable('market_listings')
      .set({ state: 'cancelled', closed_at: now })
      .where('id', '=', id)
      .where('seller_user_id', '=', sellerUserId)
      .where('state', '=', 'active')
      .returningAll()
      .executeTakeFirst()
    return row && toListing(row)
  }

  async markListingSold(trx: Trx, id: string, tradeId: string, now: Date): Promise<void> {
    await trx
      .updateTable('market_listings')
      .set({ state: 'sold', trade_id: tradeId, closed_at: now })
      .where('id', '=', id)
      .where('state', '=', 'active')
      .execute()
  }

  /** Closes the meme's active listing, if any: the meme changed hands another way. */
  async closeActiveListing(trx: Trx, memeId: string, now: Date): Promise<void> {
    await trx
      .updateTable('market_listings')
      .set({ state: 'closed', closed_at: now })
      .where('meme_id', '=', memeId)
      .where('state', '=', 'active')
      .execute()
  }

  // Offers

  async offer(id: string): Promise<Offer | undefined> {
    const row = await this.rowById('market_offers', id)
    return row && toOffer(row)
  }

  async lockOffer(trx: Trx, id: string): Promise<Offer | undefined> {
    const row = await this.rowById('market_offers', id, trx)
    return row && toOffer(row)
  }

  async openOfferOf(
    memeId: string,
    buyerUserId: string,
    trx: Kysely<Database> = this.db,
  ): Promise<Offer | undefined> {
    const row = await trx
      .selectFrom('market_offers')
      .selectAll()
      .where('meme_id', '=', memeId)
      .where('buyer_user_id', '=', buyerUserId)
      .where('state', '=', 'open')
      .executeTakeFirst()
    return row && toOffer(row)
  }

  async insertOffer(
    trx: Trx,
    offer: { id: string; memeId: string; buyerUserId: string; priceSats: number; holdId: string },
    now: Date,
  ): Promise<void> {
    await trx
      .insertInto('market_offers')
      .values({
        id: offer.id,
        meme_id: offer.memeId,
        buyer_user_id: offer.buyerUserId,
        price_sats: offer.priceSats,
        hold_id: offer.holdId,
        created_at: now,
      })
      .execute()
  }

  async markOfferAccepted(trx: Trx, id: string, tradeId: string, now: Date): Promise<void> {
    await trx
      .updateTable('market_offers')
      .set({ state: 'accepted', trade_id: tradeId, closed_at: now })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .execute()
  }

  /** Withdraws the offer if it is still open and `buyerUserId`'s; undefined otherwise. */
  async withdrawOffer(id: string, buyerUserId: string, now: Date): Promise<Offer | undefined> {
    const row = await this.db
      .updateTable('market_offers')
      .set({ state: 'withdrawn', closed_at: now })
      .where('id', '=', id)
      .where('buyer_user_id', '=', buyerUserId)
      .where('state', '=', 'open')
      .returningAll()
      .executeTakeFirst()
    return row && toOffer(row)
  }

  /** Voids every open offer on the meme and answers their holds, to be released, and buyers. */
  async voidOpenOffers(
    trx: Trx,
    memeId: string,
    now: Date,
  ): Promise<Array<{ holdId: string; buyerUserId: string }>> {
    const rows = await trx
      .updateTable('market_offers')
      .set({ state: 'void', closed_at: now })
      .where('meme_id', '=', memeId)
      .where('state', '=', 'open')
      .returning(['hold_id', 'buyer_user_id'])
      .execute()
    return rows.map((r) => ({ holdId: r.hold_id, buyerUserId: r.buyer_user_id }))
  }

  /**
   * Holds still open behind offers that are not (withdrawn or void, and a crash came between
   * that decision and the release). Read from the open holds, which are few.
   */
  async holdsOfClosedOffers(limit: number): Promise<string[]> {
    const { rows } = await sql<{ hold_id: string }>`
      select o.hold_id from holds h join market_offers o on o.hold_id = h.id
      where h.state = 'open' and o.state <> 'open'
      order by o.hold_id
      limit ${limit}`.execute(this.db)
    return rows.map((r) => r.hold_id)
  }

  // Trades

  async trade(id: string): Promise<Trade | undefined> {
    const row = await this.rowById('market_trades', id)
    return row && toTrade(row)
  }

  async insertTrade(trx: Trx, trade: Trade): Promise<void> {
    await trx
      .insertInto('market_trades')
      .values({
        id: trade.id,
        meme_id: trade.memeId,
        seller_user_id: trade.sellerUserId,
        buyer_user_id: trade.buyerUserId,
        price_sats: trade.priceSats,
        fee_sats: trade.feeSats,
        listing_id: trade.listingId,
        offer_id: trade.offerId,
        created_at: trade.createdAt,
      })
      .execute()
  }
}
