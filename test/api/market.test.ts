/**
 * The marketplace over HTTP. Proves that every route that acts for someone requires
 * authentication; that a listing, a purchase with an Idempotency-Key (201, then 200 with the same
 * trade on a retry), an offer with its funds held, its acceptance and a withdrawal answer what
 * contracts/market.ts describes, with the fee and what the seller receives; that the browse page,
 * a meme's page, its trades and the signed-in user's memes, trades and offers show the outcome;
 * that every kind of bad input answers its stable code and status and moves nothing; and that
 * the OpenAPI document describes the routes.
 */
import { createHash, randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../contracts/auth.ts'
import { marketRoutes } from '../../src/http/routes/market.ts'
import { PLATFORM_FEES_ACCOUNT, userAccountId } from '../../src/ledger/accounts.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import { MarketRepository } from '../../src/services/market/market.repository.ts'
import { MarketService } from '../../src/services/market/market.service.ts'
import { MarketQueries } from '../../src/services/market/market-queries.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { me, newKey, sessionToken, signIn } from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, uid } from '../support/ledger.ts'

const FEE_BPS = 200
const MIN_PRICE = 1_000

let db: TestDb
let t: TestApp
let ledger: Ledger

interface Person {
  id: string
  token: string
}

beforeAll(async () => {
  db = await openTestDb()
  ledger = new Ledger(db.kysely)
  await ledger.init()
  await ledger.ensureAccounts([{ id: FUNDING_ACCOUNT, kind: 'clearing', allowNegative: true }])
  const queries = new MarketQueries(db.kysely, { feeBps: FEE_BPS, minimumPriceSats: MIN_PRICE })
  const market = new MarketService({
    repository: new MarketRepository(db.kysely),
    views: queries,
    ledger,
    feeBps: FEE_BPS,
    minimumPriceSats: MIN_PRICE,
  })
  t = await buildTestApp({
    db,
    deps: { apiRoutes: [marketRoutes({ market, queries, feeBps: FEE_BPS, minimumPriceSats: MIN_PRICE })] },
  })
})
afterAll(async () => {
  await t?.app.close()
  await db?.close()
})

async function person(sats = 0): Promise<Person> {
  const token = sessionToken(await signIn(t.app, newKey()))
  const id = (await me(t.app, { cookie: token })).json().user.id as string
  await ledger.ensureAccounts([{ id: userAccountId(id), kind: 'user' }])
  if (sats > 0) {
    const funded = await ledger.transfer([
      {
        id: uid('fund-'),
        debitAccountId: FUNDING_ACCOUNT,
        creditAccountId: userAccountId(id),
        amountSats: sats,
        code: 'deposit',
      },
    ])
    expect(funded.status).toBe('ok')
  }
  return { id, token }
}

async function memeOf(creator: Person, state = 'assigned'): Promise<string> {
  const id = `m_${randomUUID().replaceAll('-', '').slice(0, 20)}`
  const sha = createHash('sha256').update(id).digest('hex')
  await sql`insert into memes (id, creator_user_id, owner_user_id, title, tags, state, original_sha256, original_format,
              original_width, original_height, original_bytes, stored_sha256, stored_ext, phash, created_at, updated_at)
            values (${id}, ${creator.id}, ${creator.id}, ${`meme ${id}`}, '[]', ${state}, ${sha}, 'png', 1920, 1080, 1,
              ${sha}, 'png', '0000000000000000', now(), now())`.execute(db.kysely)
  return id
}

function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  options: { who?: Person; body?: unknown; key?: string } = {},
) {
  return t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: {
      ...(options.who ? { cookie: `${SESSION_COOKIE}=${options.who.token}` } : {}),
      ...(options.key === undefined ? {} : { 'idempotency-key': options.key }),
    },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  })
}

async function balances(...people: Person[]) {
  const accounts = await Promise.all(people.map((p) => ledger.getAccount(userAccountId(p.id))))
  return accounts.map((a) => ({ balance: a?.balanceSats ?? 0, held: a?.heldSats ?? 0 }))
}

async function everything() {
  const [accounts, memes, listings, offers, trades] = await Promise.all([
    db.kysely.selectFrom('accounts').select(['id', 'balance_sats', 'held_sats']).orderBy('id').execute(),
    db.kysely.selectFrom('memes').select(['id', 'owner_user_id']).orderBy('id').execute(),
    db.kysely.selectFrom('market_listings').select(['id', 'state']).orderBy('id').execute(),
    db.kysely.selectFrom('market_offers').select(['id', 'state']).orderBy('id').execute(),
    db.kysely.selectFrom('market_trades').select('id').orderBy('id').execute(),
  ])
  return { accounts, memes, listings, offers, trades }
}

describe('authentication', () => {
  it.each([
    ['POST', '/memes/m_x/listing'],
    ['DELETE', '/listings/ls_x'],
    ['POST', '/listings/ls_x/purchase'],
    ['POST', '/memes/m_x/offers'],
    ['POST', '/offers/of_x/accept'],
    ['DELETE', '/offers/of_x'],
    ['GET', '/me/memes'],
    ['GET', '/me/trades'],
    ['GET', '/me/offers'],
  ] as const)('%s %s requires authentication', async (method, url) => {
    const res = await call(method, url, method === 'POST' ? { body: { priceSats: 5_000 } } : {})
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('UNAUTHORIZED')
  })
})

describe('trading', () => {
  it('lists, sells with an idempotency key, and shows the trade everywhere', async () => {
    const seller = await person()
    const buyer = await person(30_000)
    const meme = await memeOf(seller)
    const fees = (await ledger.getAccount(PLATFORM_FEES_ACCOUNT))?.balanceSats ?? 0

    const quote = await call('GET', '/market/quote?priceSats=10000')
    expect(quote.json()).toEqual({
      priceSats: 10_000,
      feeSats: 200,
      sellerReceivesSats: 9_800,
      feeBps: FEE_BPS,
      minimumPriceSats: MIN_PRICE,
    })
    const listed = await call('POST', `/memes/${meme}/listing`, { who: seller, body: { priceSats: 10_000 } })
    expect(listed.statusCode).toBe(201)
    const listing = listed.json()
    expect(listing).toMatchObject({
      memeId: meme,
      state: 'active',
      priceSats: 10_000,
      feeSats: 200,
      sellerReceivesSats: 9_800,
    })
    expect(listing.seller.id).toBe(seller.id)

    const browse = (
      await call('GET', '/market/listings?sort=price_asc&minPriceSats=10000&maxPriceSats=10000')
    ).json()
    expect(browse).toMatchObject({ feeBps: FEE_BPS, minimumPriceSats: MIN_PRICE })
    expect(browse.listings.map((l: { listing: { id: string } }) => l.listing.id)).toContain(listing.id)
    const entry = browse.listings.find((l: { listing: { id: string } }) => l.listing.id === listing.id)
    expect(entry.meme).toMatchObject({
      memeId: meme,
      tradable: true,
      ownerEarnedSats: 0,
      owner: { id: seller.id },
    })

    const bought = await call('POST', `/listings/${listing.id}/purchase`, { who: buyer, key: 'api-buy-0001' })
    expect(bought.statusCode).toBe(201)
    const trade = bought.json()
    expect(trade).toMatchObject({
      memeId: meme,
      priceSats: 10_000,
      feeSats: 200,
      sellerReceivesSats: 9_800,
      via: 'listing',
    })
    expect(trade.transferIds).toEqual([`trade:${trade.id}:price`, `trade:${trade.id}:fee`])
    const retried = await call('POST', `/listings/${listing.id}/purchase`, {
      who: buyer,
      key: 'api-buy-0001',
    })
    expect(retried.statusCode).toBe(200)
    expect(retried.json().id).toBe(trade.id)
    expect(await balances(seller, buyer)).toEqual([
      { balance: 9_800, held: 0 },
      { balance: 20_000, held: 0 },
    ])
    expect((await ledger.getAccount(PLATFORM_FEES_ACCOUNT))?.balanceSats).toBe(fees + 200)

    const detail = (await call('GET', `/memes/${meme}`)).json()
    expect(detail.meme.owner.id).toBe(buyer.id)
    expect(detail.listing).toBeNull()
    expect(detail.owners.map((o: { owner: { id: string } }) => o.owner.id)).toEqual([seller.id, buyer.id])
    expect(detail.priceHistory).toEqual([{ at: trade.createdAt, priceSats: 10_000, tradeId: trade.id }])
    expect(
      (await call('GET', `/memes/${meme}/trades`)).json().trades.map((x: { id: string }) => x.id),
    ).toEqual([trade.id])
    for (const who of [seller, buyer]) {
      expect(
        (await call('GET', '/me/trades', { who })).json().trades.map((x: { id: string }) => x.id),
      ).toEqual([trade.id])
    }
    const mine = (await call('GET', '/me/memes', { who: seller })).json()
    expect(mine.memes).toMatchObject([
      { meme: { memeId: meme }, isCreator: true, isOwner: false, listing: null },
    ])
  })

  it('takes an offer with its funds held, lets the owner accept it, and lets a buyer withdraw one', async () => {
    const owner = await person()
    const bidder = await person(10_000)
    const other = await person(10_000)
    const meme = await memeOf(owner)

    const made = await call('POST', `/memes/${meme}/offers`, {
      who: bidder,
      key: 'api-offer-01',
      body: { priceSats: 6_000 },
    })
    expect(made.statusCode).toBe(201)
    const offer = made.json()
    expect(offer).toMatchObject({ state: 'open', priceSats: 6_000, feeSats: 120, sellerReceivesSats: 5_880 })
    const again = await call('POST', `/memes/${meme}/offers`, {
      who: bidder,
      key: 'api-offer-01',
      body: { priceSats: 6_000 },
    })
    expect(again.statusCode).toBe(200)
    expect(again.json().id).toBe(offer.id)
    expect(await balances(bidder)).toEqual([{ balance: 10_000, held: 6_000 }])

    const rival = (
      await call('POST', `/memes/${meme}/offers`, {
        who: other,
        key: 'api-offer-02',
        body: { priceSats: 2_000 },
      })
    ).json()
    const withdrawn = await call('DELETE', `/offers/${rival.id}`, { who: other })
    expect(withdrawn.statusCode).toBe(200)
    expect(withdrawn.json().state).toBe('withdrawn')
    expect(await balances(other)).toEqual([{ balance: 10_000, held: 0 }])

    const inbox = (await call('GET', '/me/memes', { who: owner })).json()
    expect(inbox.memes[0].offers.map((o: { id: string }) => o.id)).toEqual([offer.id])
    expect((await call('GET', '/me/offers', { who: bidder })).json().offers).toMatchObject([
      { offer: { id: offer.id, state: 'open' }, title: `meme ${meme}` },
    ])

    const accepted = await call('POST', `/offers/${offer.id}/accept`, { who: owner })
    expect(accepted.statusCode).toBe(201)
    expect(accepted.json()).toMatchObject({ via: 'offer', offerId: offer.id, priceSats: 6_000, feeSats: 120 })
    const repeated = await call('POST', `/offers/${offer.id}/accept`, { who: owner })
    expect(repeated.statusCode).toBe(200)
    expect(repeated.json().id).toBe(accepted.json().id)
    expect(await balances(owner, bidder)).toEqual([
      { balance: 5_880, held: 0 },
      { balance: 4_000, held: 0 },
    ])
    expect((await call('GET', `/memes/${meme}`)).json().meme.owner.id).toBe(bidder.id)
  })
})

describe('bad input moves nothing', () => {
  let seller: Person
  let buyer: Person
  let meme: string
  let listingId: string
  let sold: string

  beforeAll(async () => {
    seller = await person(50_000)
    buyer = await person(2_000)
    meme = await memeOf(seller)
    listingId = (
      await call('POST', `/memes/${meme}/listing`, { who: seller, body: { priceSats: 1_500 } })
    ).json().id
    const other = await memeOf(buyer)
    const soldListing = (
      await call('POST', `/memes/${other}/listing`, { who: buyer, body: { priceSats: 1_000 } })
    ).json()
    sold = soldListing.id
    expect(
      (await call('POST', `/listings/${sold}/purchase`, { who: seller, key: 'bad-setup-01' })).statusCode,
    ).toBe(201)
  })

  it.each([
    ['a negative price', -5_000, 400, 'PRICE_INVALID'],
    ['a zero price', 0, 400, 'PRICE_INVALID'],
    ['a fractional price', 1_500.5, 400, 'PRICE_INVALID'],
    ['a huge price', 1e300, 400, 'PRICE_INVALID'],
    ['a price beyond the supply', 2_100_000_000_000_001, 400, 'PRICE_INVALID'],
    ['a price in a string', '5000', 400, 'VALIDATION_FAILED'],
    ['a price that is not a number', 'lots', 400, 'VALIDATION_FAILED'],
    ['a price below the minimum', 999, 400, 'PRICE_BELOW_MINIMUM'],
  ])('listing or bidding at %s (%s) answers %i %s', async (_name, priceSats, status, code) => {
    const own = await memeOf(seller)
    const before = await everything()
    const listing = await call('POST', `/memes/${own}/listing`, { who: seller, body: { priceSats } })
    expect([listing.statusCode, listing.json().error.code]).toEqual([status, code])
    const offer = await call('POST', `/memes/${meme}/offers`, {
      who: buyer,
      key: uid('k-'),
      body: { priceSats },
    })
    expect([offer.statusCode, offer.json().error.code]).toEqual([status, code])
    expect(await everything()).toEqual(before)
  })

  it('answers each refusal with its code and status', async () => {
    const unassigned = await memeOf(seller, 'approved')
    const cases: Array<[string, () => ReturnType<typeof call>, number, string]> = [
      [
        'a quote below the minimum',
        () => call('GET', '/market/quote?priceSats=10'),
        400,
        'PRICE_BELOW_MINIMUM',
      ],
      ['a fractional quote', () => call('GET', '/market/quote?priceSats=1000.5'), 400, 'PRICE_INVALID'],
      [
        'listing a meme one does not own',
        () => call('POST', `/memes/${meme}/listing`, { who: buyer, body: { priceSats: 5_000 } }),
        403,
        'NOT_OWNER',
      ],
      [
        'a second active listing',
        () => call('POST', `/memes/${meme}/listing`, { who: seller, body: { priceSats: 5_000 } }),
        409,
        'ALREADY_LISTED',
      ],
      [
        'listing a meme not in a round',
        () => call('POST', `/memes/${unassigned}/listing`, { who: seller, body: { priceSats: 5_000 } }),
        409,
        'MEME_NOT_TRADABLE',
      ],
      [
        'listing an unknown meme',
        () => call('POST', '/memes/m_nope/listing', { who: seller, body: { priceSats: 5_000 } }),
        404,
        'MEME_NOT_FOUND',
      ],
      [
        'a listing body with an extra field',
        () => call('POST', `/memes/${meme}/listing`, { who: seller, body: { priceSats: 5_000, fee: 0 } }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'buying one’s own meme',
        () => call('POST', `/listings/${listingId}/purchase`, { who: seller, key: uid('k-') }),
        409,
        'CANNOT_BUY_OWN',
      ],
      [
        'buying an unlisted meme',
        () => call('POST', '/listings/ls_nope/purchase', { who: buyer, key: uid('k-') }),
        404,
        'LISTING_NOT_FOUND',
      ],
      [
        'buying a sold listing',
        () => call('POST', `/listings/${sold}/purchase`, { who: buyer, key: uid('k-') }),
        409,
        'LISTING_NOT_ACTIVE',
      ],
      [
        'buying without an idempotency key',
        () => call('POST', `/listings/${listingId}/purchase`, { who: buyer }),
        400,
        'IDEMPOTENCY_KEY_INVALID',
      ],
      [
        'buying with a malformed key',
        () => call('POST', `/listings/${listingId}/purchase`, { who: buyer, key: 'no' }),
        400,
        'IDEMPOTENCY_KEY_INVALID',
      ],
      // The header's schema says 8-64 of [A-Za-z0-9_-]; breaking it answers the same documented code.
      [
        'buying with a 65-character key',
        () => call('POST', `/listings/${listingId}/purchase`, { who: buyer, key: 'k'.repeat(65) }),
        400,
        'IDEMPOTENCY_KEY_INVALID',
      ],
      [
        'buying with a 101-character key',
        () => call('POST', `/listings/${listingId}/purchase`, { who: buyer, key: 'k'.repeat(101) }),
        400,
        'IDEMPOTENCY_KEY_INVALID',
      ],
      [
        'bidding with a key of other characters',
        () =>
          call('POST', `/memes/${meme}/offers`, {
            who: buyer,
            key: 'key.with.dots',
            body: { priceSats: 1_000 },
          }),
        400,
        'IDEMPOTENCY_KEY_INVALID',
      ],
      [
        'bidding with a good key and a body with an extra field',
        () =>
          call('POST', `/memes/${meme}/offers`, {
            who: buyer,
            key: uid('k-'),
            body: { priceSats: 1_000, fee: 0 },
          }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'reusing a key for another purchase',
        () => call('POST', `/listings/${listingId}/purchase`, { who: seller, key: 'bad-setup-01' }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      ],
      [
        'bidding on one’s own meme',
        () =>
          call('POST', `/memes/${meme}/offers`, { who: seller, key: uid('k-'), body: { priceSats: 5_000 } }),
        409,
        'CANNOT_BUY_OWN',
      ],
      [
        'bidding beyond one’s balance',
        () =>
          call('POST', `/memes/${meme}/offers`, { who: buyer, key: uid('k-'), body: { priceSats: 10_000 } }),
        402,
        'INSUFFICIENT_FUNDS',
      ],
      [
        'bidding on an unknown meme',
        () =>
          call('POST', '/memes/m_nope/offers', { who: buyer, key: uid('k-'), body: { priceSats: 1_000 } }),
        404,
        'MEME_NOT_FOUND',
      ],
      [
        'cancelling someone else’s listing',
        () => call('DELETE', `/listings/${listingId}`, { who: buyer }),
        403,
        'NOT_OWNER',
      ],
      [
        'cancelling an unknown listing',
        () => call('DELETE', '/listings/ls_nope', { who: seller }),
        404,
        'LISTING_NOT_FOUND',
      ],
      [
        'accepting an unknown offer',
        () => call('POST', '/offers/of_nope/accept', { who: seller }),
        404,
        'OFFER_NOT_FOUND',
      ],
      [
        'withdrawing an unknown offer',
        () => call('DELETE', '/offers/of_nope', { who: buyer }),
        404,
        'OFFER_NOT_FOUND',
      ],
      ['an unknown meme’s page', () => call('GET', '/memes/m_nope'), 404, 'MEME_NOT_FOUND'],
      ['an unknown meme’s trades', () => call('GET', '/memes/m_nope/trades'), 404, 'MEME_NOT_FOUND'],
      ['an unknown sort', () => call('GET', '/market/listings?sort=cheapest'), 400, 'VALIDATION_FAILED'],
      [
        'a negative price filter',
        () => call('GET', '/market/listings?minPriceSats=-1'),
        400,
        'VALIDATION_FAILED',
      ],
    ]
    for (const [name, request, status, code] of cases) {
      const before = await everything()
      const res = await request()
      expect([res.statusCode, res.json().error?.code], name).toEqual([status, code])
      expect(await everything(), name).toEqual(before)
    }
  })

  it('answers a stale listing after a cancel with LISTING_NOT_ACTIVE', async () => {
    const own = await memeOf(seller)
    const stale = (
      await call('POST', `/memes/${own}/listing`, { who: seller, body: { priceSats: 1_200 } })
    ).json().id
    expect((await call('DELETE', `/listings/${stale}`, { who: seller })).json().state).toBe('cancelled')
    expect(
      (await call('POST', `/memes/${own}/listing`, { who: seller, body: { priceSats: 1_900 } })).statusCode,
    ).toBe(201)
    const before = await everything()
    const res = await call('POST', `/listings/${stale}/purchase`, { who: buyer, key: uid('k-') })
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'LISTING_NOT_ACTIVE'])
    expect(await everything()).toEqual(before)
  })
})

describe('the OpenAPI document', () => {
  it('describes the marketplace routes and their error codes', async () => {
    const document = (await t.app.inject({ url: '/api/v1/openapi.json' })).json()
    for (const path of [
      '/api/v1/market/listings',
      '/api/v1/market/quote',
      '/api/v1/memes/{id}/listing',
      '/api/v1/listings/{id}',
      '/api/v1/listings/{id}/purchase',
      '/api/v1/memes/{id}/offers',
      '/api/v1/offers/{id}/accept',
      '/api/v1/offers/{id}',
      '/api/v1/memes/{id}',
      '/api/v1/memes/{id}/trades',
      '/api/v1/me/memes',
      '/api/v1/me/trades',
      '/api/v1/me/offers',
    ]) {
      expect(document.paths, path).toHaveProperty([path])
    }
    const purchase = document.paths['/api/v1/listings/{id}/purchase'].post
    expect(purchase.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toContain(
      'header:idempotency-key',
    )
    const key = purchase.parameters.find((p: { name: string }) => p.name === 'idempotency-key')
    expect(key.schema).toMatchObject({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]{8,64}$' })
    expect(document.components.schemas.ErrorBody.properties.error.properties.code.enum).toEqual(
      expect.arrayContaining(['PRICE_INVALID', 'LISTING_NOT_ACTIVE', 'OFFER_NOT_OPEN', 'CANNOT_BUY_OWN']),
    )
  })
})
