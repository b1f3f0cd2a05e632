/**
 * Withdrawals on the real devnet, end to end: a credited deposit is swept into the hot wallet,
 * a requested withdrawal is paid in a batch transaction that the test verifies like a node
 * (scripts, amounts, fee at least the rate), confirmed, and settled in the ledger, so the
 * destination holds exactly amount − fee and the law users + platform + clearing =
 * deposits − withdrawals − network fees holds, both in the ledger and against the coins the
 * platform's addresses hold on chain. Batches stop at 100 outputs; small hot-wallet outputs are
 * consolidated; a retried request is answered once.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { userAccountId } from '../../src/ledger/accounts.ts'
import { MAX_PAYOUT_OUTPUTS } from '../../src/services/wallet/payouts.ts'
import { WITHDRAWAL_CLEARING_ACCOUNT, withdrawalFeeSats } from '../../src/services/wallet/withdrawals.ts'
import { uid } from '../support/ledger.ts'
import { FEE_RATE_SATS_PER_KB, newExternalAddress, WalletWorld } from '../support/wallet-world.ts'

const FEE_SATS = withdrawalFeeSats(FEE_RATE_SATS_PER_KB)

let world: WalletWorld | undefined
async function open(): Promise<WalletWorld> {
  world = await WalletWorld.open()
  return world
}
afterEach(async () => {
  if (world) expect(await world.ledger.sumOfBalances()).toBe(0)
  await world?.close()
  world = undefined
})

/** The ledger law, and the same figure as the coins the platform's addresses hold on chain. */
async function expectConserved(w: WalletWorld, depositAddresses: string[]): Promise<void> {
  const c = await w.conservation()
  expect(c.inside).toBe(c.deposits - c.withdrawn - c.networkFees)
  const onChain =
    w.onChainSats(w.payouts.hotWalletAddress) + depositAddresses.reduce((sum, a) => sum + w.onChainSats(a), 0)
  expect(onChain).toBe(c.deposits - c.withdrawn - c.networkFees)
}

describe('a withdrawal', () => {
  it('is swept, paid, confirmed and settled: the address gets amount − fee and nothing is created or lost', async () => {
    const w = await open()
    const user = await w.fundedUser(100_000)
    const destination = newExternalAddress()

    const requested = await w.withdrawals.request(user.id, {
      amountSats: 30_000,
      address: destination,
      idempotencyKey: uid('key-'),
    })
    expect(requested).toMatchObject({
      status: 'created',
      withdrawal: { state: 'requested', feeSats: FEE_SATS },
    })
    // The money leaves the balance at once: it cannot be spent twice.
    expect(await w.available(user.id)).toBe(70_000)
    expect(await w.balanceOf(WITHDRAWAL_CLEARING_ACCOUNT)).toBe(30_000)

    // The hot wallet is empty: this tick can only sweep the deposit in.
    const first = await w.payouts.tick()
    expect(first).toMatchObject({ paid: 0, swept: 1, waitingForFunds: 1 })
    await w.block() // the sweep confirms; the payout is built from its output and sent
    const [sweep, payout] = await w.walletTxs()
    expect(sweep).toMatchObject({ purpose: 'sweep', state: 'confirmed' })
    expect(payout).toMatchObject({ purpose: 'payout', state: 'broadcast' })
    w.verifyTx(sweep!.raw_tx)
    expect(w.verifyTx(payout!.raw_tx)).toBe(Number(payout!.fee_sats))
    expect(w.devnet.txStatus(payout!.txid).state).toBe('mempool')

    await w.block()
    const paid = await w.withdrawalsRepository.byId(
      requested.status === 'created' ? requested.withdrawal.id : '',
    )
    expect(paid).toMatchObject({ state: 'confirmed', txid: payout!.txid })
    expect(w.onChainSats(destination)).toBe(30_000 - FEE_SATS)
    expect(await w.balanceOf(WITHDRAWAL_CLEARING_ACCOUNT)).toBe(0)
    expect(await w.balanceOf(userAccountId(user.id))).toBe(70_000)
    await expectConserved(w, [user.address])
    const c = await w.conservation()
    expect(c).toMatchObject({ deposits: 100_000, withdrawn: 30_000 - FEE_SATS })
    expect(c.networkFees).toBe(Number(sweep!.fee_sats) + Number(payout!.fee_sats))
  })

  it('answers a retried request with the first withdrawal and refuses the key for another body', async () => {
    const w = await open()
    const user = await w.fundedUser(50_000)
    const request = { amountSats: 5_000, address: newExternalAddress(), idempotencyKey: uid('retry-') }
    const first = await w.withdrawals.request(user.id, request)
    const again = await w.withdrawals.request(user.id, request)
    expect(first.status).toBe('created')
    expect(again).toMatchObject({ status: 'existing' })
    if (first.status === 'created' && again.status === 'existing')
      expect(again.withdrawal.id).toBe(first.withdrawal.id)
    expect(await w.withdrawals.request(user.id, { ...request, amountSats: 6_000 })).toEqual({
      status: 'IDEMPOTENCY_KEY_REUSED',
    })
    expect(await w.withdrawals.request(user.id, { ...request, address: newExternalAddress() })).toEqual({
      status: 'IDEMPOTENCY_KEY_REUSED',
    })
    // Concurrent retries of one new request make one withdrawal.
    const concurrent = { ...request, idempotencyKey: uid('race-') }
    const results = await Promise.all([1, 2, 3, 4].map(() => w.withdrawals.request(user.id, concurrent)))
    expect(results.filter((r) => r.status === 'created')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'existing')).toHaveLength(3)
    expect(await w.available(user.id)).toBe(50_000 - 5_000 - 5_000)
  })
})

describe('payout batches', () => {
  it(`carry at most ${MAX_PAYOUT_OUTPUTS} withdrawals, oldest first, and the rest go in the next block`, async () => {
    const w = await open()
    const user = await w.fundedUser(1_000_000)
    const count = MAX_PAYOUT_OUTPUTS + 5
    for (let i = 0; i < count; i++) {
      const result = await w.withdrawals.request(user.id, {
        amountSats: 2_000 + i,
        address: newExternalAddress(),
        idempotencyKey: `batch-key-${i}`,
      })
      expect(result.status).toBe('created')
    }
    await w.payouts.tick() // sweep
    await w.block() // first batch
    await w.block() // second batch, first confirmed
    await w.block()
    const payouts = (await w.walletTxs()).filter((t) => t.purpose === 'payout')
    expect(payouts).toHaveLength(2)
    for (const payout of payouts) w.verifyTx(payout.raw_tx)
    const [big, small] = payouts
    const outputs = (await w.withdrawalsRepository.ofWalletTx(big!.id)).length
    expect(outputs).toBe(MAX_PAYOUT_OUTPUTS)
    expect((await w.withdrawalsRepository.ofWalletTx(small!.id)).length).toBe(5)
    expect(await w.withdrawalsRepository.sumInState('confirmed')).toBe(
      Array.from({ length: count }, (_, i) => 2_000 + i).reduce((a, b) => a + b, 0),
    )
    await expectConserved(w, [user.address])
  })

  it('consolidates many small hot-wallet outputs into one', async () => {
    const w = await open()
    for (let i = 0; i < 12; i++) await w.devnet.faucet(w.payouts.hotWalletAddress, 5_000)
    await w.devnet.mine(1)
    const report = await w.payouts.tick()
    expect(report.swept).toBe(12)
    const [consolidation] = await w.walletTxs()
    w.verifyTx(consolidation!.raw_tx)
    await w.block()
    const unspent = w.devnet.unspentOf(w.payouts.hotWalletAddress)!
    expect(unspent.confirmed).toHaveLength(1)
    expect(unspent.confirmed[0]!.satoshis).toBe(60_000 - Number(consolidation!.fee_sats))
  })
})
