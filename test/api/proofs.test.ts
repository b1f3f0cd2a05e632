/**
 * GET /api/v1/proofs/transfers/:id requires authentication; a user gets the proof of a transfer
 * touching their account (it verifies against the root, the root is in the anchor transaction's
 * OP_RETURN and the transaction in its block), an admin gets any, and anyone else's transfer or
 * an unknown id answers 404 NOT_FOUND; a transfer made after the last anchor answers 409
 * NOT_ANCHORED_YET.
 */
import { PrivateKey } from '@bsv/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../contracts/auth.ts'
import type { TransferProof } from '../../contracts/proofs.ts'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import type { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { rootFromBranch } from '../../src/adapters/chain/merkle.ts'
import { leafHash, verifyPath } from '../../src/domain/record-tree.ts'
import { proofRoutes } from '../../src/http/routes/proofs.ts'
import { userAccountId } from '../../src/ledger/accounts.ts'
import { findAnchorPayload } from '../../src/services/anchoring/anchor-payload.ts'
import { AnchoringService } from '../../src/services/anchoring/anchoring.service.ts'
import { AnchorsRepository } from '../../src/services/anchoring/anchors.repository.ts'
import { keyFunder } from '../../src/services/anchoring/funder.ts'
import { fund, openTestDevnet } from '../chain/support.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { newKey, sessionToken, signIn } from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext, uid } from '../support/ledger.ts'

const FUNDING_SATS = 50_000

let db: TestDb
let devnet: Devnet
let closeDevnet: () => Promise<void>
let t: TestApp
let adminToken: string
let viewerToken: string
let viewerTransfer: string
let otherTransfer: string
let lateTransfer: string

async function pay(ctx: LedgerContext, account: string): Promise<string> {
  const id = uid('t-')
  const result = await ctx.ledger.transfer([
    { id, debitAccountId: FUNDING_ACCOUNT, creditAccountId: account, amountSats: 1234, code: 'deposit' },
  ])
  expect(result.status).toBe('ok')
  return id
}

function getProof(id: string, token?: string) {
  return t.app.inject({
    url: `/api/v1/proofs/transfers/${encodeURIComponent(id)}`,
    headers: token === undefined ? {} : { cookie: `${SESSION_COOKIE}=${token}` },
  })
}

beforeAll(async () => {
  db = await openTestDb()
  const opened = await openTestDevnet()
  devnet = opened.devnet
  closeDevnet = opened.close
  const chain = new DevnetChainSource(devnet)
  const funder = keyFunder(PrivateKey.fromRandom(), 'devnet')
  await fund(devnet, funder.address, FUNDING_SATS)
  const anchoring = new AnchoringService({ anchors: new AnchorsRepository(db.kysely), chain, funder })
  t = await buildTestApp({ db, deps: { apiRoutes: [proofRoutes({ anchoring })] } })

  // The first user of an embedded install is its admin; the second is an ordinary viewer.
  adminToken = sessionToken(await signIn(t.app, newKey()))
  const viewerLogin = await signIn(t.app, newKey())
  viewerToken = sessionToken(viewerLogin)
  const viewerAccount = userAccountId(viewerLogin.json().user.id as string)

  const ctx = await new LedgerContext(db).init()
  await ctx.ledger.ensureAccounts([{ id: viewerAccount, kind: 'user' }])
  viewerTransfer = await pay(ctx, viewerAccount)
  otherTransfer = await pay(ctx, await ctx.newAccount('user'))
  const outcome = await anchoring.anchorPeriod({ kind: 'block', key: devnet.tip().height })
  expect(outcome.status).toBe('anchored')
  await devnet.mine(1)
  await anchoring.refresh()
  lateTransfer = await pay(ctx, viewerAccount)
})
afterAll(async () => {
  await t?.close()
  await closeDevnet?.()
  await db?.close()
})

describe('GET /api/v1/proofs/transfers/:id', () => {
  it('requires authentication', async () => {
    const res = await getProof(viewerTransfer)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('UNAUTHORIZED')
  })

  it("gives a user the proof of their own transfer, down to the anchor transaction's block", async () => {
    const res = await getProof(viewerTransfer, viewerToken)
    expect(res.statusCode).toBe(200)
    const proof = res.json() as TransferProof
    expect(proof.record).toMatchObject({ id: viewerTransfer, amountSats: 1234, kind: 'transfer' })
    expect(proof.leafHash).toBe(leafHash(proof.record))
    expect(verifyPath(proof.leafHash, proof.path, proof.root)).toBe(true)
    expect(proof.anchor.state).toBe('confirmed')
    expect(findAnchorPayload(devnet.transaction(proof.anchor.txid)!.hex)?.root).toBe(proof.root)
    const merkle = proof.anchor.txMerkleProof!
    expect(merkle.blockHash).toBe(proof.anchor.blockHash)
    expect(rootFromBranch(proof.anchor.txid, merkle.index, merkle.nodes)).toBe(
      devnet.blockAt(merkle.blockHeight)!.merkleRoot,
    )
  })

  it("gives an admin anyone's transfer", async () => {
    const res = await getProof(otherTransfer, adminToken)
    expect(res.statusCode).toBe(200)
    expect(res.json().record.id).toBe(otherTransfer)
  })

  it("answers 404 for someone else's transfer and for an unknown id, alike", async () => {
    const other = await getProof(otherTransfer, viewerToken)
    expect(other.statusCode).toBe(404)
    expect(other.json().error.code).toBe('NOT_FOUND')
    const unknown = await getProof('no-such-transfer', adminToken)
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error.code).toBe('NOT_FOUND')
  })

  it('answers 409 NOT_ANCHORED_YET for a transfer made after the last anchor', async () => {
    const res = await getProof(lateTransfer, viewerToken)
    expect(res.statusCode).toBe(409)
    expect(res.json().error).toMatchObject({
      code: 'NOT_ANCHORED_YET',
      details: { transferId: lateTransfer },
    })
  })
})
