/**
 * GET /api/v1/wallet: requires a session; allocates the caller's deposit address on the first
 * request and keeps it; shows a payment as pending once the watcher has seen it and in the
 * balance once it is credited; and never puts the master key in a response or a log line.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../contracts/auth.ts'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { walletRoutes } from '../../src/http/routes/wallet.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import { DepositsRepository } from '../../src/services/wallet/deposits.repository.ts'
import { DepositWatcher } from '../../src/services/wallet/deposits.ts'
import { masterKeyFile, WalletKeys } from '../../src/services/wallet/keys.ts'
import { WalletService } from '../../src/services/wallet/wallet.service.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { newKey, sessionToken, signIn } from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

let dataDir: string
let db: TestDb
let devnet: Devnet
let watcher: DepositWatcher
let t: TestApp

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'memepool-wallet-api-'))
  db = await openTestDb()
  devnet = await Devnet.open({ dataDir, blockIntervalSeconds: 0 })
  const keys = await WalletKeys.open({ masterKey: undefined, embedded: true, dataDir, chain: 'devnet' })
  const repository = new DepositsRepository(db.kysely)
  const ledger = new Ledger(db.kysely)
  await ledger.init()
  watcher = new DepositWatcher({
    source: new DevnetChainSource(devnet),
    repository,
    ledger,
    confirmations: 1,
  })
  await watcher.init()
  const wallet = new WalletService({ keys, repository, ledger, confirmations: 1 })
  t = await buildTestApp({ db, logLevel: 'trace', deps: { apiRoutes: [walletRoutes({ wallet })] } })
})
afterAll(async () => {
  await t?.close()
  await devnet?.close()
  await db?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function signedInCookie(): Promise<string> {
  return sessionToken(await signIn(t.app, newKey()))
}

function getWallet(token?: string) {
  return t.app.inject({
    method: 'GET',
    url: '/api/v1/wallet',
    headers: token === undefined ? {} : { cookie: `${SESSION_COOKIE}=${token}` },
  })
}

describe('GET /api/v1/wallet', () => {
  it('requires authentication', async () => {
    const res = await getWallet()
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('UNAUTHORIZED')
    expect(await db.kysely.selectFrom('deposit_addresses').selectAll().execute()).toHaveLength(0)
  })

  it("allocates the caller's deposit address on the first request and keeps it", async () => {
    const token = await signedInCookie()
    const first = await getWallet(token)
    expect(first.statusCode).toBe(200)
    expect(first.json()).toEqual({
      depositAddress: expect.stringMatching(/^1[1-9A-HJ-NP-Za-km-z]{25,34}$/),
      requiredConfirmations: 1,
      frozen: false,
      balance: { availableSats: 0, heldSats: 0, pendingDepositSats: 0 },
      deposits: [],
    })
    expect((await getWallet(token)).json().depositAddress).toBe(first.json().depositAddress)
    const other = await getWallet(await signedInCookie())
    expect(other.json().depositAddress).not.toBe(first.json().depositAddress)
  })

  it('shows a payment as pending, then credited', async () => {
    const token = await signedInCookie()
    const { depositAddress } = (await getWallet(token)).json()
    const paid = await devnet.faucet(depositAddress, 25_000)
    expect(paid.status).toBe('ok')
    const txid = paid.status === 'ok' ? paid.txid : ''
    await watcher.scan()

    const pending = (await getWallet(token)).json()
    expect(pending.balance).toEqual({ availableSats: 0, heldSats: 0, pendingDepositSats: 25_000 })
    expect(pending.deposits).toEqual([
      {
        txid,
        vout: 0,
        satoshis: 25_000,
        state: 'seen',
        confirmations: 0,
        blockHeight: null,
        firstSeenAt: expect.any(String),
        creditedAt: null,
      },
    ])

    const tip = await devnet.mine(1)
    await watcher.scan()
    const credited = (await getWallet(token)).json()
    expect(credited.balance).toEqual({ availableSats: 25_000, heldSats: 0, pendingDepositSats: 0 })
    expect(credited.deposits[0]).toMatchObject({
      txid,
      state: 'credited',
      confirmations: 1,
      blockHeight: tip.height,
      creditedAt: expect.any(String),
    })
  })

  it('never serves or logs the master key', async () => {
    const xprv = readFileSync(masterKeyFile(dataDir), 'utf8').trim()
    const res = await getWallet(await signedInCookie())
    expect(res.body).not.toContain(xprv)
    expect(t.rawLogs()).toContain('/api/v1/wallet')
    expect(t.rawLogs()).not.toContain(xprv)
  })
})
