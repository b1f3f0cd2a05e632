/**
 * Concurrent writers cannot overspend or double-charge. On PostgreSQL (DATABASE_URL) every
 * writer has its own connection pool, as separate server processes would, and the races are
 * real; on PGlite the same scenarios run serialised through its single connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Db, openDatabase } from '../../src/adapters/db/database.ts'
import { VIEW_CLEARING_ACCOUNT } from '../../src/ledger/accounts.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { LedgerContext, uid } from '../support/ledger.ts'

const WRITERS = 4
let db: TestDb
let ctx: LedgerContext
const extraPools: Db[] = []
let writers: Ledger[] = []

beforeAll(async () => {
  db = await openTestDb()
  ctx = await new LedgerContext(db).init()
  writers = [ctx.ledger]
  for (let i = 1; i < WRITERS; i++) {
    if (db.url) {
      const pool = await openDatabase({ url: db.url, schema: db.schema, poolSize: 3 })
      extraPools.push(pool)
      writers.push(new Ledger(pool.kysely))
    } else {
      writers.push(new Ledger(db.kysely))
    }
  }
})
afterAll(async () => {
  for (const pool of extraPools) await pool.close()
  await db?.close()
})

const writer = (i: number) => writers[i % writers.length]!
const later = () => new Date(Date.now() + 600_000)

describe('concurrent writers', () => {
  it('let exactly ten of forty 100-sat payments through from a 1,000-sat balance', async () => {
    const payer = await ctx.newFundedUser(1_000)
    const payee = await ctx.newAccount()
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        writer(i).transfer([
          { id: uid('race-'), debitAccountId: payer, creditAccountId: payee, amountSats: 100, code: 'x' },
        ]),
      ),
    )
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(10)
    expect(results.filter((r) => r.status === 'insufficient_funds')).toHaveLength(30)
    expect(await ctx.balance(payer)).toBe(0)
    expect(await ctx.balance(payee)).toBe(1_000)
  })

  it('record a transfer that several writers send at once with one id exactly once, the rest answering exists', async () => {
    // The whole balance: a writer that waited for the lock must see the transfer as its own, not
    // find the balance spent.
    const payer = await ctx.newFundedUser(300)
    const payee = await ctx.newAccount()
    const id = uid('same-')
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        writer(i).transfer([
          { id, debitAccountId: payer, creditAccountId: payee, amountSats: 300, code: 'x' },
        ]),
      ),
    )
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'exists')).toHaveLength(7)
    expect(await ctx.balance(payer)).toBe(0)
  })

  it('let concurrent holds and payments of one user share one balance without overspending', async () => {
    const user = await ctx.newFundedUser(1_000)
    const payee = await ctx.newAccount()
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0
          ? writer(i).createHold({ id: uid('h-'), accountId: user, amountSats: 70, expiresAt: later() })
          : writer(i)
              .transfer([
                { id: uid('t-'), debitAccountId: user, creditAccountId: payee, amountSats: 70, code: 'x' },
              ])
              .then((r) => r.status),
      ),
    )
    const ok = results.filter((r) => r === 'ok').length
    expect(ok).toBe(14) // floor(1000 / 70)
    const account = await ctx.ledger.getAccount(user)
    expect(account?.availableSats).toBe(1_000 - 14 * 70)
    expect(account?.availableSats).toBeGreaterThanOrEqual(0)
  })

  it('charge a flush that two writers post at the same time exactly once', async () => {
    const dest = await ctx.newDestination()
    const viewers = await Promise.all(Array.from({ length: 20 }, () => ctx.newFundedUser(500)))
    const holds = viewers.map(() => uid('h-'))
    for (const [i, v] of viewers.entries()) {
      expect(
        await ctx.ledger.createHold({ id: holds[i]!, accountId: v, amountSats: 100, expiresAt: later() }),
      ).toBe('ok')
    }
    const streamId = uid('s-')
    for (let seq = 1; seq <= 5; seq++) {
      const batch = holds.map((holdId) => ({ holdId, seq, amountSats: 2, streamId, split: dest }))
      const [a, b] = await Promise.all([writer(1).postViewSeconds(batch), writer(2).postViewSeconds(batch)])
      for (let i = 0; i < batch.length; i++) expect([a[i], b[i]].sort()).toEqual(['exists', 'ok'])
    }
    for (const v of viewers) expect(await ctx.balance(v)).toBe(490)
    const credited =
      (await ctx.balance(dest.creatorAccountId)) +
      (await ctx.balance(dest.ownerAccountId)) +
      (await ctx.balance(dest.poolAccountId))
    expect(credited).toBeGreaterThan(0)
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
  })

  it('keep every invariant through a storm of mixed operations on shared accounts', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => ctx.newFundedUser(300)))
    const dests = await Promise.all([ctx.newDestination(), ctx.newDestination()])
    const holds: { id: string; seq: number }[] = []
    const ops: Promise<unknown>[] = []
    for (let i = 0; i < 120; i++) {
      const user = users[i % users.length]!
      const w = writer(i)
      switch (i % 4) {
        case 0: {
          const hold = { id: uid('h-'), seq: 0 }
          holds.push(hold)
          ops.push(w.createHold({ id: hold.id, accountId: user, amountSats: 40, expiresAt: later() }))
          break
        }
        case 1:
          ops.push(
            w.transfer([
              {
                id: uid('t-'),
                debitAccountId: user,
                creditAccountId: users[(i + 1) % users.length]!,
                amountSats: 35,
                code: 'x',
              },
            ]),
          )
          break
        case 2: {
          const batch = holds.slice(-5).map((h) => ({
            holdId: h.id,
            seq: ++h.seq,
            amountSats: 9,
            streamId: `storm-${i % 2}-${dests[i % 2]!.poolAccountId}`,
            split: dests[i % 2]!,
          }))
          if (batch.length > 0) ops.push(w.postViewSeconds(batch))
          break
        }
        default: {
          const hold = holds[Math.floor(i / 7) % Math.max(1, holds.length)]
          if (hold) ops.push(w.releaseHold(hold.id, 'closed'))
        }
      }
    }
    await Promise.all(ops)
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
    expect((await ctx.balance(VIEW_CLEARING_ACCOUNT)) + (await ctx.ledger.openPostedSats())).toBe(0)
    for (const u of users) {
      const account = await ctx.ledger.getAccount(u)
      expect(account!.availableSats).toBeGreaterThanOrEqual(0)
      expect(account!.balanceSats).toBeGreaterThanOrEqual(account!.heldSats)
      expect(account!.heldSats).toBeGreaterThanOrEqual(0)
    }
  })
})
