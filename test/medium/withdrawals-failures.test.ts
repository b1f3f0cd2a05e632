/**
 * Withdrawals when things go wrong, on the real devnet with faults injected at the chain source:
 * a payout the network refuses is retried in a new batch and, after its last attempt, refunded;
 * an outage while sending is retried with the same bytes; a send that timed out but got through
 * is not sent twice; a payout lost for good is cancelled by spending its inputs back, and only
 * once the cancellation confirms is the withdrawal paid again; two payout workers at once make
 * one payout; requests that together exceed a balance get exactly the set the balance covers;
 * and bad input gets its code and moves nothing. The ledger law holds after every scenario.
 */
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { userAccountId } from '../../src/ledger/accounts.ts'
import { MAX_BROADCAST_TROUBLES, MAX_WITHDRAWAL_ATTEMPTS } from '../../src/services/wallet/payouts.ts'
import { WithdrawalService, withdrawalFeeSats } from '../../src/services/wallet/withdrawals.ts'
import { uid } from '../support/ledger.ts'
import {
  FEE_RATE_SATS_PER_KB,
  newExternalAddress,
  WalletWorld,
  WITHDRAW_MIN_SATS,
} from '../support/wallet-world.ts'

const FEE_SATS = withdrawalFeeSats(FEE_RATE_SATS_PER_KB)

let world: WalletWorld | undefined
async function open(): Promise<WalletWorld> {
  world = await WalletWorld.open()
  return world
}
afterEach(async () => {
  if (world) {
    expect(await world.ledger.sumOfBalances()).toBe(0)
    const c = await world.conservation()
    expect(c.inside).toBe(c.deposits - c.withdrawn - c.networkFees)
  }
  await world?.close()
  world = undefined
})

/** A funded user with one requested withdrawal, and a hot wallet already holding the deposit. */
async function withdrawalReady(w: WalletWorld, amountSats = 20_000) {
  const user = await w.fundedUser(100_000)
  await w.payouts.tick() // sweeps the deposit into the hot wallet
  await w.devnet.mine(1)
  const destination = newExternalAddress()
  const result = await w.withdrawals.request(user.id, {
    amountSats,
    address: destination,
    idempotencyKey: uid('k-'),
  })
  if (result.status !== 'created') throw new Error(result.status)
  return { user, destination, id: result.withdrawal.id }
}

describe('a payout the network refuses', () => {
  it('is retried in a new batch and paid', async () => {
    const w = await open()
    const { destination, id } = await withdrawalReady(w)
    w.chain.refuseBroadcasts = 1
    const report = await w.payouts.tick()
    expect(report).toMatchObject({ paid: 1, failed: 1 })
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({
      state: 'requested',
      attempts: 1,
      txid: null,
    })
    await w.payouts.tick() // a new batch from the released inputs
    await w.block()
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({ state: 'confirmed', attempts: 1 })
    expect(w.onChainSats(destination)).toBe(20_000 - FEE_SATS)
    const payouts = (await w.walletTxs()).filter((t) => t.purpose === 'payout')
    expect(payouts.map((p) => p.state)).toEqual(['failed', 'confirmed'])
  })

  it(`is refunded after ${MAX_WITHDRAWAL_ATTEMPTS} refusals, in full, and never paid`, async () => {
    const w = await open()
    const { user, destination, id } = await withdrawalReady(w)
    expect(await w.available(user.id)).toBe(80_000)
    w.chain.refuseBroadcasts = MAX_WITHDRAWAL_ATTEMPTS
    for (let i = 0; i < MAX_WITHDRAWAL_ATTEMPTS + 1; i++) await w.payouts.tick()
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({
      state: 'refunded',
      attempts: MAX_WITHDRAWAL_ATTEMPTS,
    })
    expect(await w.available(user.id)).toBe(100_000)
    await w.block()
    expect(w.onChainSats(destination)).toBe(0)
    // A refund is final: later ticks pay nothing.
    expect(await w.payouts.tick()).toMatchObject({ paid: 0, refunded: 0 })
  })
})

describe('an outage while sending', () => {
  it('is retried with the same bytes, and the withdrawal is paid once', async () => {
    const w = await open()
    const { destination, id } = await withdrawalReady(w)
    w.chain.failBroadcasts = 2
    await w.payouts.tick()
    await w.payouts.tick()
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({ state: 'requested' })
    await w.payouts.tick()
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({ state: 'broadcast' })
    await w.block()
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({ state: 'confirmed' })
    const payouts = (await w.walletTxs()).filter((t) => t.purpose === 'payout')
    expect(payouts).toHaveLength(1)
    expect(new Set(w.chain.broadcasts.filter((raw) => raw === payouts[0]!.raw_tx)).size).toBe(1)
    expect(w.onChainSats(destination)).toBe(20_000 - FEE_SATS)
  })

  it('does not cancel a payout whose send timed out but reached the network', async () => {
    const w = await open()
    const { id } = await withdrawalReady(w)
    w.chain.acceptThenTimeout = 1
    await w.payouts.tick()
    await w.payouts.tick() // finds it in the mempool
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({ state: 'broadcast' })
    await w.block()
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({ state: 'confirmed' })
    expect((await w.walletTxs()).filter((t) => t.purpose === 'cancel')).toHaveLength(0)
  })

  it('cancels a payout lost for good and pays again only once the cancellation confirms', async () => {
    const w = await open()
    const { destination, id } = await withdrawalReady(w)
    w.chain.failBroadcasts = MAX_BROADCAST_TROUBLES
    for (let i = 0; i < MAX_BROADCAST_TROUBLES; i++) await w.payouts.tick()
    const [lost] = (await w.walletTxs()).filter((t) => t.purpose === 'payout')
    const [cancel] = (await w.walletTxs()).filter((t) => t.purpose === 'cancel')
    expect(cancel).toMatchObject({ cancels_id: lost!.id, state: 'built' })
    w.verifyTx(cancel!.raw_tx)
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({ state: 'requested', attempts: 0 })

    await w.payouts.tick() // the network is back: the cancellation goes out, the lost payout does not
    expect(w.devnet.txStatus(cancel!.txid).state).toBe('mempool')
    expect(w.devnet.txStatus(lost!.txid).state).toBe('unknown')
    await w.block() // the cancellation confirms; the withdrawal is queued again and paid from its output
    expect(
      (
        await w.db.kysely
          .selectFrom('wallet_txs')
          .select('state')
          .where('id', '=', lost!.id)
          .executeTakeFirst()
      )?.state,
    ).toBe('cancelled')
    await w.block()
    expect(await w.withdrawalsRepository.byId(id)).toMatchObject({ state: 'confirmed', attempts: 1 })
    expect(w.onChainSats(destination)).toBe(20_000 - FEE_SATS)
    // The lost payout can never confirm now: its inputs are spent.
    expect((await w.chain.broadcast(lost!.raw_tx)).status).toBe('rejected')
  })
})

describe('concurrency', () => {
  it('two payout workers ticking at once make one payout and pay once', async () => {
    const w = await open()
    const { destination } = await withdrawalReady(w)
    const other = w.newPayoutService()
    await Promise.all([w.payouts.tick(), other.tick(), w.payouts.tick(), other.tick()])
    await w.block()
    await other.tick()
    const payouts = (await w.walletTxs()).filter((t) => t.purpose === 'payout' && t.state !== 'failed')
    expect(payouts).toHaveLength(1)
    expect(w.onChainSats(destination)).toBe(20_000 - FEE_SATS)
  })

  it('requests that together exceed the balance: exactly the ones it covers succeed', async () => {
    const w = await open()
    const user = await w.fundedUser(10_000)
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        w.withdrawals.request(user.id, {
          amountSats: 3_000,
          address: newExternalAddress(),
          idempotencyKey: `race-${i}-x`,
        }),
      ),
    )
    expect(results.filter((r) => r.status === 'created')).toHaveLength(3)
    expect(results.filter((r) => r.status === 'INSUFFICIENT_FUNDS')).toHaveLength(3)
    expect(await w.available(user.id)).toBe(1_000)
  })
})

describe('bad input', () => {
  const cases: Array<[string, number, string | undefined, string]> = [
    ['zero', 0, undefined, 'AMOUNT_INVALID'],
    ['negative', -5_000, undefined, 'AMOUNT_INVALID'],
    ['a fraction', 5_000.5, undefined, 'AMOUNT_INVALID'],
    ['not a number', Number.NaN, undefined, 'AMOUNT_INVALID'],
    ['infinite', Number.POSITIVE_INFINITY, undefined, 'AMOUNT_INVALID'],
    ['beyond the supply', 1e30, undefined, 'AMOUNT_INVALID'],
    ['below the minimum', WITHDRAW_MIN_SATS - 1, undefined, 'AMOUNT_BELOW_MINIMUM'],
    ['a malformed address', 5_000, '1BoatSLRHtKNngkdXEeobR76b53LETtpyX', 'INVALID_ADDRESS'],
    ['not an address at all', 5_000, 'hello', 'INVALID_ADDRESS'],
  ]
  let shared: WalletWorld
  beforeAll(async () => {
    shared = await WalletWorld.open()
  })
  afterAll(() => shared.close())
  it.each(cases)('%s gets its code and moves nothing', async (_name, amountSats, address, code) => {
    const w = shared
    const user = await w.fundedUser(50_000)
    const result = await w.withdrawals.request(user.id, {
      amountSats,
      address: address ?? newExternalAddress(),
      idempotencyKey: uid('bad-'),
    })
    expect(result).toEqual({ status: code })
    expect(await w.available(user.id)).toBe(50_000)
    expect(await w.withdrawalsRepository.listForUser(user.id, 10)).toHaveLength(0)
  })

  it('an address of another network, an invalid key, more than the balance, and a frozen account', async () => {
    const w = await open()
    const user = await w.fundedUser(50_000)
    const mainnet = new WithdrawalService({
      repository: w.withdrawalsRepository,
      deposits: w.deposits,
      ledger: w.ledger,
      network: 'main',
      minimumSats: WITHDRAW_MIN_SATS,
      feeRateSatsPerKb: FEE_RATE_SATS_PER_KB,
    })
    const testnetAddress = 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn'
    const base = { amountSats: 5_000, address: newExternalAddress(), idempotencyKey: uid('ok-') }
    expect(await mainnet.request(user.id, { ...base, address: testnetAddress })).toEqual({
      status: 'ADDRESS_WRONG_NETWORK',
    })
    expect(await w.withdrawals.request(user.id, { ...base, idempotencyKey: 'short' })).toEqual({
      status: 'IDEMPOTENCY_KEY_INVALID',
    })
    expect(await w.withdrawals.request(user.id, { ...base, amountSats: 50_001 })).toEqual({
      status: 'INSUFFICIENT_FUNDS',
    })
    await sql`update users set frozen_at = ${new Date()} where id = ${user.id}`.execute(w.db.kysely)
    expect(await w.withdrawals.request(user.id, base)).toEqual({ status: 'ACCOUNT_FROZEN' })
    expect(await w.ledger.getAccount(userAccountId(user.id))).toMatchObject({ availableSats: 50_000 })
    expect(await w.withdrawalsRepository.listForUser(user.id, 10)).toHaveLength(0)
  })
})
