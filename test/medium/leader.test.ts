/**
 * Leader election on a real database (src/services/leader/leader.ts), with real time.
 *
 * PostgreSQL (skipped unless DATABASE_URL is set): three electors, each with its own connection
 * pool as three nodes would have, with the default lease (6 s) and renewal (2 s).
 *  - at most one of them leads at any moment (sampled every 20 ms), and exactly one once the
 *    first attempt is over, the one the lease row names, under the row's token;
 *  - when the leader's pool is killed, another is elected within lease + renewal (under 10 s)
 *    with a higher token, and the dead one has stopped its duties;
 *  - a paused old leader (its stale token still in memory) is refused with NOT_LEADER, and a
 *    settlement fenced by that token writes nothing while the current leader's settles;
 *  - a leader that stops gracefully gives the lease up: another leads within one renewal.
 * PGlite (always): the single embedded elector leads, runs its duties, and gives the lease up
 * on stop, so the next start is a new term; a second process with the same node id does not
 * lead beside it; block sync fenced by the old term's token stores
 * nothing, by the new one's it does. Settings: defaults, and a renewal that does not fit
 * in the lease is refused.
 */
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { type Db, migrateToLatest, openDatabase } from '../../src/adapters/db/database.ts'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { roundPoolAccountId } from '../../src/ledger/accounts.ts'
import { BlockSync } from '../../src/services/chain-sync.ts'
import {
  assertLeader,
  DEFAULT_LEASE_MS,
  DEFAULT_RENEW_MS,
  type Fence,
  LEADER_LEASE,
  LeaderElector,
  LeaderLostError,
} from '../../src/services/leader/leader.ts'
import { RoundEngine, roundParamsFrom } from '../../src/services/rounds/round-engine.ts'
import { RoundsRepository } from '../../src/services/rounds/rounds.repository.ts'
import { openTestDb, TEST_DATABASE_URL, type TestDb } from '../support/db.ts'
import { FakeChain } from '../support/fake-chain.ts'
import { FUNDING_ACCOUNT, LedgerContext } from '../support/ledger.ts'

const SAMPLE_MS = 20
const TAKEOVER_LIMIT_MS = 10_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Node {
  id: string
  db: Db
  elector: LeaderElector
  /** Duty starts and stops, in order: 'start:<token>' and 'stop:<token>'. */
  duties: string[]
}

function newNode(db: Db, id: string): Node {
  const elector = new LeaderElector({ db: db.kysely, nodeId: id })
  const duties: string[] = []
  elector.duty('test', (token) => {
    duties.push(`start:${token}`)
    return () => {
      duties.push(`stop:${token}`)
    }
  })
  return { id, db, elector, duties }
}

/** Samples every SAMPLE_MS for `ms`, failing at once if two nodes believe they lead. */
async function watchLeaders(nodes: readonly Node[], ms: number): Promise<number[]> {
  const counts: number[] = []
  const end = performance.now() + ms
  while (performance.now() < end) {
    const leaders = nodes.filter((n) => n.elector.isLeader)
    expect(leaders.length, `leaders: ${leaders.map((n) => n.id).join(', ')}`).toBeLessThanOrEqual(1)
    counts.push(leaders.length)
    await sleep(SAMPLE_MS)
  }
  return counts
}

async function leaseRow(db: Db) {
  return db.kysely.selectFrom('leases').selectAll().where('name', '=', LEADER_LEASE).executeTakeFirst()
}

/** A fence frozen at one token: what a paused process still has in memory when it wakes. */
function frozenFence(db: Db, token: number): Fence {
  const fence: Fence = {
    lease: LEADER_LEASE,
    token: () => token,
    verify: () => assertLeader(db.kysely, fence),
  }
  return fence
}

describe.skipIf(!TEST_DATABASE_URL)('leader election on PostgreSQL: three nodes', () => {
  let db: TestDb
  let ctx: LedgerContext
  const nodes: Node[] = []

  beforeAll(async () => {
    db = await openTestDb()
    ctx = await new LedgerContext(db).init()
    for (let i = 0; i < 3; i++) {
      const pool = await openDatabase({ url: db.url, schema: db.schema, poolSize: 2 })
      nodes.push(newNode(pool, `node-${i}`))
    }
  })
  afterAll(async () => {
    for (const node of nodes) {
      await node.elector.stop()
      await node.db.close().catch(() => {})
    }
    await db?.close()
  })

  it('elects exactly one node at a time, the one the lease row names', async () => {
    await Promise.all(nodes.map((n) => n.elector.start()))
    const counts = await watchLeaders(nodes, 3 * DEFAULT_RENEW_MS)
    expect(counts.every((c) => c === 1)).toBe(true)
    const leader = nodes.find((n) => n.elector.isLeader)!
    const row = await leaseRow(db)
    expect(row?.holder).toBe(leader.elector.holder)
    expect(row?.holder.startsWith(`${leader.id}#`)).toBe(true)
    expect(row?.token).toBe(leader.elector.token())
    // Renewals keep the term: the token did not move, the duty started once.
    expect(leader.duties).toEqual([`start:${row?.token}`])
    for (const other of nodes.filter((n) => n !== leader)) expect(other.duties).toEqual([])
  })

  it('elects another node within lease + renewal when the leader dies, with a higher token', async () => {
    const dead = nodes.find((n) => n.elector.isLeader)!
    const oldToken = dead.elector.token()!
    const killedAt = performance.now()
    await dead.db.close() // its connections are gone: no renewal will ever get through
    const survivors = nodes.filter((n) => n !== dead)
    let elected: Node | undefined
    while (!elected && performance.now() - killedAt < TAKEOVER_LIMIT_MS + 1_000) {
      await watchLeaders(nodes, SAMPLE_MS)
      elected = survivors.find((n) => n.elector.isLeader)
    }
    const takeoverMs = performance.now() - killedAt
    expect(elected, 'a survivor is elected').toBeDefined()
    // The lease ran at most LEASE from the last renewal; a survivor tries every RENEW.
    expect(takeoverMs).toBeLessThan(DEFAULT_LEASE_MS + DEFAULT_RENEW_MS + 1_000)
    expect(takeoverMs).toBeLessThan(TAKEOVER_LIMIT_MS)
    expect(elected!.elector.token()).toBeGreaterThan(oldToken)
    // The dead node stopped its duties on its own, once its lease ran out locally.
    expect(dead.elector.isLeader).toBe(false)
    expect(dead.duties).toEqual([`start:${oldToken}`, `stop:${oldToken}`])
    expect(elected!.duties).toEqual([`start:${elected!.elector.token()}`])
    await watchLeaders(nodes, DEFAULT_RENEW_MS)
  })

  it("refuses a paused old leader's writes, and its settlement writes nothing", async () => {
    const leader = nodes.find((n) => n.elector.isLeader)!
    const current = leader.elector.token()!
    const stale = frozenFence(db, current - 1)

    const refused = await db.kysely
      .transaction()
      .execute((trx) => assertLeader(trx, stale))
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(LeaderLostError)
    expect((refused as LeaderLostError).code).toBe('NOT_LEADER')
    await expect(stale.verify()).rejects.toMatchObject({ code: 'NOT_LEADER' })
    await expect(leader.elector.verify()).resolves.toBeUndefined()

    // A closed round with money in its pool.
    const rounds = new RoundsRepository(db.kysely)
    const params = roundParamsFrom({
      platformFeeBps: 200,
      directSharePct: 40,
      creatorSharePct: 10,
      memesPerRound: 1,
    })
    const unfenced = new RoundEngine({ db: db.kysely, ledger: ctx.ledger, rounds, params })
    const h = 5_000
    const header = (height: number) => ({
      height,
      hash: `${height}`.padStart(64, '0'),
      prevHash: '0'.repeat(64),
      merkleRoot: '0'.repeat(64),
      time: 0,
      txCount: 1,
    })
    await unfenced.onBlock(header(h))
    const funded = await ctx.ledger.transfer([
      {
        id: randomUUID(),
        debitAccountId: FUNDING_ACCOUNT,
        creditAccountId: roundPoolAccountId(h),
        amountSats: 7_000,
        code: 'view_pool',
      },
    ])
    expect(funded.status).toBe('ok')
    await unfenced.onBlock(header(h + 1))
    const round = (await rounds.byHeight(h))!
    expect(round.state).toBe('closed')

    const staleEngine = new RoundEngine({ db: db.kysely, ledger: ctx.ledger, rounds, params, fence: stale })
    await expect(staleEngine.settle(round)).rejects.toMatchObject({ code: 'NOT_LEADER' })
    expect((await rounds.byHeight(h))?.state).toBe('closed')
    expect(await ctx.balance(roundPoolAccountId(h))).toBe(7_000)
    const written = await sql<{ n: number }>`
      select count(*)::int as n from transfers where id like ${`round:${h}:%`}`.execute(db.kysely)
    expect(written.rows[0]?.n).toBe(0)
    // Nor does a stale leader open the next block's round.
    await expect(staleEngine.onBlock(header(h + 2))).rejects.toMatchObject({ code: 'NOT_LEADER' })
    expect(await rounds.byHeight(h + 2)).toBeUndefined()

    const leaderEngine = new RoundEngine({
      db: db.kysely,
      ledger: ctx.ledger,
      rounds,
      params,
      fence: leader.elector,
    })
    expect(await leaderEngine.settle(round)).toBe(true)
    expect((await rounds.byHeight(h))?.state).toBe('settled')
    expect(await ctx.balance(roundPoolAccountId(h))).toBe(0)
    expect(await ctx.balance(roundPoolAccountId(h + 1))).toBe(7_000)
    expect(await ctx.ledger.sumOfBalances()).toBe(0)
  })

  it('hands over within one renewal when the leader stops gracefully', async () => {
    const leader = nodes.find((n) => n.elector.isLeader)!
    const token = leader.elector.token()!
    const stoppedAt = performance.now()
    await leader.elector.stop()
    expect(leader.duties.at(-1)).toBe(`stop:${token}`)
    let next: Node | undefined
    while (!next && performance.now() - stoppedAt < TAKEOVER_LIMIT_MS) {
      await watchLeaders(nodes, SAMPLE_MS)
      next = nodes.find((n) => n.elector.isLeader)
    }
    // The lease was given up, not left to expire.
    expect(performance.now() - stoppedAt).toBeLessThan(DEFAULT_RENEW_MS + 1_000)
    expect(next!.elector.token()).toBe(token + 1)
  })
})

describe('leader election embedded (PGlite)', () => {
  let db: Db

  beforeAll(async () => {
    db = await openDatabase({})
    await migrateToLatest(db)
  })
  afterAll(async () => {
    await db?.close()
  })

  it('makes the single process the leader, and a stop gives the lease up for the next start', async () => {
    const node = newNode(db, 'embedded')
    await node.elector.start()
    expect(node.elector.isLeader).toBe(true)
    expect(node.elector.token()).toBe(1)
    expect(node.duties).toEqual(['start:1'])
    await expect(node.elector.verify()).resolves.toBeUndefined()
    await sleep(DEFAULT_RENEW_MS + 200) // one renewal: same term
    expect(node.elector.token()).toBe(1)

    await node.elector.stop()
    expect(node.elector.isLeader).toBe(false)
    expect(node.duties).toEqual(['start:1', 'stop:1'])
    await expect(node.elector.verify()).rejects.toBeInstanceOf(LeaderLostError)
    const row = await leaseRow(db)
    expect(row!.expires_at.getTime()).toBeLessThanOrEqual(Date.now())

    const again = newNode(db, 'embedded-restarted')
    await again.elector.start()
    expect(again.elector.token()).toBe(2)
    await expect(frozenFence(db, 1).verify()).rejects.toMatchObject({ code: 'NOT_LEADER' })
    // A second process given the same node id (a misconfiguration) is not taken for the holder.
    const twin = newNode(db, 'embedded-restarted')
    await twin.elector.start()
    expect(twin.elector.isLeader).toBe(false)
    await twin.elector.stop()
    expect(again.elector.token()).toBe(2)

    const chain = new FakeChain(3)
    const staleSync = new BlockSync({
      source: chain,
      db: db.kysely,
      bus: new InProcessBus(),
      fence: frozenFence(db, 1),
    })
    await expect(staleSync.syncOnce()).rejects.toMatchObject({ code: 'NOT_LEADER' })
    expect(await db.kysely.selectFrom('blocks').select('height').execute()).toEqual([])
    const sync = new BlockSync({
      source: chain,
      db: db.kysely,
      bus: new InProcessBus(),
      fence: again.elector,
    })
    await sync.syncOnce()
    expect(await db.kysely.selectFrom('blocks').select('height').execute()).toEqual([{ height: 2 }])
    await again.elector.stop()
  })
})

describe('leader settings', () => {
  it('default to a 6 s lease renewed every 2 s, named after the process', () => {
    const leader = loadConfig({}).leader
    expect(leader).toMatchObject({ leaseMs: DEFAULT_LEASE_MS, renewMs: DEFAULT_RENEW_MS })
    expect(leader.nodeId).toMatch(new RegExp(`:${process.pid}$`))
    expect(loadConfig({ MEMEPOOL_NODE: 'api-2' }).leader.nodeId).toBe('api-2')
    expect(loadConfig({ MEMEPOOL_NODE: 'api-2', MEMEPOOL_NODE_ID: 'n7' }).leader.nodeId).toBe('n7')
  })

  it('let every process lead unless LEADER_ELIGIBLE is off, and refuse other words', () => {
    expect(loadConfig({}).leader.eligible).toBe(true)
    expect(loadConfig({ LEADER_ELIGIBLE: 'off' }).leader.eligible).toBe(false)
    expect(() => loadConfig({ LEADER_ELIGIBLE: 'no' })).toThrow(ConfigError)
  })

  it('refuse a renewal that is not shorter than the lease', () => {
    const refused = (() => {
      try {
        return loadConfig({ LEADER_LEASE_MS: '3000', LEADER_RENEW_MS: '3000' })
      } catch (error) {
        return error
      }
    })()
    expect(refused).toBeInstanceOf(ConfigError)
    expect((refused as ConfigError).problems).toEqual([
      'LEADER_RENEW_MS (3000) must be below LEADER_LEASE_MS (3000)',
    ])
  })
})
