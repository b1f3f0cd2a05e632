/**
 * Seeded simulation of money in and out on the real devnet. Users deposit through real
 * transactions, ask for withdrawals (some of them bad or beyond their balance), blocks arrive,
 * and the payout worker ticks while the chain source refuses, fails, or times out after
 * accepting, and the process dies between any two steps: inside ledger transactions, just before
 * a send, or just after one before it is recorded; a fresh worker then carries on.
 *
 * After every step: the accounts sum to zero; no account that may not go negative is negative;
 * users + platform + clearing = deposits − withdrawals − network fees; no destination holds
 * more than its withdrawal delivers (nothing is paid twice). At the end, with the faults gone,
 * every withdrawal is confirmed or refunded, and the coins on the platform's addresses equal
 * deposits − withdrawals − network fees exactly.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FaultPoint } from '../../src/ledger/ledger.ts'
import type { PayoutService } from '../../src/services/wallet/payouts.ts'
import { uid } from '../support/ledger.ts'
import { newExternalAddress, WalletWorld } from '../support/wallet-world.ts'
import { SeededRandom } from './harness.ts'

/** SIM_SEED replays another run, for hunting a failure a seed found. */
const SEED = Number(process.env.SIM_SEED ?? 20261125)
const USERS = 6
const STEPS = 120
const CRASH_PROBABILITY = 0.05
const MAX_SETTLING_BLOCKS = 20

class ProcessCrash extends Error {
  override name = 'ProcessCrash'
}

interface Requested {
  id: string
  destination: string
  receiveSats: number
}

const random = new SeededRandom(SEED)
let armed = false
let crashes = 0
function maybeCrash(where: FaultPoint | 'send:before' | 'send:after'): void {
  if (armed && random.chance(CRASH_PROBABILITY)) {
    crashes++
    throw new ProcessCrash(`simulated crash at ${where}`)
  }
}

let world: WalletWorld
let worker: PayoutService
const users: Array<{ id: string; address: string }> = []
const requested: Requested[] = []

beforeAll(async () => {
  world = await WalletWorld.open(undefined, { onFault: maybeCrash })
  world.chain.onSend = (moment) => maybeCrash(`send:${moment}`)
  worker = world.newPayoutService()
  for (let i = 0; i < USERS; i++) users.push(await world.newUser())
})
afterAll(() => world?.close())

/** Runs `work` as a process that may die; a death is a restart with a fresh worker. */
async function exposed(work: () => Promise<unknown>): Promise<void> {
  armed = true
  try {
    await work()
  } catch (error) {
    if (!(error instanceof ProcessCrash)) throw error
    worker = world.newPayoutService()
  } finally {
    armed = false
  }
}

async function checkInvariants(step: string): Promise<void> {
  expect(await world.ledger.sumOfBalances(), step).toBe(0)
  const negative = await sql<{ id: string }>`
    select id from accounts where balance_sats < 0 and not allow_negative`.execute(world.db.kysely)
  expect(negative.rows, step).toEqual([])
  const c = await world.conservation()
  expect(c.inside, step).toBe(c.deposits - c.withdrawn - c.networkFees)
  for (const r of requested) {
    const received = world.onChainSats(r.destination)
    expect([0, r.receiveSats], `${step}: ${r.destination}`).toContain(received)
  }
}

async function deposit(): Promise<void> {
  const user = random.pick(users)
  await world.devnet.faucet(user.address, random.int(5_000, 200_000))
}

async function withdraw(): Promise<void> {
  const user = random.pick(users)
  const available = await world.available(user.id)
  // Mostly what the balance allows, sometimes more, sometimes below the minimum.
  const amountSats = random.chance(0.15)
    ? random.int(1, 999)
    : random.int(1_000, Math.max(1_000, available + 20_000))
  const destination = newExternalAddress()
  await exposed(async () => {
    const result = await world.withdrawals.request(user.id, {
      amountSats,
      address: destination,
      idempotencyKey: uid('sim-'),
    })
    if (result.status === 'created') {
      requested.push({
        id: result.withdrawal.id,
        destination,
        receiveSats: amountSats - result.withdrawal.feeSats,
      })
    } else {
      expect(['INSUFFICIENT_FUNDS', 'AMOUNT_BELOW_MINIMUM']).toContain(result.status)
    }
  })
}

function injectChainFault(): void {
  const fault = random.int(0, 2)
  if (fault === 0) world.chain.refuseBroadcasts++
  else if (fault === 1) world.chain.failBroadcasts += random.int(1, 6)
  else world.chain.acceptThenTimeout++
}

describe(`wallet simulation (seed ${SEED})`, () => {
  it('keeps every invariant through deposits, withdrawals, faults and crashes, and settles to the chain', async () => {
    for (let step = 0; step < STEPS; step++) {
      const action = random.int(0, 9)
      if (action <= 1) await deposit()
      else if (action <= 4) await withdraw()
      else if (action <= 6) await exposed(() => worker.tick())
      else if (action === 7) injectChainFault()
      else {
        await world.devnet.mine(1)
        await exposed(() => world.watcher.scan())
      }
      await checkInvariants(`step ${step} (action ${action})`)
    }

    // The faults end; blocks and ticks until nothing is in flight.
    world.chain.refuseBroadcasts = 0
    world.chain.failBroadcasts = 0
    world.chain.acceptThenTimeout = 0
    for (let i = 0; i < MAX_SETTLING_BLOCKS; i++) {
      await world.devnet.mine(1)
      await world.watcher.scan()
      await worker.tick()
      const open = await world.db.kysely
        .selectFrom('withdrawals')
        .select('id')
        .where('state', 'in', ['requested', 'broadcast'])
        .execute()
      const live = await world.withdrawalsRepository.liveWalletTxs()
      if (open.length === 0 && live.length === 0) break
    }
    await checkInvariants('settled')

    const states = await world.db.kysely.selectFrom('withdrawals').select(['id', 'state']).execute()
    expect(states.every((w) => w.state === 'confirmed' || w.state === 'refunded')).toBe(true)
    for (const r of requested) {
      const state = states.find((s) => s.id === r.id)?.state
      expect(world.onChainSats(r.destination)).toBe(state === 'confirmed' ? r.receiveSats : 0)
    }
    const c = await world.conservation()
    const platformCoins =
      world.onChainSats(world.payouts.hotWalletAddress) +
      users.reduce((sum, u) => sum + world.onChainSats(u.address), 0)
    expect(platformCoins).toBe(c.deposits - c.withdrawn - c.networkFees)

    const counts = await sql<{ purpose: string; state: string; n: number }>`
      select purpose, state, count(*)::int as n from wallet_txs group by 1, 2 order by 1, 2`.execute(
      world.db.kysely,
    )
    console.info(
      `wallet sim seed ${SEED}: ${crashes} crashes, withdrawals ${JSON.stringify(countBy(states.map((s) => s.state)))}, transactions ${JSON.stringify(counts.rows)}`,
    )
    // The run exercised what it claims to.
    expect(crashes).toBeGreaterThan(0)
    expect(states.filter((s) => s.state === 'confirmed').length).toBeGreaterThan(3)
    expect(c.networkFees).toBeGreaterThan(0)
  })
})

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return counts
}
