/**
 * Ledger.captureHold, and createHold's `alsoWrite` (both added for marketplace offers). Proves
 * that capturing a hold closes it and pays its transfers from the amount it freed in one step
 * (the money is never spendable in between), that a retry answers exists, that a missing, closed
 * or expired hold and a batch beyond what the account has are refused with nothing moved, that
 * an alsoWrite that throws undoes everything, that a hold which has posted view charges cannot be
 * captured, and that racing captures, or a capture racing a release, have exactly one effect
 * (separate connection pools on PostgreSQL, serialised on PGlite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Db, openDatabase } from '../../src/adapters/db/database.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import type { TransferInput } from '../../src/ledger/types.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { LedgerContext, uid } from '../support/ledger.ts'

let db: TestDb
let ctx: LedgerContext
const pools: Db[] = []
const later = () => new Date(Date.now() + 3_600_000)

beforeAll(async () => {
  db = await openTestDb()
  ctx = await new LedgerContext(db).init()
})
afterAll(async () => {
  for (const pool of pools) await pool.close()
  await db?.close()
})

async function writers(count: number): Promise<Ledger[]> {
  const ledgers: Ledger[] = []
  for (let i = 0; i < count; i++) {
    if (!db.url) {
      ledgers.push(new Ledger(db.kysely))
      continue
    }
    const pool = await openDatabase({ url: db.url, schema: db.schema, poolSize: 2 })
    pools.push(pool)
    ledgers.push(new Ledger(pool.kysely))
  }
  return ledgers
}

function pay(from: string, to: string, amountSats: number, id = uid('t-')): TransferInput {
  return { id, debitAccountId: from, creditAccountId: to, amountSats, code: 'trade' }
}

async function held(user: string, sats: number, expiresAt = later()): Promise<string> {
  const holdId = uid('h-')
  expect(await ctx.ledger.createHold({ id: holdId, accountId: user, amountSats: sats, expiresAt })).toBe('ok')
  return holdId
}

async function state(...accounts: string[]) {
  return Promise.all(accounts.map((a) => ctx.ledger.getAccount(a)))
}

describe('captureHold', () => {
  it('closes the hold and pays its transfers from what it held, once', async () => {
    const buyer = await ctx.newFundedUser(10_000)
    const seller = await ctx.newAccount()
    const fees = await ctx.newAccount('platform')
    const holdId = await held(buyer, 7_000)
    expect(await ctx.available(buyer)).toBe(3_000)
    const transfers = [pay(buyer, seller, 7_000), pay(seller, fees, 140)]

    expect(await ctx.ledger.captureHold(holdId, transfers)).toEqual({ status: 'ok' })
    expect(await ctx.ledger.getAccount(buyer)).toMatchObject({
      balanceSats: 3_000,
      heldSats: 0,
      availableSats: 3_000,
    })
    expect(await ctx.balance(seller)).toBe(6_860)
    expect(await ctx.balance(fees)).toBe(140)
    expect((await ctx.ledger.getHold(holdId))?.state).toBe('closed')

    expect(await ctx.ledger.captureHold(holdId, transfers)).toEqual({ status: 'exists' })
    expect(await ctx.balance(buyer)).toBe(3_000)
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
  })

  it('may spend the account’s available balance beyond the hold, but no more', async () => {
    const buyer = await ctx.newFundedUser(5_000)
    const seller = await ctx.newAccount()
    const holdId = await held(buyer, 3_000)
    const before = await state(buyer, seller)
    expect(await ctx.ledger.captureHold(holdId, [pay(buyer, seller, 5_001)])).toEqual({
      status: 'insufficient_funds',
      index: 0,
    })
    expect(await state(buyer, seller)).toEqual(before)
    expect((await ctx.ledger.getHold(holdId))?.state).toBe('open')
    expect(await ctx.ledger.captureHold(holdId, [pay(buyer, seller, 5_000)])).toEqual({ status: 'ok' })
    expect(await ctx.ledger.getAccount(buyer)).toMatchObject({ balanceSats: 0, heldSats: 0 })
  })

  it('refuses a missing, closed or expired hold and moves nothing', async () => {
    const buyer = await ctx.newFundedUser(5_000)
    const seller = await ctx.newAccount()
    const released = await held(buyer, 1_000)
    expect(await ctx.ledger.releaseHold(released, 'voided')).toBe('ok')
    const expiring = await held(buyer, 1_000, new Date(Date.now() + 60_000))
    const afterExpiry = new Ledger(db.kysely, { now: () => new Date(Date.now() + 120_000) })
    const before = await state(buyer, seller)

    expect(await ctx.ledger.captureHold('h-nope', [pay(buyer, seller, 1_000)])).toEqual({
      status: 'hold_not_found',
    })
    expect(await ctx.ledger.captureHold(released, [pay(buyer, seller, 1_000)])).toEqual({
      status: 'hold_closed',
    })
    expect(await afterExpiry.captureHold(expiring, [pay(buyer, seller, 1_000)])).toEqual({
      status: 'hold_expired',
    })
    expect(await ctx.ledger.captureHold(expiring, [pay(buyer, seller, 0)])).toEqual({
      status: 'invalid_amount',
      index: 0,
    })
    expect(await state(buyer, seller)).toEqual(before)
  })

  it('writes nothing when alsoWrite throws', async () => {
    const buyer = await ctx.newFundedUser(2_000)
    const seller = await ctx.newAccount()
    const holdId = await held(buyer, 2_000)
    const before = await state(buyer, seller)
    const transfer = pay(buyer, seller, 2_000)
    await expect(
      ctx.ledger.captureHold(holdId, [transfer], async () => {
        throw new Error('the listing was sold meanwhile')
      }),
    ).rejects.toThrow('sold meanwhile')
    expect(await state(buyer, seller)).toEqual(before)
    expect((await ctx.ledger.getHold(holdId))?.state).toBe('open')
    expect(
      await db.kysely.selectFrom('transfers').select('id').where('id', '=', transfer.id).execute(),
    ).toEqual([])
  })

  it('will not capture a hold that has posted view charges', async () => {
    const viewer = await ctx.newFundedUser(1_000)
    const dest = await ctx.newDestination()
    const holdId = await held(viewer, 500)
    expect(
      await ctx.ledger.postViewSeconds([
        { holdId, seq: 1, amountSats: 10, streamId: uid('s-'), split: dest },
      ]),
    ).toEqual(['ok'])
    await expect(ctx.ledger.captureHold(holdId, [pay(viewer, dest.ownerAccountId, 100)])).rejects.toThrow(
      'posted nothing',
    )
  })

  it('has one effect when captures race each other or a release', async () => {
    const ledgers = await writers(4)
    for (let round = 0; round < 5; round++) {
      const buyer = await ctx.newFundedUser(1_000)
      const seller = await ctx.newAccount()
      const holdId = await held(buyer, 1_000)
      const transfers = [pay(buyer, seller, 1_000, uid('race-'))]
      const results = await Promise.all(ledgers.map((l) => l.captureHold(holdId, transfers)))
      expect(results.map((r) => r.status).sort()).toEqual(['exists', 'exists', 'exists', 'ok'])
      expect(await ctx.balance(seller)).toBe(1_000)

      const other = await held(seller, 1_000)
      const [captured, releasedResult] = await Promise.all([
        ledgers[0]!.captureHold(other, [pay(seller, buyer, 1_000)]),
        ledgers[1]!.releaseHold(other, 'voided'),
      ])
      if (captured.status === 'ok') {
        expect(releasedResult).toBe('hold_closed')
        expect(await ctx.balance(buyer)).toBe(1_000)
      } else {
        expect(captured).toEqual({ status: 'hold_closed' })
        expect(releasedResult).toBe('ok')
        expect(await ctx.ledger.getAccount(seller)).toMatchObject({ balanceSats: 1_000, heldSats: 0 })
      }
    }
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
  })
})

describe('createHold with alsoWrite', () => {
  it('commits the caller’s write with the hold, and neither when it throws', async () => {
    const user = await ctx.newFundedUser(1_000)
    const kept = uid('h-')
    let ran = 0
    expect(
      await ctx.ledger.createHold(
        { id: kept, accountId: user, amountSats: 400, expiresAt: later() },
        async (trx) => {
          ran++
          expect(await trx.selectFrom('holds').select('id').where('id', '=', kept).execute()).toHaveLength(1)
        },
      ),
    ).toBe('ok')
    // A retry answers exists without running the write again.
    expect(
      await ctx.ledger.createHold(
        { id: kept, accountId: user, amountSats: 400, expiresAt: later() },
        async () => {
          ran++
        },
      ),
    ).toBe('exists')
    expect(ran).toBe(1)

    const dropped = uid('h-')
    await expect(
      ctx.ledger.createHold(
        { id: dropped, accountId: user, amountSats: 400, expiresAt: later() },
        async () => {
          throw new Error('already offered')
        },
      ),
    ).rejects.toThrow('already offered')
    expect(await ctx.ledger.getHold(dropped)).toBeUndefined()
    expect(await ctx.available(user)).toBe(600)
  })
})
