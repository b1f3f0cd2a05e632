/**
 * The marketplace on a real database. Proves that:
 *  - a purchase moves exactly the price from the buyer, the price less the fee to the seller and
 *    the fee to the platform, moves the meme to the buyer and closes the listing, with a retry
 *    answering the first trade and moving nothing;
 *  - an offer holds its price while open, is paid from that hold when accepted (closing the
 *    meme's listing and voiding the other offers, whose holds are released), and frees it when
 *    withdrawn; a crash between a withdrawal and its release is healed by the sweep;
 *  - every kind of bad input (negative, zero, fractional, huge, non-numeric prices, prices below
 *    the minimum, buying or bidding on one's own meme, unlisted, sold or unknown memes, stale
 *    listing ids, listing a meme one does not own, a second active listing, bad keys) answers
 *    its code and moves nothing: not a satoshi, not an owner, not a row;
 *  - browsing sorts and filters listings, a meme's earnings equal its split.owner legs, and the
 *    trade histories list what happened with the ledger transfers behind each trade;
 *  - random sequences of listings, offers, purchases, cancels, accepts and withdrawals by several
 *    users agree with a model at every step: one owner per meme, conservation, exact fees, no
 *    negative balance, held funds equal to open offers;
 *  - races (separate connection pools on PostgreSQL, serialised on PGlite): of several buyers of
 *    one listing exactly one is charged; a cancel racing a purchase, and an acceptance racing a
 *    purchase, leave one consistent outcome; offers made while the meme is sold are either voided
 *    with their holds released or stay open for the new owner.
 */
import { createHash, randomUUID } from 'node:crypto'
import { PrivateKey } from '@bsv/sdk'
import fc from 'fast-check'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Db, openDatabase } from '../../src/adapters/db/database.ts'
import type { Database } from '../../src/adapters/db/schema.ts'
import { MAX_SUPPLY_SATS } from '../../src/domain/money.ts'
import { PLATFORM_FEES_ACCOUNT, userAccountId } from '../../src/ledger/accounts.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import { tradeFeeSats } from '../../src/services/market/fees.ts'
import { MarketRepository } from '../../src/services/market/market.repository.ts'
import {
  MarketService,
  type MarketServiceOptions,
  offerHoldId,
} from '../../src/services/market/market.service.ts'
import { MarketQueries } from '../../src/services/market/market-queries.ts'
import { viewStreamId } from '../../src/services/rounds/round-queries.ts'
import { SimClock } from '../sim/harness.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext, uid } from '../support/ledger.ts'

const FEE_BPS = 200
const MIN_PRICE = 1_000
const clock = new SimClock(Date.parse('2026-11-26T12:00:00Z'))

let db: TestDb
let ctx: LedgerContext
let market: MarketService
let queries: MarketQueries
const extraPools: Db[] = []

function newMarket(kysely: Kysely<Database>, overrides: Partial<MarketServiceOptions> = {}): MarketService {
  const marketQueries = new MarketQueries(kysely, {
    feeBps: FEE_BPS,
    minimumPriceSats: MIN_PRICE,
    now: clock.now,
  })
  return new MarketService({
    repository: new MarketRepository(kysely),
    views: marketQueries,
    ledger: new Ledger(kysely, { now: clock.now }),
    feeBps: FEE_BPS,
    minimumPriceSats: MIN_PRICE,
    now: clock.now,
    ...overrides,
  })
}

/** Services for parallel writers: each on its own pool on PostgreSQL, as separate processes are. */
async function parallelMarkets(count: number): Promise<MarketService[]> {
  const markets: MarketService[] = []
  for (let i = 0; i < count; i++) {
    if (db.url) {
      const pool = await openDatabase({ url: db.url, schema: db.schema, poolSize: 2 })
      extraPools.push(pool)
      markets.push(newMarket(pool.kysely))
    } else {
      markets.push(newMarket(db.kysely))
    }
  }
  return markets
}

beforeAll(async () => {
  db = await openTestDb()
  ctx = await new LedgerContext(db, { now: clock.now }).init()
  market = newMarket(db.kysely)
  queries = new MarketQueries(db.kysely, { feeBps: FEE_BPS, minimumPriceSats: MIN_PRICE, now: clock.now })
})
afterAll(async () => {
  for (const pool of extraPools) await pool.close()
  await db?.close()
})

async function newUser(sats = 0): Promise<string> {
  const id = randomUUID()
  await sql`insert into users (id, identity_key, created_at)
            values (${id}, ${PrivateKey.fromRandom().toPublicKey().toString()}, ${clock.now()})`.execute(
    db.kysely,
  )
  await ctx.ledger.ensureAccounts([{ id: userAccountId(id), kind: 'user' }])
  if (sats > 0) await fund(id, sats)
  return id
}

async function fund(userId: string, sats: number): Promise<void> {
  const result = await ctx.ledger.transfer([
    {
      id: uid('fund-'),
      debitAccountId: FUNDING_ACCOUNT,
      creditAccountId: userAccountId(userId),
      amountSats: sats,
      code: 'deposit',
    },
  ])
  expect(result.status).toBe('ok')
}

/** A meme straight in the table; 'assigned' (in a round) is the state in which it can be traded. */
async function newMeme(creator: string, state: 'assigned' | 'approved' = 'assigned'): Promise<string> {
  const id = `m_${randomUUID().slice(0, 12)}`
  const sha = createHash('sha256').update(id).digest('hex')
  clock.advance(1)
  await sql`insert into memes (id, creator_user_id, owner_user_id, title, tags, state, original_sha256, original_format,
              original_width, original_height, original_bytes, stored_sha256, stored_ext, phash, created_at, updated_at)
            values (${id}, ${creator}, ${creator}, ${`meme ${id}`}, '[]', ${state}, ${sha}, 'png', 1920, 1080, 1, ${sha},
              'png', '0000000000000000', ${clock.now()}, ${clock.now()})`.execute(db.kysely)
  return id
}

async function ownerOf(memeId: string): Promise<string> {
  const row = await db.kysely
    .selectFrom('memes')
    .select('owner_user_id')
    .where('id', '=', memeId)
    .executeTakeFirstOrThrow()
  return row.owner_user_id
}

async function account(userId: string): Promise<{ balance: number; available: number; held: number }> {
  const a = await ctx.ledger.getAccount(userId.includes(':') ? userId : userAccountId(userId))
  return { balance: a?.balanceSats ?? 0, available: a?.availableSats ?? 0, held: a?.heldSats ?? 0 }
}

const balance = async (userId: string) => (await account(userId)).balance
const fees = () => ctx.balance(PLATFORM_FEES_ACCOUNT)

/** Everything a refused request must leave as it was. */
async function snapshot() {
  const [accounts, memes, listings, offers, trades, holds, transfers] = await Promise.all([
    db.kysely.selectFrom('accounts').select(['id', 'balance_sats', 'held_sats']).orderBy('id').execute(),
    db.kysely.selectFrom('memes').select(['id', 'owner_user_id']).orderBy('id').execute(),
    db.kysely.selectFrom('market_listings').select(['id', 'state']).orderBy('id').execute(),
    db.kysely.selectFrom('market_offers').select(['id', 'state']).orderBy('id').execute(),
    db.kysely.selectFrom('market_trades').select('id').orderBy('id').execute(),
    db.kysely.selectFrom('holds').select(['id', 'state']).orderBy('id').execute(),
    sql<{ n: number }>`select count(*)::bigint as n from transfers`.execute(db.kysely),
  ])
  return { accounts, memes, listings, offers, trades, holds, transfers: transfers.rows[0]?.n }
}

function ok<T extends { status: string }>(result: T, status = 'created') {
  expect(result.status, JSON.stringify(result)).toBe(status)
  return result as Extract<T, { status: 'created' | 'existing' | 'ok' }>
}

async function listed(seller: string, price: number, memeId?: string) {
  const meme = memeId ?? (await newMeme(seller))
  const { listing } = ok(await market.list(seller, meme, price)) as { listing: { id: string } }
  return { meme, listingId: listing.id }
}

describe('buying a listed meme', () => {
  it('moves the price, the proceeds and the fee exactly, moves the meme and closes the listing', async () => {
    const seller = await newUser()
    const buyer = await newUser(50_000)
    const { meme, listingId } = await listed(seller, 12_345)
    const feesBefore = await fees()
    const sum = await ctx.ledger.sumOfBalances()

    const result = ok(await market.purchase(buyer, listingId, 'buy-key-0001'))
    const fee = 246 // floor(12 345 × 2%) = floor(246.9)
    expect(result.trade).toMatchObject({
      memeId: meme,
      priceSats: 12_345,
      feeSats: fee,
      sellerReceivesSats: 12_345 - fee,
      via: 'listing',
      listingId,
      offerId: null,
      seller: { id: seller },
      buyer: { id: buyer },
    })
    expect(await balance(buyer)).toBe(50_000 - 12_345)
    expect(await balance(seller)).toBe(12_345 - fee)
    expect((await fees()) - feesBefore).toBe(fee)
    expect(await ctx.ledger.sumOfBalances()).toBe(sum)
    expect(await ownerOf(meme)).toBe(buyer)
    expect(await queries.listing(listingId)).toMatchObject({ state: 'sold', tradeId: result.trade.id })

    // The trade is ledger transfers: provable records with the trade's codes.
    const transfers = await db.kysely
      .selectFrom('transfers')
      .select(['id', 'debit_account_id', 'credit_account_id', 'amount_sats', 'code'])
      .where('id', 'in', result.trade.transferIds)
      .orderBy('seq')
      .execute()
    expect(transfers).toEqual([
      {
        id: `trade:${result.trade.id}:price`,
        debit_account_id: userAccountId(buyer),
        credit_account_id: userAccountId(seller),
        amount_sats: 12_345,
        code: 'trade',
      },
      {
        id: `trade:${result.trade.id}:fee`,
        debit_account_id: userAccountId(seller),
        credit_account_id: PLATFORM_FEES_ACCOUNT,
        amount_sats: fee,
        code: 'trade_fee',
      },
    ])

    // A retry with the key answers the same trade and moves nothing; another request with it is refused.
    const other = await listed(seller, 2_000)
    const before = await snapshot()
    const retry = ok(await market.purchase(buyer, listingId, 'buy-key-0001'), 'existing')
    expect(retry.trade.id).toBe(result.trade.id)
    expect(await market.purchase(buyer, other.listingId, 'buy-key-0001')).toEqual({
      status: 'IDEMPOTENCY_KEY_REUSED',
    })
    expect(await snapshot()).toEqual(before)
  })

  it('lets the owner cancel, answers a repeated cancel with the cancelled listing, and relist at a new price', async () => {
    const seller = await newUser()
    const buyer = await newUser(10_000)
    const { meme, listingId } = await listed(seller, 5_000)
    expect(ok(await market.cancel(seller, listingId), 'ok').listing).toMatchObject({ state: 'cancelled' })
    expect(ok(await market.cancel(seller, listingId), 'ok').listing.state).toBe('cancelled')
    expect(await market.purchase(buyer, listingId, 'stale-key-01')).toEqual({ status: 'LISTING_NOT_ACTIVE' })
    const relisted = await listed(seller, 4_000, meme)
    expect(relisted.listingId).not.toBe(listingId)
    // The old id still names the old listing and its old price: a stale page cannot buy at it.
    expect(await market.purchase(buyer, listingId, 'stale-key-02')).toEqual({ status: 'LISTING_NOT_ACTIVE' })
    ok(await market.purchase(buyer, relisted.listingId, 'fresh-key-01'))
    expect(await balance(buyer)).toBe(6_000)
    expect(await market.cancel(seller, relisted.listingId)).toEqual({ status: 'LISTING_NOT_ACTIVE' })
  })

  it('charges no fee transfer when the fee rounds to zero', async () => {
    const cheap = newMarket(db.kysely, { minimumPriceSats: 1 })
    const seller = await newUser()
    const buyer = await newUser(100)
    const meme = await newMeme(seller)
    const listing = ok(await cheap.list(seller, meme, 49))
    const trade = ok(await cheap.purchase(buyer, listing.listing.id, 'tiny-key-01')).trade
    expect(trade).toMatchObject({ priceSats: 49, feeSats: 0, sellerReceivesSats: 49 })
    expect(trade.transferIds).toEqual([`trade:${trade.id}:price`])
    expect(await balance(seller)).toBe(49)
  })
})

describe('offers', () => {
  it('hold the price while open and pay the trade from the hold when accepted', async () => {
    const owner = await newUser()
    const bidder = await newUser(20_000)
    const rival = await newUser(20_000)
    const { meme, listingId } = await listed(owner, 50_000)
    const feesBefore = await fees()

    const offer = ok(await market.offer(bidder, meme, 7_777, 'offer-key-01')).offer
    expect(offer).toMatchObject({ state: 'open', priceSats: 7_777, feeSats: 155, sellerReceivesSats: 7_622 })
    expect(await account(bidder)).toEqual({ balance: 20_000, available: 12_223, held: 7_777 })
    expect(ok(await market.offer(bidder, meme, 7_777, 'offer-key-01'), 'existing').offer.id).toBe(offer.id)
    expect(await market.offer(bidder, meme, 8_000, 'offer-key-01')).toEqual({
      status: 'IDEMPOTENCY_KEY_REUSED',
    })
    const rivalOffer = ok(await market.offer(rival, meme, 6_000, 'offer-key-02')).offer
    expect(await account(rival)).toMatchObject({ held: 6_000 })

    const trade = ok(await market.accept(owner, offer.id)).trade
    expect(trade).toMatchObject({
      via: 'offer',
      offerId: offer.id,
      listingId: null,
      priceSats: 7_777,
      feeSats: 155,
    })
    expect(await account(bidder)).toEqual({ balance: 12_223, available: 12_223, held: 0 })
    expect(await balance(owner)).toBe(7_622)
    expect((await fees()) - feesBefore).toBe(155)
    expect(await ownerOf(meme)).toBe(bidder)
    // The meme was sold: its listing closes, the rival's offer is void and its funds free again.
    expect(await queries.listing(listingId)).toMatchObject({ state: 'closed' })
    expect(await queries.offer(rivalOffer.id)).toMatchObject({ state: 'void' })
    expect(await account(rival)).toEqual({ balance: 20_000, available: 20_000, held: 0 })
    expect((await ctx.ledger.getHold(offerHoldId(offer.id)))?.state).toBe('closed')
    expect((await ctx.ledger.getHold(offerHoldId(rivalOffer.id)))?.state).toBe('voided')

    // Accepting again answers the trade; the former owner can no longer accept anything.
    expect(ok(await market.accept(owner, offer.id), 'existing').trade.id).toBe(trade.id)
    expect(await market.accept(owner, rivalOffer.id)).toEqual({ status: 'OFFER_NOT_OPEN' })
    expect(await market.accept(rival, offer.id)).toEqual({ status: 'OFFER_NOT_OPEN' })
  })

  it('free their funds when withdrawn, and a withdrawn offer cannot be accepted', async () => {
    const owner = await newUser()
    const bidder = await newUser(5_000)
    const meme = await newMeme(owner)
    const offer = ok(await market.offer(bidder, meme, 5_000, 'withdraw-key-1')).offer
    expect(await account(bidder)).toMatchObject({ available: 0, held: 5_000 })
    expect(await market.withdraw(owner, offer.id)).toEqual({ status: 'OFFER_NOT_FOUND' })
    expect(ok(await market.withdraw(bidder, offer.id), 'ok').offer.state).toBe('withdrawn')
    expect(await account(bidder)).toEqual({ balance: 5_000, available: 5_000, held: 0 })
    expect(ok(await market.withdraw(bidder, offer.id), 'ok').offer.state).toBe('withdrawn')
    expect(await market.accept(owner, offer.id)).toEqual({ status: 'OFFER_NOT_OPEN' })
    expect(await ownerOf(meme)).toBe(owner)
    // A new offer on the same meme is welcome once the first is withdrawn.
    ok(await market.offer(bidder, meme, 4_000, 'withdraw-key-2'))
  })

  it('are voided with their holds released when the meme is bought through its listing', async () => {
    const owner = await newUser()
    const [a, b, buyer] = await Promise.all([newUser(9_000), newUser(9_000), newUser(9_000)])
    const { meme, listingId } = await listed(owner, 3_000)
    const offerA = ok(await market.offer(a, meme, 2_000, 'void-key-0001')).offer
    const offerB = ok(await market.offer(b, meme, 2_500, 'void-key-0002')).offer
    const buyersOwn = ok(await market.offer(buyer, meme, 1_500, 'void-key-0003')).offer
    ok(await market.purchase(buyer, listingId, 'void-key-0004'))
    for (const offer of [offerA, offerB, buyersOwn]) {
      expect((await queries.offer(offer.id))?.state).toBe('void')
    }
    for (const user of [a, b])
      expect(await account(user)).toEqual({ balance: 9_000, available: 9_000, held: 0 })
    expect(await account(buyer)).toEqual({ balance: 6_000, available: 6_000, held: 0 })
    expect(await market.withdraw(a, offerA.id)).toEqual({ status: 'OFFER_NOT_OPEN' })
  })

  it('announce the new balances of everyone whose money a trade, an offer or a withdrawal moved', async () => {
    const heard: Array<[string, { balanceSats: number; availableSats: number }]> = []
    const announcing = newMarket(db.kysely, { onBalance: (userId, b) => heard.push([userId, b]) })
    const owner = await newUser()
    const [bidder, buyer] = await Promise.all([newUser(4_000), newUser(4_000)])
    const { meme, listingId } = await listed(owner, 2_000)
    const offer = ok(await announcing.offer(bidder, meme, 1_500, 'announce-key-1')).offer
    expect(heard).toEqual([[bidder, { balanceSats: 4_000, availableSats: 2_500 }]])
    heard.length = 0
    ok(await announcing.purchase(buyer, listingId, 'announce-key-2'))
    expect(new Map(heard)).toEqual(
      new Map([
        [buyer, { balanceSats: 2_000, availableSats: 2_000 }],
        [owner, { balanceSats: 1_960, availableSats: 1_960 }],
        [bidder, { balanceSats: 4_000, availableSats: 4_000 }],
      ]),
    )
    heard.length = 0
    expect(await announcing.withdraw(bidder, offer.id)).toEqual({ status: 'OFFER_NOT_OPEN' })
    expect(heard).toEqual([])
  })

  it('release the hold of a withdrawn offer whose release a crash cut off, at the next sweep', async () => {
    const owner = await newUser()
    const bidder = await newUser(3_000)
    const meme = await newMeme(owner)
    const ledger = new Ledger(db.kysely, { now: clock.now })
    const crashing = newMarket(db.kysely, {
      ledger: Object.assign(Object.create(ledger) as Ledger, {
        releaseHold: async () => {
          throw new Error('the process died')
        },
      }),
      logger: { error: () => {} },
    })
    const offer = ok(await crashing.offer(bidder, meme, 3_000, 'crash-key-001')).offer
    ok(await crashing.withdraw(bidder, offer.id), 'ok')
    expect(await account(bidder)).toMatchObject({ held: 3_000 })
    // Even before the sweep, the owner cannot take what the buyer withdrew.
    expect(await market.accept(owner, offer.id)).toEqual({ status: 'OFFER_NOT_OPEN' })
    expect(await market.init()).toBeGreaterThanOrEqual(1)
    expect(await account(bidder)).toEqual({ balance: 3_000, available: 3_000, held: 0 })
    expect(await market.init()).toBe(0)
  })
})

describe('bad input moves nothing', () => {
  let seller: string
  let buyer: string
  let meme: string
  let listingId: string

  beforeAll(async () => {
    seller = await newUser(10_000)
    buyer = await newUser(3_000)
    ;({ meme, listingId } = await listed(seller, 2_000))
  })

  const badPrices: Array<[string, unknown, string]> = [
    ['a negative price', -1_000, 'PRICE_INVALID'],
    ['zero', 0, 'PRICE_INVALID'],
    ['a fraction', 1_500.5, 'PRICE_INVALID'],
    ['a huge price', 1e300, 'PRICE_INVALID'],
    ['more than the supply', MAX_SUPPLY_SATS + 1, 'PRICE_INVALID'],
    ['NaN', Number.NaN, 'PRICE_INVALID'],
    ['Infinity', Number.POSITIVE_INFINITY, 'PRICE_INVALID'],
    ['a string', '5000', 'PRICE_INVALID'],
    ['less than the minimum', MIN_PRICE - 1, 'PRICE_BELOW_MINIMUM'],
  ]

  it.each(badPrices)('listing at %s (%s) answers %s', async (_name, price, code) => {
    const own = await newMeme(seller)
    const before = await snapshot()
    expect(await market.list(seller, own, price)).toEqual({ status: code })
    expect(await snapshot()).toEqual(before)
  })

  it.each(badPrices)('bidding %s (%s) answers %s', async (_name, price, code) => {
    const before = await snapshot()
    expect(await market.offer(buyer, meme, price, uid('key-'))).toEqual({ status: code })
    expect(await snapshot()).toEqual(before)
  })

  it('refuses what the rules forbid, each with its code', async () => {
    const stranger = await newUser(100_000)
    const unassigned = await newMeme(seller, 'approved')
    const soldListing = await listed(seller, 1_000)
    ok(await market.purchase(stranger, soldListing.listingId, 'sold-key-0001'))
    const cancelled = await listed(seller, 1_000)
    ok(await market.cancel(seller, cancelled.listingId), 'ok')
    const relisted = ok(await market.list(seller, cancelled.meme, 5_000))

    const cases: Array<[string, () => Promise<{ status: string }>, string]> = [
      ['listing a meme one does not own', () => market.list(buyer, meme, 5_000), 'NOT_OWNER'],
      ['listing a meme already listed', () => market.list(seller, meme, 5_000), 'ALREADY_LISTED'],
      [
        'listing a meme that is not in a round yet',
        () => market.list(seller, unassigned, 5_000),
        'MEME_NOT_TRADABLE',
      ],
      ['listing a meme that does not exist', () => market.list(seller, 'm_nope', 5_000), 'MEME_NOT_FOUND'],
      ['listing a meme one sold', () => market.list(seller, soldListing.meme, 5_000), 'NOT_OWNER'],
      ['buying one’s own meme', () => market.purchase(seller, listingId, uid('key-')), 'CANNOT_BUY_OWN'],
      [
        'buying with an unknown listing id',
        () => market.purchase(buyer, 'ls_nope', uid('key-')),
        'LISTING_NOT_FOUND',
      ],
      [
        'buying a sold listing',
        () => market.purchase(buyer, soldListing.listingId, uid('key-')),
        'LISTING_NOT_ACTIVE',
      ],
      [
        'buying a stale listing',
        () => market.purchase(buyer, cancelled.listingId, uid('key-')),
        'LISTING_NOT_ACTIVE',
      ],
      [
        'buying beyond one’s balance',
        () => market.purchase(buyer, relisted.listing.id, 'x'.repeat(8)),
        'INSUFFICIENT_FUNDS',
      ],
      ['buying without a key', () => market.purchase(buyer, listingId, undefined), 'IDEMPOTENCY_KEY_INVALID'],
      [
        'buying with a short key',
        () => market.purchase(buyer, listingId, 'short'),
        'IDEMPOTENCY_KEY_INVALID',
      ],
      [
        'buying with a key of bad characters',
        () => market.purchase(buyer, listingId, 'bad key!!'),
        'IDEMPOTENCY_KEY_INVALID',
      ],
      ['bidding on one’s own meme', () => market.offer(seller, meme, 5_000, uid('key-')), 'CANNOT_BUY_OWN'],
      [
        'bidding on a meme not in a round',
        () => market.offer(buyer, unassigned, 1_000, uid('key-')),
        'MEME_NOT_TRADABLE',
      ],
      [
        'bidding on an unknown meme',
        () => market.offer(buyer, 'm_nope', 1_000, uid('key-')),
        'MEME_NOT_FOUND',
      ],
      [
        'bidding beyond one’s balance',
        () => market.offer(buyer, meme, 3_001, uid('key-')),
        'INSUFFICIENT_FUNDS',
      ],
      ['bidding without a key', () => market.offer(buyer, meme, 1_000, undefined), 'IDEMPOTENCY_KEY_INVALID'],
      ['cancelling someone else’s listing', () => market.cancel(buyer, listingId), 'NOT_OWNER'],
      ['cancelling a sold listing', () => market.cancel(seller, soldListing.listingId), 'LISTING_NOT_ACTIVE'],
      ['cancelling an unknown listing', () => market.cancel(seller, 'ls_nope'), 'LISTING_NOT_FOUND'],
      ['accepting an unknown offer', () => market.accept(seller, 'of_nope'), 'OFFER_NOT_FOUND'],
      ['withdrawing an unknown offer', () => market.withdraw(buyer, 'of_nope'), 'OFFER_NOT_FOUND'],
    ]
    for (const [name, attempt, code] of cases) {
      const before = await snapshot()
      expect(await attempt(), name).toEqual({ status: code })
      expect(await snapshot(), name).toEqual(before)
    }
  })

  it('refuses a second open offer by one buyer, an offer accepted by a non-owner, and a frozen buyer', async () => {
    const first = ok(await market.offer(buyer, meme, 1_000, 'second-key-01')).offer
    let before = await snapshot()
    expect(await market.offer(buyer, meme, 1_200, 'second-key-02')).toEqual({ status: 'ALREADY_OFFERED' })
    expect(await market.accept(buyer, first.id)).toEqual({ status: 'NOT_OWNER' })
    expect(await snapshot()).toEqual(before)

    const frozen = await newUser(5_000)
    await db.kysely.updateTable('users').set({ frozen_at: clock.now() }).where('id', '=', frozen).execute()
    before = await snapshot()
    expect(await market.purchase(frozen, listingId, uid('key-'))).toEqual({ status: 'ACCOUNT_FROZEN' })
    expect(await market.offer(frozen, meme, 1_000, uid('key-'))).toEqual({ status: 'ACCOUNT_FROZEN' })
    expect(await snapshot()).toEqual(before)
    ok(await market.withdraw(buyer, first.id), 'ok')
  })
})

describe('browsing and history', () => {
  it('sorts and filters active listings, with what each meme has earned its owners', async () => {
    // A fresh database would make the order checks simpler; instead, read only these listings.
    const seller = await newUser()
    const prices = [1_500, 9_000, 4_000]
    const made: Array<{ meme: string; listingId: string }> = []
    for (const price of prices) {
      clock.advance(1_000)
      made.push(await listed(seller, price))
    }
    // Earnings: view streams of the second and third memes credit their owner share.
    const dest = await ctx.newDestination()
    const viewer = await newUser(10_000)
    const earnedBy = new Map<string, number>()
    for (const [index, amount] of [
      [1, 300],
      [2, 900],
    ] as const) {
      const { meme } = made[index]!
      const holdId = uid('h-')
      expect(
        await ctx.ledger.createHold({
          id: holdId,
          accountId: userAccountId(viewer),
          amountSats: amount,
          expiresAt: new Date(clock.now().getTime() + 60_000),
        }),
      ).toBe('ok')
      const streamId = viewStreamId(7, meme, seller)
      const posted = await ctx.ledger.postViewSeconds([
        {
          holdId,
          seq: 1,
          amountSats: amount,
          streamId,
          split: { ...dest, ownerAccountId: userAccountId(seller) },
        },
      ])
      expect(posted).toEqual(['ok'])
      const legs = await db.kysely
        .selectFrom('transfers')
        .select((eb) => eb.fn.sum<number>('amount_sats').as('sats'))
        .where('ref', '=', streamId)
        .where('code', '=', 'split.owner')
        .executeTakeFirstOrThrow()
      earnedBy.set(meme, Number(legs.sats))
    }
    expect(earnedBy.get(made[2]!.meme)).toBeGreaterThan(earnedBy.get(made[1]!.meme)!)

    const ours = (list: Awaited<ReturnType<MarketQueries['listings']>>) =>
      list.filter((l) => made.some((m) => m.listingId === l.listing.id)).map((l) => l.listing.priceSats)
    const all = { limit: 100 }
    expect(ours(await queries.listings({ ...all, sort: 'price_asc' }))).toEqual([1_500, 4_000, 9_000])
    expect(ours(await queries.listings({ ...all, sort: 'price_desc' }))).toEqual([9_000, 4_000, 1_500])
    expect(ours(await queries.listings({ ...all, sort: 'newest' }))).toEqual([4_000, 9_000, 1_500])
    expect(ours(await queries.listings({ ...all, sort: 'earnings' }))).toEqual([4_000, 9_000, 1_500])
    expect(
      ours(await queries.listings({ ...all, sort: 'price_asc', minPriceSats: 2_000, maxPriceSats: 9_000 })),
    ).toEqual([4_000, 9_000])
    const third = (await queries.listings({ ...all, sort: 'earnings' })).find(
      (l) => l.meme.memeId === made[2]!.meme,
    )
    expect(third?.meme.ownerEarnedSats).toBe(earnedBy.get(made[2]!.meme))
    expect(third?.listing).toMatchObject({
      priceSats: 4_000,
      feeSats: 80,
      sellerReceivesSats: 3_920,
      state: 'active',
    })
    const detail = await queries.memeDetail(made[2]!.meme)
    expect(detail?.meme.ownerEarnedSats).toBe(earnedBy.get(made[2]!.meme))
    expect(detail?.earningsDays).toEqual([{ day: '2026-11-26', ownerSats: earnedBy.get(made[2]!.meme) }])
  })

  it('tells who owned a meme when, at what prices, and which trades each user took part in', async () => {
    const [a, b, c] = await Promise.all([newUser(), newUser(20_000), newUser(20_000)])
    const { meme, listingId } = await listed(a, 2_000)
    clock.advance(60_000)
    const first = ok(await market.purchase(b, listingId, 'history-key-1')).trade
    clock.advance(60_000)
    const offer = ok(await market.offer(c, meme, 3_000, 'history-key-2')).offer
    const second = ok(await market.accept(b, offer.id)).trade

    const detail = await queries.memeDetail(meme)
    expect(detail?.meme.owner.id).toBe(c)
    expect(detail?.owners.map((o) => [o.owner.id, o.tradeId, o.priceSats])).toEqual([
      [a, null, null],
      [b, first.id, 2_000],
      [c, second.id, 3_000],
    ])
    expect(detail?.priceHistory.map((p) => p.priceSats)).toEqual([2_000, 3_000])
    expect(detail).toMatchObject({ listing: null, offers: [], feeBps: FEE_BPS, minimumPriceSats: MIN_PRICE })
    expect((await queries.tradesOfMeme(meme))?.map((t) => t.id)).toEqual([second.id, first.id])
    expect(await queries.tradesOfMeme('m_nope')).toBeUndefined()
    expect((await queries.tradesOfUser(b)).map((t) => [t.id, t.seller.id, t.buyer.id])).toEqual([
      [second.id, b, c],
      [first.id, a, b],
    ])
    expect((await queries.tradesOfUser(a)).map((t) => t.id)).toEqual([first.id])

    const mine = await queries.memesOfUser(a)
    expect(mine.find((m) => m.meme.memeId === meme)).toMatchObject({ isCreator: true, isOwner: false })
    const theirs = await queries.memesOfUser(c)
    expect(theirs.find((m) => m.meme.memeId === meme)).toMatchObject({
      isCreator: false,
      isOwner: true,
      listing: null,
    })
    expect((await queries.offersOfUser(c)).map((o) => [o.offer.id, o.offer.state])).toEqual([
      [offer.id, 'accepted'],
    ])
  })
})

describe('random sequences against a model', () => {
  const USERS = 4
  const MEMES = 3
  const FUNDS = 40_000
  const user = fc.integer({ min: 0, max: USERS - 1 })
  const memeIndex = fc.integer({ min: 0, max: MEMES - 1 })
  const slot = fc.nat({ max: 9 })
  const price = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: MIN_PRICE, max: 25_000 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1_000, 999, 1_500.5, 1e300, Number.NaN, '2000') },
  )
  // `byOwner`: the owner (or seller, or bidder) acts, as users mostly do; otherwise anyone, to
  // exercise the refusals.
  const byOwner = fc.boolean()
  const op = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('list' as const), user, byOwner, meme: memeIndex, price }),
    },
    fc.record({ kind: fc.constant('cancel' as const), user, byOwner, listing: slot }),
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('buy' as const), user, listing: slot }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('retryBuy' as const) }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('offer' as const), user, meme: memeIndex, price }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('accept' as const), user, byOwner, offer: slot }) },
    fc.record({ kind: fc.constant('withdraw' as const), user, byOwner, offer: slot }),
  )

  interface ModelListing {
    id: string
    meme: number
    seller: number
    price: number
    state: string
  }
  interface ModelOffer {
    id: string
    meme: number
    buyer: number
    price: number
    state: string
    /** Who accepted it. */
    seller?: number
  }

  it('agrees with the model at every step and keeps the invariants', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
        const users = await Promise.all(Array.from({ length: USERS }, () => newUser(FUNDS)))
        const memes = await Promise.all(Array.from({ length: MEMES }, (_, i) => newMeme(users[i]!)))
        const owner = memes.map((_, i) => i)
        const balances = users.map(() => FUNDS)
        const held = users.map(() => 0)
        const listings: ModelListing[] = []
        const offers: ModelOffer[] = []
        let feesTaken = 0
        let lastBuy: { user: number; listing: ModelListing; key: string } | undefined
        const boughtWith = new Set<string>()
        const feesBefore = await fees()
        const sumBefore = await ctx.ledger.sumOfBalances()
        const validPrice = (p: unknown): p is number =>
          typeof p === 'number' && Number.isSafeInteger(p) && p > 0
        const priceCode = (p: unknown) =>
          !validPrice(p) ? 'PRICE_INVALID' : p < MIN_PRICE ? 'PRICE_BELOW_MINIMUM' : undefined

        const sell = (m: number, from: number, to: number, p: number, except?: string) => {
          const fee = tradeFeeSats(p, FEE_BPS)
          balances[from]! += p - fee
          feesTaken += fee
          owner[m] = to
          for (const o of offers) {
            if (o.meme === m && o.state === 'open' && o.id !== except) {
              o.state = 'void'
              held[o.buyer]! -= o.price
            }
          }
        }

        for (const o of ops) {
          switch (o.kind) {
            case 'list': {
              if (o.byOwner) o.user = owner[o.meme]!
              const result = await market.list(users[o.user]!, memes[o.meme]!, o.price)
              const expected =
                priceCode(o.price) ??
                (owner[o.meme] !== o.user
                  ? 'NOT_OWNER'
                  : listings.some((l) => l.meme === o.meme && l.state === 'active')
                    ? 'ALREADY_LISTED'
                    : 'created')
              expect(result.status).toBe(expected)
              if (result.status === 'created') {
                listings.push({
                  id: result.listing.id,
                  meme: o.meme,
                  seller: o.user,
                  price: o.price as number,
                  state: 'active',
                })
              }
              break
            }
            case 'cancel': {
              const l = listings[o.listing % Math.max(1, listings.length)]
              if (!l) break
              if (o.byOwner) o.user = l.seller
              const result = await market.cancel(users[o.user]!, l.id)
              const expected =
                l.seller !== o.user
                  ? 'NOT_OWNER'
                  : l.state === 'active' || l.state === 'cancelled'
                    ? 'ok'
                    : 'LISTING_NOT_ACTIVE'
              expect(result.status).toBe(expected)
              if (result.status === 'ok') l.state = 'cancelled'
              break
            }
            case 'buy':
            case 'retryBuy': {
              const l =
                o.kind === 'buy' ? listings[o.listing % Math.max(1, listings.length)] : lastBuy?.listing
              if (!l) break
              const buyer = o.kind === 'buy' ? o.user : lastBuy!.user
              const key = o.kind === 'buy' ? uid('buy-') : lastBuy!.key
              const result = await market.purchase(users[buyer]!, l.id, key)
              const expected = boughtWith.has(key)
                ? 'existing'
                : l.state !== 'active'
                  ? 'LISTING_NOT_ACTIVE'
                  : l.seller === buyer
                    ? 'CANNOT_BUY_OWN'
                    : balances[buyer]! - held[buyer]! < l.price
                      ? 'INSUFFICIENT_FUNDS'
                      : 'created'
              expect(result.status).toBe(expected)
              if (result.status === 'created') {
                balances[buyer]! -= l.price
                l.state = 'sold'
                sell(l.meme, l.seller, buyer, l.price)
                boughtWith.add(key)
              }
              lastBuy = { user: buyer, listing: l, key }
              break
            }
            case 'offer': {
              const result = await market.offer(users[o.user]!, memes[o.meme]!, o.price, uid('offer-'))
              const expected =
                priceCode(o.price) ??
                (owner[o.meme] === o.user
                  ? 'CANNOT_BUY_OWN'
                  : offers.some((f) => f.meme === o.meme && f.buyer === o.user && f.state === 'open')
                    ? 'ALREADY_OFFERED'
                    : balances[o.user]! - held[o.user]! < (o.price as number)
                      ? 'INSUFFICIENT_FUNDS'
                      : 'created')
              expect(result.status).toBe(expected)
              if (result.status === 'created') {
                offers.push({
                  id: result.offer.id,
                  meme: o.meme,
                  buyer: o.user,
                  price: o.price as number,
                  state: 'open',
                })
                held[o.user]! += o.price as number
              }
              break
            }
            case 'accept': {
              const f = offers[o.offer % Math.max(1, offers.length)]
              if (!f) break
              if (o.byOwner) o.user = owner[f.meme]!
              const result = await market.accept(users[o.user]!, f.id)
              const expected =
                f.state === 'accepted'
                  ? f.seller === o.user
                    ? 'existing'
                    : 'OFFER_NOT_OPEN'
                  : f.state !== 'open'
                    ? 'OFFER_NOT_OPEN'
                    : owner[f.meme] !== o.user
                      ? 'NOT_OWNER'
                      : 'created'
              expect(result.status).toBe(expected)
              if (result.status === 'created') {
                f.state = 'accepted'
                f.seller = o.user
                balances[f.buyer]! -= f.price
                held[f.buyer]! -= f.price
                for (const l of listings) if (l.meme === f.meme && l.state === 'active') l.state = 'closed'
                sell(f.meme, o.user, f.buyer, f.price, f.id)
              }
              break
            }
            case 'withdraw': {
              const f = offers[o.offer % Math.max(1, offers.length)]
              if (!f) break
              if (o.byOwner) o.user = f.buyer
              const result = await market.withdraw(users[o.user]!, f.id)
              const expected =
                f.buyer !== o.user
                  ? 'OFFER_NOT_FOUND'
                  : f.state === 'open' || f.state === 'withdrawn'
                    ? 'ok'
                    : 'OFFER_NOT_OPEN'
              expect(result.status).toBe(expected)
              if (result.status === 'ok' && f.state === 'open') {
                f.state = 'withdrawn'
                held[f.buyer]! -= f.price
              }
              break
            }
          }

          // Invariants after every step.
          for (const [i, u] of users.entries()) {
            const a = await account(u)
            expect(a.balance, `balance of user ${i}`).toBe(balances[i])
            expect(a.held, `held of user ${i}`).toBe(held[i])
            expect(a.available).toBeGreaterThanOrEqual(0)
            // Held funds are exactly the open offers.
            expect(a.held).toBe(
              offers.filter((f) => f.buyer === i && f.state === 'open').reduce((s, f) => s + f.price, 0),
            )
          }
          for (const [m, id] of memes.entries()) expect(await ownerOf(id)).toBe(users[owner[m]!])
          expect((await fees()) - feesBefore).toBe(feesTaken)
          expect(await ctx.ledger.sumOfBalances()).toBe(sumBefore)
          expect(balances.reduce((s, b) => s + b, 0) + feesTaken).toBe(USERS * FUNDS)
        }
      }),
      { numRuns: 40 },
    )
  })
})

describe('races', () => {
  it('let exactly one of several buyers racing for one listing pay, and leave the others untouched', async () => {
    const markets = await parallelMarkets(6)
    for (let round = 0; round < 3; round++) {
      const seller = await newUser()
      const buyers = await Promise.all(markets.map(() => newUser(10_000)))
      const { meme, listingId } = await listed(seller, 8_000)
      const feesBefore = await fees()
      const results = await Promise.all(
        markets.map((m, i) => m.purchase(buyers[i]!, listingId, `race-key-${round}-${i}`)),
      )
      const winners = results.flatMap((r, i) => (r.status === 'created' ? [i] : []))
      expect(winners).toHaveLength(1)
      expect(results.filter((r) => r.status === 'LISTING_NOT_ACTIVE')).toHaveLength(markets.length - 1)
      const winner = winners[0]!
      expect(await ownerOf(meme)).toBe(buyers[winner])
      for (const [i, b] of buyers.entries()) expect(await balance(b)).toBe(i === winner ? 2_000 : 10_000)
      expect(await balance(seller)).toBe(8_000 - 160)
      expect((await fees()) - feesBefore).toBe(160)
      expect(
        await db.kysely.selectFrom('market_trades').select('id').where('meme_id', '=', meme).execute(),
      ).toHaveLength(1)
    }
  })

  it('leave one consistent outcome when a cancel races a purchase', async () => {
    const [sellerSide, buyerSide] = await parallelMarkets(2)
    for (let round = 0; round < 8; round++) {
      const seller = await newUser()
      const buyer = await newUser(5_000)
      const { meme, listingId } = await listed(seller, 5_000)
      const [cancelled, bought] = await Promise.all([
        sellerSide!.cancel(seller, listingId),
        buyerSide!.purchase(buyer, listingId, `cancel-race-${round}`),
      ])
      const listing = await queries.listing(listingId)
      if (bought.status === 'created') {
        expect(cancelled).toEqual({ status: 'LISTING_NOT_ACTIVE' })
        expect(listing?.state).toBe('sold')
        expect(await ownerOf(meme)).toBe(buyer)
        expect(await balance(buyer)).toBe(0)
      } else {
        expect(bought).toEqual({ status: 'LISTING_NOT_ACTIVE' })
        expect(cancelled.status).toBe('ok')
        expect(listing?.state).toBe('cancelled')
        expect(await ownerOf(meme)).toBe(seller)
        expect(await balance(buyer)).toBe(5_000)
        expect(await balance(seller)).toBe(0)
      }
    }
  })

  it('leave one consistent outcome when accepting an offer races a purchase', async () => {
    const [ownerSide, buyerSide] = await parallelMarkets(2)
    for (let round = 0; round < 6; round++) {
      const owner = await newUser()
      const bidder = await newUser(6_000)
      const buyer = await newUser(6_000)
      const { meme, listingId } = await listed(owner, 6_000)
      const offer = ok(await market.offer(bidder, meme, 5_000, `accept-race-o-${round}`)).offer
      const feesBefore = await fees()
      const [accepted, bought] = await Promise.all([
        ownerSide!.accept(owner, offer.id),
        buyerSide!.purchase(buyer, listingId, `accept-race-b-${round}`),
      ])
      expect([accepted.status, bought.status].filter((s) => s === 'created')).toHaveLength(1)
      if (accepted.status === 'created') {
        expect(bought).toEqual({ status: 'LISTING_NOT_ACTIVE' })
        expect(await ownerOf(meme)).toBe(bidder)
        expect(await account(bidder)).toEqual({ balance: 1_000, available: 1_000, held: 0 })
        expect(await balance(buyer)).toBe(6_000)
        expect(await balance(owner)).toBe(4_900)
        expect((await fees()) - feesBefore).toBe(100)
        expect((await queries.listing(listingId))?.state).toBe('closed')
      } else {
        expect(accepted).toEqual({ status: 'OFFER_NOT_OPEN' })
        expect(await ownerOf(meme)).toBe(buyer)
        expect(await account(bidder)).toEqual({ balance: 6_000, available: 6_000, held: 0 })
        expect(await balance(buyer)).toBe(0)
        expect(await balance(owner)).toBe(5_880)
        expect((await fees()) - feesBefore).toBe(120)
        expect((await queries.offer(offer.id))?.state).toBe('void')
      }
    }
  })

  it('void every offer made before a sale and keep those made after open for the new owner', async () => {
    const markets = await parallelMarkets(5)
    const owner = await newUser()
    const buyer = await newUser(9_000)
    const bidders = await Promise.all(markets.map(() => newUser(3_000)))
    const { meme, listingId } = await listed(owner, 9_000)
    const [bought, ...bids] = await Promise.all([
      markets[0]!.purchase(buyer, listingId, 'offers-race-buy'),
      ...markets.map((m, i) => m.offer(bidders[i]!, meme, 2_000 + i, `offers-race-${i}`)),
    ])
    expect(bought.status).toBe('created')
    for (const [i, bid] of bids.entries()) {
      expect(bid.status).toBe('created')
      if (bid.status !== 'created') continue
      const state = (await queries.offer(bid.offer.id))?.state
      expect(['open', 'void']).toContain(state)
      // Held funds are exactly the offers still open.
      expect(await account(bidders[i]!)).toMatchObject({ held: state === 'open' ? 2_000 + i : 0 })
    }
    // Whatever is still open is the new owner's to accept.
    const open = (await queries.memeDetail(meme))?.offers ?? []
    for (const offer of open) ok(await market.withdraw(offer.buyer.id, offer.id), 'ok')
    expect(await ownerOf(meme)).toBe(buyer)
  })
})
