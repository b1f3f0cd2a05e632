/**
 * Fenced anchoring on the real devnet and database (PGlite, or PostgreSQL with DATABASE_URL):
 * an anchoring service whose leader term has ended (a paused old leader, its token still in
 * memory) creates, signs and sends no anchor (NOT_LEADER), and the current leader's service
 * then anchors the same records.
 */
import { PrivateKey } from '@bsv/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import type { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { AnchoringService } from '../../src/services/anchoring/anchoring.service.ts'
import { AnchorsRepository } from '../../src/services/anchoring/anchors.repository.ts'
import { keyFunder } from '../../src/services/anchoring/funder.ts'
import { assertLeader, type Fence, LEADER_LEASE, LeaderElector } from '../../src/services/leader/leader.ts'
import { fund, openTestDevnet } from '../chain/support.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext, uid } from '../support/ledger.ts'

let db: TestDb
let devnet: Devnet
let closeDevnet: () => Promise<void>
const electors: LeaderElector[] = []

beforeAll(async () => {
  db = await openTestDb()
  const opened = await openTestDevnet()
  devnet = opened.devnet
  closeDevnet = opened.close
})
afterAll(async () => {
  for (const elector of electors) await elector.stop()
  await closeDevnet?.()
  await db?.close()
})

async function elect(nodeId: string): Promise<LeaderElector> {
  const elector = new LeaderElector({ db: db.kysely, nodeId })
  electors.push(elector)
  await elector.start()
  expect(elector.isLeader).toBe(true)
  return elector
}

describe('anchoring fenced by the leader lease', () => {
  it("refuses a stale leader's anchor and lets the current leader anchor the records", async () => {
    const first = await elect('old-leader')
    const staleToken = first.token()!
    await first.stop()
    const current = await elect('new-leader')
    const stale: Fence = {
      lease: LEADER_LEASE,
      token: () => staleToken,
      verify: () => assertLeader(db.kysely, stale),
    }

    const ctx = await new LedgerContext(db).init()
    const user = await ctx.newAccount('user')
    const recorded = await ctx.ledger.transfer([
      {
        id: uid('t-'),
        debitAccountId: FUNDING_ACCOUNT,
        creditAccountId: user,
        amountSats: 10,
        code: 'deposit',
      },
    ])
    expect(recorded.status).toBe('ok')
    const funder = keyFunder(PrivateKey.fromRandom(), 'devnet')
    await fund(devnet, funder.address, 20_000)
    const anchors = new AnchorsRepository(db.kysely)
    const chain = new DevnetChainSource(devnet)
    const service = (fence: Fence) => new AnchoringService({ anchors, chain, funder, fence })

    await expect(service(stale).anchorPeriod({ kind: 'block', key: 1 })).rejects.toMatchObject({
      code: 'NOT_LEADER',
    })
    expect(await db.kysely.selectFrom('anchors').select('id').execute()).toEqual([])
    expect(devnet.unspentOf(funder.address)?.confirmed).toHaveLength(1) // nothing spent

    const outcome = await service(current).anchorPeriod({ kind: 'block', key: 1 })
    expect(outcome).toMatchObject({ status: 'anchored', anchor: { state: 'broadcast' } })
  })
})
