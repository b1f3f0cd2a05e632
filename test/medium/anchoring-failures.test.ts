/**
 * Anchoring when things go wrong: a funder without coins keeps the anchor recorded and sends it
 * once funded; a transaction the network refuses marks its anchor failed, and the next period's
 * anchor takes those records again, so none is left out; a period waits while an earlier
 * anchor is still unsent; and two workers anchoring the same period at once publish one
 * transaction.
 */
import { PrivateKey } from '@bsv/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import type { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import type { BroadcastResult, ChainSource } from '../../src/adapters/chain/source.ts'
import { AnchoringService } from '../../src/services/anchoring/anchoring.service.ts'
import { AnchorsRepository } from '../../src/services/anchoring/anchors.repository.ts'
import { type AnchorFunder, keyFunder } from '../../src/services/anchoring/funder.ts'
import { fund, openTestDevnet } from '../chain/support.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext, uid } from '../support/ledger.ts'

let db: TestDb
let devnet: Devnet
let closeDevnet: () => Promise<void>
let ctx: LedgerContext
let anchors: AnchorsRepository
let funder: AnchorFunder
let refuseNext = 0
let service: AnchoringService

async function transfers(count: number): Promise<void> {
  const user = await ctx.newAccount('user')
  const result = await ctx.ledger.transfer(
    Array.from({ length: count }, () => ({
      id: uid('t-'),
      debitAccountId: FUNDING_ACCOUNT,
      creditAccountId: user,
      amountSats: 10,
      code: 'deposit',
    })),
  )
  expect(result.status).toBe('ok')
}

beforeAll(async () => {
  db = await openTestDb()
  ctx = await new LedgerContext(db).init()
  const opened = await openTestDevnet()
  devnet = opened.devnet
  closeDevnet = opened.close
  const inner = new DevnetChainSource(devnet)
  // Refuses the next broadcasts as a node would refuse a transaction (no retry can help).
  const chain = Object.create(inner, {
    broadcast: {
      value: async (rawTx: string): Promise<BroadcastResult> => {
        if (refuseNext === 0) return inner.broadcast(rawTx)
        refuseNext--
        return { status: 'rejected', txid: '', code: 'non_final', message: 'refused for the test' }
      },
    },
  }) as ChainSource
  anchors = new AnchorsRepository(db.kysely)
  funder = keyFunder(PrivateKey.fromRandom(), 'devnet')
  service = new AnchoringService({ anchors, chain, funder })
})
afterAll(async () => {
  await closeDevnet?.()
  await db?.close()
})

describe('anchoring failures', () => {
  it('keeps the anchor while the funder has no coins, makes the next period wait, and sends once funded', async () => {
    await transfers(3)
    const unfunded = await service.anchorPeriod({ kind: 'block', key: 10 })
    expect(unfunded).toMatchObject({
      status: 'insufficient_funds',
      availableSats: 0,
      anchor: { state: 'built', txid: null },
    })

    await transfers(1)
    const waiting = await service.anchorPeriod({ kind: 'block', key: 11 })
    expect(waiting).toMatchObject({ status: 'waiting_for_earlier', anchor: { periodKey: 10 } })

    await fund(devnet, funder.address, 20_000)
    const sent = await service.anchorPeriod({ kind: 'block', key: 10 })
    expect(sent).toMatchObject({ status: 'anchored', anchor: { state: 'broadcast', recordCount: 3 } })
  })

  it('marks a refused anchor failed and anchors its records again in the next period', async () => {
    refuseNext = 1
    const refused = await service.anchorPeriod({ kind: 'block', key: 11 })
    expect(refused).toMatchObject({ status: 'rejected', anchor: { state: 'failed', recordCount: 1 } })
    if (refused.status !== 'rejected') throw new Error('expected a refusal')

    await transfers(2)
    const next = await service.anchorPeriod({ kind: 'block', key: 12 })
    expect(next).toMatchObject({
      status: 'anchored',
      anchor: { firstSeq: refused.anchor.firstSeq, recordCount: 3, state: 'broadcast' },
    })
    await devnet.mine(1)
    const states = (await service.refresh()).map((outcome) => outcome.anchor.state)
    expect(states).toEqual(['confirmed', 'confirmed'])
  })

  it('publishes one transaction when two workers anchor the same period at once', async () => {
    await transfers(2)
    const outcomes = await Promise.all([
      service.anchorPeriod({ kind: 'block', key: 13 }),
      service.anchorPeriod({ kind: 'block', key: 13 }),
    ])
    const txids = outcomes.map((outcome) =>
      outcome.status === 'anchored' ? outcome.anchor.txid : outcome.status,
    )
    expect(txids[0]).toMatch(/^[0-9a-f]{64}$/)
    expect(txids[1]).toBe(txids[0])
    const rows = await db.kysely.selectFrom('anchors').select('id').where('period_key', '=', 13).execute()
    expect(rows).toHaveLength(1)
  })
})
