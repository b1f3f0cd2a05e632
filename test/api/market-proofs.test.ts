/**
 * A trade is part of the anchored records (issue 7, SPEC 2): a purchase over the API answers the
 * ids of its ledger transfers (`trade:<id>:price`, buyer to seller, and `trade:<id>:fee`, seller
 * to platform), and once the period is anchored on the devnet each has a proof at
 * /api/v1/proofs/transfers/:id that verifies: the record is the transfer with the trade's amounts,
 * its leaf hash leads up the path to the root, the root is in the anchor transaction's OP_RETURN,
 * and that transaction is in its block. The buyer sees the price's proof, the seller both (the
 * fee is theirs to pay); the fee's is not the buyer's to see.
 */
import { createHash, randomUUID } from 'node:crypto'
import { PrivateKey } from '@bsv/sdk'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../contracts/auth.ts'
import type { ListingView, TradeView } from '../../contracts/market.ts'
import type { TransferProof } from '../../contracts/proofs.ts'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import type { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { rootFromBranch } from '../../src/adapters/chain/merkle.ts'
import { leafHash, verifyPath } from '../../src/domain/record-tree.ts'
import { marketRoutes } from '../../src/http/routes/market.ts'
import { proofRoutes } from '../../src/http/routes/proofs.ts'
import { userAccountId } from '../../src/ledger/accounts.ts'
import { findAnchorPayload } from '../../src/services/anchoring/anchor-payload.ts'
import { AnchoringService } from '../../src/services/anchoring/anchoring.service.ts'
import { AnchorsRepository } from '../../src/services/anchoring/anchors.repository.ts'
import { keyFunder } from '../../src/services/anchoring/funder.ts'
import { MarketRepository } from '../../src/services/market/market.repository.ts'
import { MarketService } from '../../src/services/market/market.service.ts'
import { MarketQueries } from '../../src/services/market/market-queries.ts'
import { fund, openTestDevnet } from '../chain/support.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { me, newKey, sessionToken, signIn } from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext, uid } from '../support/ledger.ts'

const MONEY = { feeBps: 200, minimumPriceSats: 1_000 }
const PRICE_SATS = 2_500
const FEE_SATS = 50

let db: TestDb
let devnet: Devnet
let closeDevnet: () => Promise<void>
let t: TestApp
let anchoring: AnchoringService
let seller: { id: string; token: string }
let buyer: { id: string; token: string }
let trade: TradeView

async function person(): Promise<{ id: string; token: string }> {
  const token = sessionToken(await signIn(t.app, newKey()))
  const id = (await me(t.app, { cookie: token })).json().user.id as string
  return { id, token }
}

function call(
  method: 'GET' | 'POST',
  url: string,
  token: string,
  options: { body?: object; key?: string } = {},
) {
  return t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: {
      cookie: `${SESSION_COOKIE}=${token}`,
      ...(options.key === undefined ? {} : { 'idempotency-key': options.key }),
    },
    ...(options.body === undefined ? {} : { payload: options.body }),
  })
}

beforeAll(async () => {
  db = await openTestDb()
  const opened = await openTestDevnet()
  devnet = opened.devnet
  closeDevnet = opened.close
  const funder = keyFunder(PrivateKey.fromRandom(), 'devnet')
  await fund(devnet, funder.address, 50_000)
  anchoring = new AnchoringService({
    anchors: new AnchorsRepository(db.kysely),
    chain: new DevnetChainSource(devnet),
    funder,
  })
  const ctx = await new LedgerContext(db).init()
  const queries = new MarketQueries(db.kysely, MONEY)
  const market = new MarketService({
    ...MONEY,
    repository: new MarketRepository(db.kysely),
    views: queries,
    ledger: ctx.ledger,
  })
  t = await buildTestApp({
    db,
    deps: { apiRoutes: [proofRoutes({ anchoring }), marketRoutes({ market, queries, ...MONEY })] },
  })
  seller = await person()
  buyer = await person()
  await ctx.ledger.ensureAccounts([{ id: userAccountId(buyer.id), kind: 'user' }])
  const funded = await ctx.ledger.transfer([
    {
      id: uid('fund-'),
      debitAccountId: FUNDING_ACCOUNT,
      creditAccountId: userAccountId(buyer.id),
      amountSats: 10_000,
      code: 'deposit',
    },
  ])
  expect(funded.status).toBe('ok')

  // A meme of the seller's in a round, listed and bought over the API.
  const memeId = `m_${randomUUID().replaceAll('-', '').slice(0, 20)}`
  const sha = createHash('sha256').update(memeId).digest('hex')
  await sql`insert into memes (id, creator_user_id, owner_user_id, title, tags, state, original_sha256, original_format,
              original_width, original_height, original_bytes, stored_sha256, stored_ext, phash, created_at, updated_at)
            values (${memeId}, ${seller.id}, ${seller.id}, 'anchored trade', '[]', 'assigned', ${sha}, 'png', 1920, 1080, 1,
              ${sha}, 'png', '0000000000000000', now(), now())`.execute(db.kysely)
  const listed = await call('POST', `/memes/${memeId}/listing`, seller.token, {
    body: { priceSats: PRICE_SATS },
  })
  expect(listed.statusCode).toBe(201)
  const bought = await call('POST', `/listings/${(listed.json() as ListingView).id}/purchase`, buyer.token, {
    key: 'anchor-trade-1',
  })
  expect(bought.statusCode).toBe(201)
  trade = bought.json() as TradeView

  const outcome = await anchoring.anchorPeriod({ kind: 'block', key: devnet.tip().height })
  expect(outcome.status).toBe('anchored')
  await devnet.mine(1)
  await anchoring.refresh()
})
afterAll(async () => {
  await t?.close()
  await closeDevnet?.()
  await db?.close()
})

/** Fetches the proof and checks it all the way down to the block; answers it. */
async function verifiedProof(transferId: string, token: string): Promise<TransferProof> {
  const res = await call('GET', `/proofs/transfers/${encodeURIComponent(transferId)}`, token)
  expect(res.statusCode, res.body).toBe(200)
  const proof = res.json() as TransferProof
  expect(proof.leafHash).toBe(leafHash(proof.record))
  expect(verifyPath(proof.leafHash, proof.path, proof.root)).toBe(true)
  expect(proof.anchor.state).toBe('confirmed')
  expect(findAnchorPayload(devnet.transaction(proof.anchor.txid)!.hex)?.root).toBe(proof.root)
  const merkle = proof.anchor.txMerkleProof!
  expect(rootFromBranch(proof.anchor.txid, merkle.index, merkle.nodes)).toBe(
    devnet.blockAt(merkle.blockHeight)!.merkleRoot,
  )
  return proof
}

describe('a trade in the anchored records', () => {
  it('names its two ledger transfers, with the price and the 2% fee', () => {
    expect(trade.transferIds).toEqual([`trade:${trade.id}:price`, `trade:${trade.id}:fee`])
    expect([trade.priceSats, trade.feeSats, trade.sellerReceivesSats]).toEqual([
      PRICE_SATS,
      FEE_SATS,
      PRICE_SATS - FEE_SATS,
    ])
  })

  it('has a proof of the price transfer for the buyer and the seller that verifies down to the block', async () => {
    const [priceId] = trade.transferIds
    for (const who of [buyer, seller]) {
      const proof = await verifiedProof(priceId!, who.token)
      expect(proof.record).toMatchObject({ id: priceId, amountSats: PRICE_SATS, kind: 'transfer' })
    }
  })

  it('has a proof of the fee transfer for the seller, and not for the buyer, whose account it does not touch', async () => {
    const [, feeId] = trade.transferIds
    const proof = await verifiedProof(feeId!, seller.token)
    expect(proof.record).toMatchObject({ id: feeId, amountSats: FEE_SATS, kind: 'transfer' })
    const res = await call('GET', `/proofs/transfers/${encodeURIComponent(feeId!)}`, buyer.token)
    expect([res.statusCode, res.json().error.code]).toEqual([404, 'NOT_FOUND'])
  })
})
