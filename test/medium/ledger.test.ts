/**
 * The ledger against a real database (PGlite, or PostgreSQL with DATABASE_URL): transfers are
 * atomic and idempotent by the caller's id, balances never go below what holds reserve, holds
 * post, extend, release and expire, and batched view postings split every satoshi exactly and
 * are never charged twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PLATFORM_FEES_ACCOUNT, VIEW_CLEARING_ACCOUNT } from '../../src/ledger/accounts.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext, uid } from '../support/ledger.ts'

let db: TestDb
let ctx: LedgerContext
let clock = new Date('2026-01-01T00:00:00Z')

beforeAll(async () => {
  db = await openTestDb()
  ctx = await new LedgerContext(db, { now: () => clock }).init()
})
afterAll(async () => {
  await db?.close()
})

const inAMinute = () => new Date(clock.getTime() + 60_000)

describe('transfers', () => {
  it('moves money and keeps the sum of all balances at zero', async () => {
    const a = await ctx.newFundedUser(5_000)
    const b = await ctx.newAccount()
    const result = await ctx.ledger.transfer([
      { id: uid('t-'), debitAccountId: a, creditAccountId: b, amountSats: 1_234, code: 'test' },
    ])
    expect(result).toEqual({ status: 'ok' })
    expect(await ctx.balance(a)).toBe(3_766)
    expect(await ctx.balance(b)).toBe(1_234)
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
  })

  it('answers exists to a retry with the same id and body, and moves nothing again', async () => {
    const a = await ctx.newFundedUser(1_000)
    const b = await ctx.newAccount()
    const t = { id: uid('t-'), debitAccountId: a, creditAccountId: b, amountSats: 400, code: 'test' }
    expect(await ctx.ledger.transfer([t])).toEqual({ status: 'ok' })
    expect(await ctx.ledger.transfer([t])).toEqual({ status: 'exists' })
    expect(await ctx.balance(a)).toBe(600)
    expect(await ctx.balance(b)).toBe(400)
  })

  it('refuses the same id with a different body', async () => {
    const a = await ctx.newFundedUser(1_000)
    const b = await ctx.newAccount()
    const id = uid('t-')
    await ctx.ledger.transfer([{ id, debitAccountId: a, creditAccountId: b, amountSats: 100, code: 'test' }])
    const again = await ctx.ledger.transfer([
      { id, debitAccountId: a, creditAccountId: b, amountSats: 101, code: 'test' },
    ])
    expect(again).toEqual({ status: 'exists_with_different_fields', index: 0 })
    expect(await ctx.balance(b)).toBe(100)
  })

  it('refuses an overdraft and writes nothing of an atomic batch whose second transfer fails', async () => {
    const a = await ctx.newFundedUser(1_000)
    const b = await ctx.newAccount()
    const result = await ctx.ledger.transfer([
      { id: uid('t-'), debitAccountId: a, creditAccountId: b, amountSats: 600, code: 'test' },
      { id: uid('t-'), debitAccountId: a, creditAccountId: b, amountSats: 600, code: 'test' },
    ])
    expect(result).toEqual({ status: 'insufficient_funds', index: 1 })
    expect(await ctx.balance(a)).toBe(1_000)
    expect(await ctx.balance(b)).toBe(0)
  })

  it('lets a clearing account go negative but no user account', async () => {
    const user = await ctx.newAccount()
    const before = await ctx.balance(FUNDING_ACCOUNT)
    await ctx.newFundedUser(10)
    expect(await ctx.balance(FUNDING_ACCOUNT)).toBe(before - 10)
    const result = await ctx.ledger.transfer([
      { id: uid('t-'), debitAccountId: user, creditAccountId: FUNDING_ACCOUNT, amountSats: 1, code: 'test' },
    ])
    expect(result.status).toBe('insufficient_funds')
  })

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['fractional', 1.5],
    ['beyond the supply of bitcoin', 21_000_000 * 100_000_000 + 1],
    ['not a number', Number.NaN],
  ])('refuses a %s amount', async (_, amountSats) => {
    const a = await ctx.newFundedUser(100)
    const b = await ctx.newAccount()
    const result = await ctx.ledger.transfer([
      { id: uid('t-'), debitAccountId: a, creditAccountId: b, amountSats, code: 'x' },
    ])
    expect(result).toEqual({ status: 'invalid_amount', index: 0 })
  })

  it('refuses unknown accounts and a transfer to the same account', async () => {
    const a = await ctx.newFundedUser(100)
    expect(
      await ctx.ledger.transfer([
        { id: uid(), debitAccountId: a, creditAccountId: 'user:nobody', amountSats: 1, code: 'x' },
      ]),
    ).toEqual({ status: 'account_not_found', index: 0 })
    expect(
      await ctx.ledger.transfer([
        { id: uid(), debitAccountId: a, creditAccountId: a, amountSats: 1, code: 'x' },
      ]),
    ).toEqual({ status: 'same_account', index: 0 })
  })

  it('has the database refuse a negative balance even if code tried to write one', async () => {
    const a = await ctx.newFundedUser(5)
    await expect(
      db.kysely.updateTable('accounts').set({ balance_sats: -1 }).where('id', '=', a).execute(),
    ).rejects.toThrow(/accounts_balance_covers_holds/)
  })
})

describe('holds', () => {
  it('reserve balance so that neither transfers nor other holds can spend it', async () => {
    const a = await ctx.newFundedUser(100)
    const b = await ctx.newAccount()
    expect(
      await ctx.ledger.createHold({ id: uid('h-'), accountId: a, amountSats: 70, expiresAt: inAMinute() }),
    ).toBe('ok')
    expect(await ctx.available(a)).toBe(30)
    expect(
      await ctx.ledger.createHold({ id: uid('h-'), accountId: a, amountSats: 31, expiresAt: inAMinute() }),
    ).toBe('insufficient_funds')
    const spend = await ctx.ledger.transfer([
      { id: uid(), debitAccountId: a, creditAccountId: b, amountSats: 31, code: 'x' },
    ])
    expect(spend.status).toBe('insufficient_funds')
  })

  it('are idempotent by id', async () => {
    const a = await ctx.newFundedUser(100)
    const hold = { id: uid('h-'), accountId: a, amountSats: 40, expiresAt: inAMinute() }
    expect(await ctx.ledger.createHold(hold)).toBe('ok')
    expect(await ctx.ledger.createHold(hold)).toBe('exists')
    expect(await ctx.ledger.createHold({ ...hold, amountSats: 41 })).toBe('exists_with_different_fields')
    expect(await ctx.available(a)).toBe(60)
  })

  it('release what was not posted when closed, once', async () => {
    const a = await ctx.newFundedUser(100)
    const dest = await ctx.newDestination()
    const holdId = uid('h-')
    await ctx.ledger.createHold({ id: holdId, accountId: a, amountSats: 50, expiresAt: inAMinute() })
    const [posted] = await ctx.ledger.postViewSeconds([
      { holdId, seq: 1, amountSats: 20, streamId: uid('s-'), split: dest },
    ])
    expect(posted).toBe('ok')
    expect(await ctx.ledger.releaseHold(holdId, 'closed')).toBe('ok')
    expect(await ctx.ledger.releaseHold(holdId, 'closed')).toBe('exists')
    expect(await ctx.ledger.releaseHold(holdId, 'voided')).toBe('hold_closed')
    const account = await ctx.ledger.getAccount(a)
    expect(account).toMatchObject({ balanceSats: 80, heldSats: 0, availableSats: 80 })
  })

  it('can be extended while funds last', async () => {
    const a = await ctx.newFundedUser(100)
    const holdId = uid('h-')
    await ctx.ledger.createHold({ id: holdId, accountId: a, amountSats: 30, expiresAt: inAMinute() })
    expect(await ctx.ledger.extendHold(holdId, 60, inAMinute())).toBe('ok')
    expect(await ctx.ledger.extendHold(holdId, 11, inAMinute())).toBe('insufficient_funds')
    expect(await ctx.available(a)).toBe(10)
  })

  it('are extended in a batch as one by one: two holds of one account never take more than it has', async () => {
    const a = await ctx.newFundedUser(100)
    const b = await ctx.newFundedUser(10)
    const [h1, h2, h3, closed] = [uid('h-'), uid('h-'), uid('h-'), uid('h-')]
    for (const [id, account] of [
      [h1, a],
      [h2, a],
      [h3, b],
      [closed, b],
    ] as const)
      await ctx.ledger.createHold({ id, accountId: account, amountSats: 5, expiresAt: inAMinute() })
    await ctx.ledger.releaseHold(closed)
    const results = await ctx.ledger.extendHolds([
      { holdId: h1, addSats: 60, expiresAt: inAMinute() },
      { holdId: h2, addSats: 40, expiresAt: inAMinute() },
      { holdId: h3, addSats: 5, expiresAt: inAMinute() },
      { holdId: closed, addSats: 1, expiresAt: inAMinute() },
      { holdId: 'nope', addSats: 1, expiresAt: inAMinute() },
      { holdId: h3, addSats: 0, expiresAt: inAMinute() },
    ])
    expect(results).toEqual([
      'ok',
      'insufficient_funds',
      'ok',
      'hold_closed',
      'hold_not_found',
      'invalid_amount',
    ])
    expect(await ctx.available(a)).toBe(30)
    expect(await ctx.available(b)).toBe(0)
    expect((await ctx.ledger.getHold(h1))?.amountSats).toBe(65)
    expect((await ctx.ledger.getHold(h2))?.amountSats).toBe(5)
  })

  it("are created in a batch as one by one: in order per account, idempotent by id, written with the caller's rows", async () => {
    const a = await ctx.newFundedUser(100)
    const b = await ctx.newFundedUser(10)
    const earlier = { id: uid('h-'), accountId: b, amountSats: 4, expiresAt: inAMinute() }
    expect(await ctx.ledger.createHold(earlier)).toBe('ok')
    const [h1, h2, h3, h4] = [uid('h-'), uid('h-'), uid('h-'), uid('h-')]
    const hold = (id: string, accountId: string, amountSats: number) => ({
      id,
      accountId,
      amountSats,
      expiresAt: inAMinute(),
    })
    const written: string[][] = []
    const results = await ctx.ledger.createHolds(
      [
        hold(h1, a, 60),
        hold(h2, a, 41),
        hold(h3, a, 40),
        earlier,
        { ...earlier, amountSats: 5 },
        hold(h4, b, 7),
        hold(uid('h-'), 'user:nobody', 1),
        hold(uid('h-'), a, 0),
        hold(h1, a, 60),
      ],
      async (_trx, created) => {
        written.push(created.map((h) => h.id))
      },
    )
    expect(results).toEqual([
      'ok',
      'insufficient_funds',
      'ok',
      'exists',
      'exists_with_different_fields',
      'insufficient_funds',
      'account_not_found',
      'invalid_amount',
      'exists',
    ])
    expect(written).toEqual([[h1, h3]])
    expect(await ctx.available(a)).toBe(0)
    expect(await ctx.available(b)).toBe(6)
    expect(await ctx.ledger.getHold(h2)).toBeUndefined()
  })

  it('created in a batch are all written or none: a failing caller write leaves no hold', async () => {
    const a = await ctx.newFundedUser(100)
    const ids = [uid('h-'), uid('h-')]
    await expect(
      ctx.ledger.createHolds(
        ids.map((id) => ({ id, accountId: a, amountSats: 10, expiresAt: inAMinute() })),
        async () => {
          throw new Error('the session rows could not be written')
        },
      ),
    ).rejects.toThrow('the session rows could not be written')
    expect(await ctx.available(a)).toBe(100)
    for (const id of ids) expect(await ctx.ledger.getHold(id)).toBeUndefined()
  })

  it('are released in a batch, each settling what it posted, and a second release answers exists', async () => {
    const a = await ctx.newFundedUser(100)
    const b = await ctx.newFundedUser(100)
    const dest = await ctx.newDestination()
    const [ha, hb, voided] = [uid('h-'), uid('h-'), uid('h-')]
    await ctx.ledger.createHolds([
      { id: ha, accountId: a, amountSats: 50, expiresAt: inAMinute() },
      { id: hb, accountId: b, amountSats: 50, expiresAt: inAMinute() },
      { id: voided, accountId: b, amountSats: 10, expiresAt: inAMinute() },
    ])
    await ctx.ledger.postViewSeconds([
      { holdId: ha, seq: 1, amountSats: 20, streamId: uid('s-'), split: dest },
      { holdId: hb, seq: 1, amountSats: 7, streamId: uid('s-'), split: dest },
    ])
    expect(await ctx.ledger.releaseHold(voided, 'voided')).toBe('ok')
    expect(await ctx.ledger.releaseHolds([ha, hb, voided, 'nope', ha], 'closed')).toEqual([
      'ok',
      'ok',
      'hold_closed',
      'hold_not_found',
      'exists',
    ])
    expect(await ctx.ledger.releaseHolds([ha, hb])).toEqual(['exists', 'exists'])
    expect(await ctx.ledger.getAccount(a)).toMatchObject({ balanceSats: 80, heldSats: 0 })
    expect(await ctx.ledger.getAccount(b)).toMatchObject({ balanceSats: 93, heldSats: 0 })
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
  })

  it('expire when their time is up and then refuse postings', async () => {
    const a = await ctx.newFundedUser(100)
    const dest = await ctx.newDestination()
    const holdId = uid('h-')
    await ctx.ledger.createHold({ id: holdId, accountId: a, amountSats: 30, expiresAt: inAMinute() })
    clock = new Date(clock.getTime() + 61_000)
    const [late] = await ctx.ledger.postViewSeconds([
      { holdId, seq: 1, amountSats: 1, streamId: uid(), split: dest },
    ])
    expect(late).toBe('hold_expired')
    expect(await ctx.ledger.expireHolds()).toBeGreaterThanOrEqual(1)
    expect(await ctx.available(a)).toBe(100)
    expect(await ctx.ledger.releaseHold(holdId)).toBe('hold_closed')
  })
})

describe('batched view postings', () => {
  it('charge viewers from their holds and split each stream exactly', async () => {
    const dest = await ctx.newDestination()
    const streamId = uid('s-')
    const viewers = await Promise.all(Array.from({ length: 50 }, () => ctx.newFundedUser(1_000)))
    const holds = viewers.map(() => uid('h-'))
    for (const [i, v] of viewers.entries()) {
      await ctx.ledger.createHold({ id: holds[i]!, accountId: v, amountSats: 100, expiresAt: inAMinute() })
    }
    const feesBefore = await ctx.balance(PLATFORM_FEES_ACCOUNT)
    // 20 flushes of one second each for 50 viewers: 1,000 sats into one stream.
    for (let second = 1; second <= 20; second++) {
      const results = await ctx.ledger.postViewSeconds(
        holds.map((holdId) => ({ holdId, seq: second, amountSats: 1, streamId, split: dest })),
      )
      expect(results.every((r) => r === 'ok')).toBe(true)
    }
    // While the holds are open the viewer sees the charge; the clearing account carries it.
    for (const v of viewers) {
      expect(await ctx.ledger.getAccount(v)).toMatchObject({
        balanceSats: 980,
        heldSats: 80,
        availableSats: 900,
      })
    }
    expect(await ctx.balance(PLATFORM_FEES_ACCOUNT)).toBe(feesBefore + 20)
    expect(await ctx.balance(dest.creatorAccountId)).toBe(39)
    expect(await ctx.balance(dest.ownerAccountId)).toBe(353)
    expect(await ctx.balance(dest.poolAccountId)).toBe(588)
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
    expect((await ctx.balance(VIEW_CLEARING_ACCOUNT)) + (await ctx.ledger.openPostedSats())).toBe(0)

    for (const holdId of holds) expect(await ctx.ledger.releaseHold(holdId)).toBe('ok')
    for (const v of viewers) {
      expect(await ctx.ledger.getAccount(v)).toMatchObject({
        balanceSats: 980,
        heldSats: 0,
        availableSats: 980,
      })
    }
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
    expect((await ctx.balance(VIEW_CLEARING_ACCOUNT)) + (await ctx.ledger.openPostedSats())).toBe(0)
  })

  it('charge a retried flush once, and refuse a batch that reaches back past what a hold has posted', async () => {
    const viewer = await ctx.newFundedUser(100)
    const dest = await ctx.newDestination()
    const holdId = uid('h-')
    await ctx.ledger.createHold({ id: holdId, accountId: viewer, amountSats: 30, expiresAt: inAMinute() })
    const batch = [
      { holdId, seq: 1, amountSats: 3, streamId: 's1', split: dest },
      { holdId, seq: 2, amountSats: 1, streamId: 's1', split: dest },
    ]
    expect(await ctx.ledger.postViewSeconds(batch)).toEqual(['ok', 'ok'])
    expect(await ctx.ledger.postViewSeconds(batch)).toEqual(['exists', 'exists'])
    expect(
      await ctx.ledger.postViewSeconds([
        { ...batch[1]!, seq: 3 },
        { ...batch[1]!, seq: 2 },
      ]),
    ).toEqual(['exists_with_different_fields', 'exists_with_different_fields'])
    expect(await ctx.balance(viewer)).toBe(96)
    expect((await ctx.ledger.getHold(holdId))?.lastSeq).toBe(2)
  })

  it('never post more than a hold reserves, within one batch or across batches', async () => {
    const viewer = await ctx.newFundedUser(100)
    const dest = await ctx.newDestination()
    const holdId = uid('h-')
    await ctx.ledger.createHold({ id: holdId, accountId: viewer, amountSats: 5, expiresAt: inAMinute() })
    expect(
      await ctx.ledger.postViewSeconds([
        { holdId, seq: 1, amountSats: 3, streamId: 'x', split: dest },
        { holdId, seq: 2, amountSats: 3, streamId: 'x', split: dest },
      ]),
    ).toEqual(['hold_exceeded', 'hold_exceeded'])
    expect(
      await ctx.ledger.postViewSeconds([{ holdId, seq: 1, amountSats: 5, streamId: 'x', split: dest }]),
    ).toEqual(['ok'])
    expect(
      await ctx.ledger.postViewSeconds([{ holdId, seq: 2, amountSats: 1, streamId: 'x', split: dest }]),
    ).toEqual(['hold_exceeded'])
    expect(await ctx.balance(viewer)).toBe(95)
  })

  it('refuse unknown and closed holds and bad amounts without charging anything', async () => {
    const viewer = await ctx.newFundedUser(100)
    const dest = await ctx.newDestination()
    const holdId = uid('h-')
    await ctx.ledger.createHold({ id: holdId, accountId: viewer, amountSats: 5, expiresAt: inAMinute() })
    await ctx.ledger.releaseHold(holdId, 'voided')
    const results = await ctx.ledger.postViewSeconds([
      { holdId, seq: 1, amountSats: 1, streamId: uid(), split: dest },
      { holdId: 'h-missing', seq: 1, amountSats: 1, streamId: uid(), split: dest },
      { holdId, seq: 2, amountSats: 0, streamId: uid(), split: dest },
      { holdId, seq: 0.5, amountSats: 1, streamId: uid(), split: dest },
    ])
    expect(results).toEqual(['hold_closed', 'hold_not_found', 'invalid_amount', 'invalid_amount'])
    expect(await ctx.balance(viewer)).toBe(100)
  })
})
