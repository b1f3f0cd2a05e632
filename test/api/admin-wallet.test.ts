/**
 * Admin money routes: only admins reach them; an uncovered deposit reversal shows as an alert and
 * a frozen account; lifting the freeze resolves the alert and lets the user withdraw again; the
 * hot wallet's status shows its coins and the queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../contracts/auth.ts'
import { adminWalletRoutes } from '../../src/http/routes/admin-wallet.ts'
import { DEPOSIT_REVERSAL_UNCOVERED } from '../../src/services/wallet/deposits.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { me, newKey, sessionToken, signIn } from '../support/auth.ts'
import { newExternalAddress, WalletWorld } from '../support/wallet-world.ts'

let world: WalletWorld
let t: TestApp
let adminToken: string
let userToken: string
let userId: string

beforeAll(async () => {
  world = await WalletWorld.open()
  const admin = newKey()
  t = await buildTestApp({
    db: world.db,
    env: { ADMINS: admin.toPublicKey().toString() },
    deps: { apiRoutes: [adminWalletRoutes({ deposits: world.deposits, payouts: world.payouts })] },
  })
  adminToken = sessionToken(await signIn(t.app, admin))
  userToken = sessionToken(await signIn(t.app, newKey()))
  userId = (await me(t.app, { cookie: userToken })).json().user.id
})
afterAll(async () => {
  await t?.app.close()
  await world?.close()
})

function call(method: 'GET' | 'POST', url: string, token?: string) {
  return t.app.inject({ method, url, headers: token ? { cookie: `${SESSION_COOKIE}=${token}` } : {} })
}

describe('admin money routes', () => {
  it.each([
    ['GET', '/api/v1/admin/alerts'],
    ['GET', '/api/v1/admin/hot-wallet'],
    ['POST', '/api/v1/admin/users/someone/unfreeze'],
  ] as const)('%s %s requires authentication, then an admin', async (method, url) => {
    expect((await call(method, url)).statusCode).toBe(401)
    const asUser = await call(method, url, userToken)
    expect(asUser.statusCode).toBe(403)
    expect(asUser.json().error.code).toBe('FORBIDDEN')
  })

  it('shows the alert of a frozen account, and unfreezing resolves it and lets the user withdraw', async () => {
    const now = new Date()
    await world.deposits.freezeUser(userId, now)
    await world.deposits.raiseAlert(
      { id: `test-alert-${userId}`, code: DEPOSIT_REVERSAL_UNCOVERED, userId, details: { satoshis: 5_000 } },
      now,
    )
    const alerts = await call('GET', '/api/v1/admin/alerts', adminToken)
    expect(alerts.statusCode).toBe(200)
    expect(alerts.json().alerts).toMatchObject([
      { code: DEPOSIT_REVERSAL_UNCOVERED, userId, details: { satoshis: 5_000 } },
    ])

    const request = { amountSats: 2_000, address: newExternalAddress(), idempotencyKey: 'frozen-try-1' }
    expect(await world.withdrawals.request(userId, request)).toEqual({ status: 'ACCOUNT_FROZEN' })

    const unfrozen = await call('POST', `/api/v1/admin/users/${userId}/unfreeze`, adminToken)
    expect(unfrozen.json()).toEqual({ userId, wasFrozen: true, alertsResolved: 1 })
    expect((await call('GET', '/api/v1/admin/alerts', adminToken)).json().alerts).toEqual([])
    // Not frozen any more: the request now fails only for want of funds.
    expect(await world.withdrawals.request(userId, request)).toEqual({ status: 'INSUFFICIENT_FUNDS' })
    expect((await call('POST', '/api/v1/admin/users/nobody-here/unfreeze', adminToken)).statusCode).toBe(404)
  })

  it("shows the hot wallet's coins and the queue", async () => {
    await world.devnet.faucet(world.payouts.hotWalletAddress, 70_000)
    await world.devnet.mine(1)
    const funded = await world.fundedUser(20_000)
    await world.withdrawals.request(funded.id, {
      amountSats: 5_000,
      address: newExternalAddress(),
      idempotencyKey: 'queued-1',
    })
    const res = await call('GET', '/api/v1/admin/hot-wallet', adminToken)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      address: world.payouts.hotWalletAddress,
      spendableSats: 70_000,
      outputs: 1,
      queuedWithdrawals: 1,
      queuedSats: 5_000,
      inFlight: [],
    })
  })
})
