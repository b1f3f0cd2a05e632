/**
 * Model-based property test of the ledger: random sequences of deposits, payments, holds,
 * postings, retries, releases and bad input run against the real database and against a
 * plain in-memory model. Every answer must match the model, and after every sequence the
 * balances equal the model's, the sum of all accounts is zero, no balance is negative and no
 * retried operation moved money twice.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addParts, EMPTY_SPLIT, type SplitParts, splitIncrement } from '../../src/domain/split.ts'
import { PLATFORM_FEES_ACCOUNT, VIEW_CLEARING_ACCOUNT } from '../../src/ledger/accounts.ts'
import type { TransferInput } from '../../src/ledger/types.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext, SPEC_SPLIT, uid } from '../support/ledger.ts'

const USERS = 3
const amount = fc.integer({ min: 1, max: 400 })
const user = fc.integer({ min: 0, max: USERS - 1 })
const slot = fc.nat({ max: 7 })
const op = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), user, amount }),
  fc.record({ kind: fc.constant('pay' as const), from: user, to: user, amount }),
  fc.record({ kind: fc.constant('hold' as const), user, amount }),
  fc.record({ kind: fc.constant('post' as const), hold: slot, amount: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ kind: fc.constant('repost' as const), hold: slot }),
  fc.record({ kind: fc.constant('release' as const), hold: slot }),
  fc.record({ kind: fc.constant('retryTransfer' as const) }),
  fc.record({
    kind: fc.constant('bad' as const),
    user,
    amount: fc.constantFrom(0, -1, 1.5, Number.NaN, 2 ** 60),
  }),
)

interface ModelHold {
  id: string
  user: number
  amount: number
  posted: number
  seq: number
  open: boolean
  lastPosting?: { seq: number; amount: number }
}

let db: TestDb
let ctx: LedgerContext
const later = new Date(Date.now() + 3_600_000)

beforeAll(async () => {
  db = await openTestDb()
  ctx = await new LedgerContext(db).init()
})
afterAll(async () => {
  await db?.close()
})

describe('ledger against a model', () => {
  it('agrees with the model on every answer and balance, and keeps the invariants', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 35 }), async (ops) => {
        const users = await Promise.all(Array.from({ length: USERS }, () => ctx.newAccount('user')))
        const dest = await ctx.newDestination()
        const streamId = uid('stream-')
        const balance = users.map(() => 0)
        const held = users.map(() => 0)
        const holds: ModelHold[] = []
        let stream: SplitParts = EMPTY_SPLIT
        let lastTransfer: TransferInput | undefined
        const feesBefore = await ctx.balance(PLATFORM_FEES_ACCOUNT)

        for (const o of ops) {
          switch (o.kind) {
            case 'deposit': {
              const t = {
                id: uid(),
                debitAccountId: FUNDING_ACCOUNT,
                creditAccountId: users[o.user]!,
                amountSats: o.amount,
                code: 'deposit',
              }
              expect((await ctx.ledger.transfer([t])).status).toBe('ok')
              balance[o.user]! += o.amount
              lastTransfer = t
              break
            }
            case 'pay': {
              const t = {
                id: uid(),
                debitAccountId: users[o.from]!,
                creditAccountId: users[o.to]!,
                amountSats: o.amount,
                code: 'pay',
              }
              const expected =
                o.from === o.to
                  ? 'same_account'
                  : balance[o.from]! - held[o.from]! >= o.amount
                    ? 'ok'
                    : 'insufficient_funds'
              expect((await ctx.ledger.transfer([t])).status).toBe(expected)
              if (expected === 'ok') {
                balance[o.from]! -= o.amount
                balance[o.to]! += o.amount
                lastTransfer = t
              }
              break
            }
            case 'hold': {
              const id = uid('h-')
              const expected = balance[o.user]! - held[o.user]! >= o.amount ? 'ok' : 'insufficient_funds'
              expect(
                await ctx.ledger.createHold({
                  id,
                  accountId: users[o.user]!,
                  amountSats: o.amount,
                  expiresAt: later,
                }),
              ).toBe(expected)
              if (expected === 'ok') {
                held[o.user]! += o.amount
                holds.push({ id, user: o.user, amount: o.amount, posted: 0, seq: 0, open: true })
              }
              break
            }
            case 'post': {
              const h = holds[o.hold % Math.max(1, holds.length)]
              if (!h) break
              const seq = h.seq + 1
              const expected = !h.open
                ? 'hold_closed'
                : h.posted + o.amount <= h.amount
                  ? 'ok'
                  : 'hold_exceeded'
              const [result] = await ctx.ledger.postViewSeconds([
                { holdId: h.id, seq, amountSats: o.amount, streamId, split: dest },
              ])
              expect(result).toBe(expected)
              if (expected === 'ok') {
                h.seq = seq
                h.posted += o.amount
                h.lastPosting = { seq, amount: o.amount }
                stream = addParts(stream, splitIncrement(stream, o.amount, SPEC_SPLIT))
              }
              break
            }
            case 'repost': {
              const h = holds[o.hold % Math.max(1, holds.length)]
              if (!h?.lastPosting) break
              const [result] = await ctx.ledger.postViewSeconds([
                {
                  holdId: h.id,
                  seq: h.lastPosting.seq,
                  amountSats: h.lastPosting.amount,
                  streamId,
                  split: dest,
                },
              ])
              expect(result).toBe('exists')
              break
            }
            case 'release': {
              const h = holds[o.hold % Math.max(1, holds.length)]
              if (!h) break
              expect(await ctx.ledger.releaseHold(h.id, 'closed')).toBe(h.open ? 'ok' : 'exists')
              if (h.open) {
                h.open = false
                held[h.user]! -= h.amount
                balance[h.user]! -= h.posted
              }
              break
            }
            case 'retryTransfer': {
              if (lastTransfer) expect((await ctx.ledger.transfer([lastTransfer])).status).toBe('exists')
              break
            }
            case 'bad': {
              const t = {
                id: uid(),
                debitAccountId: FUNDING_ACCOUNT,
                creditAccountId: users[o.user]!,
                amountSats: o.amount,
                code: 'x',
              }
              expect((await ctx.ledger.transfer([t])).status).toBe('invalid_amount')
              expect(
                await ctx.ledger.createHold({
                  id: uid(),
                  accountId: users[o.user]!,
                  amountSats: o.amount,
                  expiresAt: later,
                }),
              ).toBe('invalid_amount')
              break
            }
          }
        }

        for (const [i, id] of users.entries()) {
          const openPosted = holds.filter((h) => h.user === i && h.open).reduce((s, h) => s + h.posted, 0)
          const account = await ctx.ledger.getAccount(id)
          expect(account).toMatchObject({
            balanceSats: balance[i]! - openPosted,
            availableSats: balance[i]! - held[i]!,
          })
          expect(account!.availableSats).toBeGreaterThanOrEqual(0)
        }
        expect(await ctx.balance(dest.creatorAccountId)).toBe(stream.creator)
        expect(await ctx.balance(dest.ownerAccountId)).toBe(stream.owner)
        expect(await ctx.balance(dest.poolAccountId)).toBe(stream.pool)
        expect((await ctx.balance(PLATFORM_FEES_ACCOUNT)) - feesBefore).toBe(stream.fee)
        expect(await ctx.ledger.sumOfBalances()).toBe(0)
        expect((await ctx.balance(VIEW_CLEARING_ACCOUNT)) + (await ctx.ledger.openPostedSats())).toBe(0)
      }),
      { numRuns: 40 },
    )
  })
})
