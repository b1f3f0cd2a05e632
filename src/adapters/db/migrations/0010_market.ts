import { type Kysely, sql } from 'kysely'

/**
 * The marketplace (SPEC 2 "Marketplace"): listings, offers and trades of meme ownership.
 *
 * `market_listings`: an owner's asking price. State moves active → sold (bought through this
 * listing), cancelled (by its seller) or closed (the meme changed hands through an accepted
 * offer). A partial unique index keeps one active listing per meme. The price of a listing
 * never changes, so its id pins the price a buyer saw: a stale id answers "not active".
 *
 * `market_offers`: a buyer's bid, paid for by a ledger hold (`hold_id`) while it is open. State
 * moves open → accepted, withdrawn (by its buyer) or void (the meme was sold to someone else).
 * The offer row is the decision; its hold follows it (captured on acceptance in the same
 * transaction, released right after a withdrawal or a void, and by a sweep after a crash). One
 * open offer per buyer and meme.
 *
 * `market_trades`: one row per change of ownership, written in the same transaction as its
 * ledger transfers (`trade:<id>:price`, `trade:<id>:fee`) and the move of memes.owner_user_id.
 * Exactly one of listing_id and offer_id says how it came about, and each listing or offer
 * leads to at most one trade. `seq` orders trades written within the same instant.
 *
 * `split_streams_by_meme`: what a meme has earned is the sum of its view streams' owner parts
 * (stream ids are `view:<poolRound>:<memeId>:<ownerUserId>`); the browse page sorts by it.
 * `memes_by_owner`: "my memes".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table market_listings (
      id text primary key,
      meme_id text not null references memes(id),
      seller_user_id text not null references users(id),
      price_sats bigint not null,
      state text not null default 'active',
      trade_id text,
      created_at timestamptz not null,
      closed_at timestamptz,
      constraint market_listings_state_known check (state in ('active', 'sold', 'cancelled', 'closed')),
      constraint market_listings_price_positive check (price_sats > 0),
      constraint market_listings_closed_at_when_closed check ((state = 'active') = (closed_at is null)),
      constraint market_listings_trade_when_sold check ((state = 'sold') = (trade_id is not null))
    )`.execute(db)
  await sql`create unique index market_listings_one_active on market_listings (meme_id) where state = 'active'`.execute(
    db,
  )
  await sql`create index market_listings_active_by_price on market_listings (price_sats) where state = 'active'`.execute(
    db,
  )
  await sql`create index market_listings_active_by_created on market_listings (created_at) where state = 'active'`.execute(
    db,
  )
  await sql`create index market_listings_by_meme on market_listings (meme_id, created_at)`.execute(db)

  await sql`
    create table market_offers (
      id text primary key,
      meme_id text not null references memes(id),
      buyer_user_id text not null references users(id),
      price_sats bigint not null,
      hold_id text not null unique references holds(id),
      state text not null default 'open',
      trade_id text,
      created_at timestamptz not null,
      closed_at timestamptz,
      constraint market_offers_state_known check (state in ('open', 'accepted', 'withdrawn', 'void')),
      constraint market_offers_price_positive check (price_sats > 0),
      constraint market_offers_closed_at_when_closed check ((state = 'open') = (closed_at is null)),
      constraint market_offers_trade_when_accepted check ((state = 'accepted') = (trade_id is not null))
    )`.execute(db)
  await sql`create unique index market_offers_one_open_per_buyer on market_offers (meme_id, buyer_user_id)
            where state = 'open'`.execute(db)
  await sql`create index market_offers_by_buyer on market_offers (buyer_user_id, created_at desc)`.execute(db)

  await sql`
    create table market_trades (
      id text primary key,
      seq bigserial not null unique,
      meme_id text not null references memes(id),
      seller_user_id text not null references users(id),
      buyer_user_id text not null references users(id),
      price_sats bigint not null,
      fee_sats bigint not null,
      listing_id text references market_listings(id),
      offer_id text references market_offers(id),
      created_at timestamptz not null,
      constraint market_trades_one_source check ((listing_id is null) <> (offer_id is null)),
      constraint market_trades_fee_within_price check (fee_sats >= 0 and fee_sats < price_sats),
      constraint market_trades_two_parties check (seller_user_id <> buyer_user_id)
    )`.execute(db)
  await sql`create unique index market_trades_per_listing on market_trades (listing_id) where listing_id is not null`.execute(
    db,
  )
  await sql`create unique index market_trades_per_offer on market_trades (offer_id) where offer_id is not null`.execute(
    db,
  )
  await sql`create index market_trades_by_meme on market_trades (meme_id, seq)`.execute(db)
  await sql`create index market_trades_by_seller on market_trades (seller_user_id, seq)`.execute(db)
  await sql`create index market_trades_by_buyer on market_trades (buyer_user_id, seq)`.execute(db)

  await sql`create index split_streams_by_meme on split_streams (split_part(id, ':', 3))`.execute(db)
  await sql`create index memes_by_owner on memes (owner_user_id)`.execute(db)
}
