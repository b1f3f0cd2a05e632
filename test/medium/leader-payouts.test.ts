/**
 * Fenced payouts on the real devnet and database (PGlite, or PostgreSQL with DATABASE_URL): a
 * payout worker whose leader term has ended (a paused old leader, its token still in memory)
 * records and sends nothing and leaves the withdrawal waiting, answering NOT_LEADER; the
 * current leader's worker then pays it; the stale worker cannot settle the confirmed payout in
 * the ledger either, and the current one settles it once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertLeader, type Fence, LEADER_LEASE, LeaderElector } from '../../src/services/leader/leader.ts'
import { PayoutService } from '../../src/services/wallet/payouts.ts'
import { withdrawalFeeSats } from '../../src/services/wallet/withdrawals.ts'
import { uid } from '../support/ledger.ts'
import { FEE_RATE_SATS_PER_KB, newExternalAddress, WalletWorld } from '../support/wallet-world.ts'

let world: WalletWorld
const electors: LeaderElector[] = []

beforeAll(async () => {
  world = await WalletWorld.open()
})
afterAll(async () => {
  for (const elector of electors) await elector.stop()
  if (world) {
    expect(await world.ledger.sumOfBalances()).toBe(0)
    const c = await world.conservation()
    expect(c.inside).toBe(c.deposits - c.withdrawn - c.networkFees)
    await world.close()
  }
})

function fencedPayouts(fence: Fence): PayoutService {
  return new PayoutService({
    repository: world.withdrawalsRepository,
    ledger: world.ledger,
    chain: world.chain,
    keys: world.keys,
    feeRateSatsPerKb: FEE_RATE_SATS_PER_KB,
    sweepConfirmations: 1,
    fence,
  })
}

async function elect(nodeId: string): Promise<LeaderElector> {
  const elector = new LeaderElector({ db: world.db.kysely, nodeId })
  electors.push(elector)
  await elector.start()
  expect(elector.isLeader).toBe(true)
  return elector
}

describe('payouts fenced by the leader lease', () => {
  it("refuses a stale leader's payout and lets the current leader pay it once", async () => {
    // Term 1 ends (its node stops); term 2 is the current one.
    const first = await elect('old-leader')
    const staleToken = first.token()!
    await first.stop()
    const current = await elect('new-leader')
    expect(current.token()).toBe(staleToken + 1)
    const stale: Fence = {
      lease: LEADER_LEASE,
      token: () => staleToken,
      verify: () => assertLeader(world.db.kysely, stale),
    }

    // A queued withdrawal, with the deposit already swept into the hot wallet.
    const user = await world.fundedUser(100_000)
    const leaderPayouts = fencedPayouts(current)
    await leaderPayouts.tick()
    await world.devnet.mine(1)
    expect((await leaderPayouts.tick()).confirmed).toBe(1) // the sweep
    const destination = newExternalAddress()
    const requested = await world.withdrawals.request(user.id, {
      amountSats: 20_000,
      address: destination,
      idempotencyKey: uid('k-'),
    })
    if (requested.status !== 'created') throw new Error(requested.status)

    const sentBefore = world.chain.broadcasts.length
    await expect(fencedPayouts(stale).tick()).rejects.toMatchObject({ code: 'NOT_LEADER' })
    expect((await world.walletTxs()).filter((t) => t.purpose === 'payout')).toEqual([])
    expect(world.chain.broadcasts.length).toBe(sentBefore)
    const queued = await world.db.kysely
      .selectFrom('withdrawals')
      .select('state')
      .where('id', '=', requested.withdrawal.id)
      .executeTakeFirstOrThrow()
    expect(queued.state).toBe('requested')

    expect((await leaderPayouts.tick()).paid).toBe(1)
    await world.devnet.mine(1)
    // The payout confirmed: settling it moves money, which the stale worker must not do either.
    const ledgerBefore = await world.conservation()
    await expect(fencedPayouts(stale).tick()).rejects.toMatchObject({ code: 'NOT_LEADER' })
    expect(await world.conservation()).toEqual(ledgerBefore)
    expect((await world.walletTxs()).filter((t) => t.purpose === 'payout').map((t) => t.state)).toEqual([
      'broadcast',
    ])
    expect((await leaderPayouts.tick()).confirmed).toBe(1)
    const payouts = (await world.walletTxs()).filter((t) => t.purpose === 'payout')
    expect(payouts.map((t) => t.state)).toEqual(['confirmed'])
    expect(world.onChainSats(destination)).toBe(20_000 - withdrawalFeeSats(FEE_RATE_SATS_PER_KB))
  })
})
