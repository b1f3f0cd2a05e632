/**
 * Watch sessions and billing on a real database (SPEC 2, 6): nothing is charged below 3 s, every
 * confirmed second from then on is, exactly once, and split at once into fee, creator, owner and
 * the pool of the round in progress; confirmations beyond the wall clock do not count; a session
 * ends on stop, on 3 s without a confirmation, on an empty balance and at the maximum length,
 * releasing its hold so that the balance falls by exactly what was charged; concurrent sessions of
 * one viewer cannot overspend; a meme from an earlier round pays its direct share and feeds the
 * current pool without competing again; engagement counters follow the charges; a flush whose
 * commit fails is reconciled from the hold and charges nothing twice; a process that dies leaves
 * holds that expire, and its sessions end as interrupted with what they had been charged. The
 * flush loop keeps its interval from start to start, so a slow flush does not add to the lag.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { WATCH_MAX_SESSIONS_PER_USER } from '../../contracts/watch.ts'
import { PLATFORM_FEES_ACCOUNT, roundPoolAccountId, userAccountId } from '../../src/ledger/accounts.ts'
import { SimulatedCrash } from '../sim/harness.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { WatchWorld } from '../support/watch-world.ts'

let db: TestDb
let world: WatchWorld
let height = 100

async function sumOfBalances(): Promise<number> {
  return world.ledger.sumOfBalances()
}

/** A round open with one fresh meme in it; returns the meme and its people. */
async function freshRound() {
  const creator = await world.newUser()
  const owner = await world.newUser()
  const memeId = await world.approvedMeme(creator, owner)
  height += 10
  await world.block(height)
  await world.settle()
  return { creator, owner, memeId, height }
}

beforeAll(async () => {
  db = await openTestDb()
  world = await new WatchWorld(db).init()
})
afterAll(async () => {
  await db?.close()
})

describe('a watch session', () => {
  it('charges nothing below the minimum and frees the hold', async () => {
    const { memeId } = await freshRound()
    const viewer = await world.newUser(1000)
    const { session } = await world.watch.startSession(viewer, memeId)
    expect(await world.ctx.available(userAccountId(viewer))).toBe(970)
    world.confirmFor(viewer, session.sessionId, 2)
    await world.watch.flush()
    const final = await world.stop(viewer, session.sessionId)
    expect(final).toMatchObject({ state: 'ended', confirmedSeconds: 2, chargedSats: 0, endReason: 'stopped' })
    expect(await world.balance(viewer)).toBe(1000)
    expect(await world.ctx.available(userAccountId(viewer))).toBe(1000)
  })

  it('charges every confirmed second from the third on, split exactly, and the balance falls by the charge', async () => {
    const { memeId, creator, owner, height: h } = await freshRound()
    const viewer = await world.newUser(1000)
    const sumBefore = await sumOfBalances()
    const poolBefore = (await world.ledger.getAccount(roundPoolAccountId(h)))?.balanceSats ?? 0
    const feesBefore = (await world.ledger.getAccount(PLATFORM_FEES_ACCOUNT))?.balanceSats ?? 0
    const { session } = await world.watch.startSession(viewer, memeId)
    world.confirmFor(viewer, session.sessionId, 3)
    await world.watch.flush()
    let view = world.watch.confirm(viewer, session.sessionId)
    expect(view.chargedSeconds).toBe(3)
    await world.watchFor(viewer, session.sessionId, 96)
    view = await world.stop(viewer, session.sessionId)
    expect(view).toMatchObject({
      confirmedSeconds: 100,
      chargedSeconds: 100,
      chargedSats: 100,
      state: 'ended',
    })
    expect(await world.balance(viewer)).toBe(900)
    expect(await world.ctx.available(userAccountId(viewer))).toBe(900)
    // 100 sats: fee 2, direct 39.2 → creator 3.92, owner 35.28, pool 58.8; each within 1 sat.
    const creatorGot = await world.balance(creator)
    const ownerGot = await world.balance(owner)
    const poolGot = ((await world.ledger.getAccount(roundPoolAccountId(h)))?.balanceSats ?? 0) - poolBefore
    const feeGot = ((await world.ledger.getAccount(PLATFORM_FEES_ACCOUNT))?.balanceSats ?? 0) - feesBefore
    expect(creatorGot + ownerGot + poolGot + feeGot).toBe(100)
    expect(Math.abs(feeGot - 2)).toBeLessThanOrEqual(1)
    expect(Math.abs(creatorGot - 3.92)).toBeLessThan(1)
    expect(Math.abs(ownerGot - 35.28)).toBeLessThan(1)
    expect(Math.abs(poolGot - 58.8)).toBeLessThan(1)
    expect(await sumOfBalances()).toBe(sumBefore)
    const stats = await db.kysely
      .selectFrom('round_meme_stats')
      .selectAll()
      .where('round_height', '=', h)
      .where('meme_id', '=', memeId)
      .executeTakeFirstOrThrow()
    expect(stats).toMatchObject({ paid_seconds: 100, revenue_sats: 100 })
    const viewerRow = await db.kysely
      .selectFrom('round_viewers')
      .selectAll()
      .where('round_height', '=', h)
      .where('user_id', '=', viewer)
      .executeTakeFirstOrThrow()
    expect(viewerRow.paid_seconds).toBe(100)
    expect(viewerRow.qualified_seq).not.toBeNull()
    const row = await db.kysely
      .selectFrom('watch_sessions')
      .selectAll()
      .where('id', '=', session.sessionId)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({
      state: 'ended',
      end_reason: 'stopped',
      charged_seconds: 100,
      charged_sats: 100,
    })
  })

  it('does not count confirmations faster than the clock', async () => {
    const { memeId } = await freshRound()
    const viewer = await world.newUser(1000)
    const { session } = await world.watch.startSession(viewer, memeId)
    world.clock.advance(5000)
    for (let i = 0; i < 50; i++) world.watch.confirm(viewer, session.sessionId)
    const view = world.watch.confirm(viewer, session.sessionId)
    expect(view.confirmedSeconds).toBe(6)
    expect((await world.stop(viewer, session.sessionId)).chargedSats).toBe(6)
  })

  it('ends after 3 s without a confirmation, charging what was confirmed', async () => {
    const { memeId } = await freshRound()
    const viewer = await world.newUser(1000)
    const { session } = await world.watch.startSession(viewer, memeId)
    world.confirmFor(viewer, session.sessionId, 10)
    world.clock.advance(3500)
    await world.watch.flush()
    const ended = world.ended.find((e) => e.view.sessionId === session.sessionId)
    expect(ended?.view).toMatchObject({ endReason: 'unconfirmed', chargedSats: 10, state: 'ended' })
    expect(() => world.watch.confirm(viewer, session.sessionId)).toThrow(
      expect.objectContaining({ code: 'WATCH_SESSION_NOT_FOUND' }),
    )
    expect(await world.balance(viewer)).toBe(990)
  })

  it('ends when the balance runs out, having charged exactly the balance', async () => {
    const { memeId } = await freshRound()
    const viewer = await world.newUser(45)
    const { session } = await world.watch.startSession(viewer, memeId)
    for (let i = 0; i < 60 && world.watch.isLive(session.sessionId); i++) {
      world.confirmFor(viewer, session.sessionId, 1)
      await world.watch.flush()
    }
    await world.watch.flush()
    const ended = world.ended.find((e) => e.view.sessionId === session.sessionId)
    expect(ended?.view).toMatchObject({ endReason: 'balance_empty', chargedSats: 45, availableSats: 0 })
    expect(await world.balance(viewer)).toBe(0)
  })

  it('refuses a viewer without the balance for the first seconds, a frozen viewer and an unwatchable meme', async () => {
    const { memeId } = await freshRound()
    const poor = await world.newUser(2)
    await expect(world.watch.startSession(poor, memeId)).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' })
    const frozen = await world.newUser(1000)
    await sql`update users set frozen_at = now() where id = ${frozen}`.execute(db.kysely)
    await expect(world.watch.startSession(frozen, memeId)).rejects.toMatchObject({ code: 'ACCOUNT_FROZEN' })
    const rich = await world.newUser(1000)
    const queued = await world.approvedMeme(rich)
    await expect(world.watch.startSession(rich, queued)).rejects.toMatchObject({ code: 'MEME_NOT_WATCHABLE' })
    await expect(world.watch.startSession(rich, 'm_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(await world.ctx.available(userAccountId(rich))).toBe(1000)
  })

  it('stops starting sessions for a meme taken off the round once the cached answer expires', async () => {
    const { memeId } = await freshRound()
    const viewer = await world.newUser(1000)
    const first = await world.watch.startSession(viewer, memeId)
    await world.stop(viewer, first.session.sessionId)
    await sql`update memes set state = 'rejected' where id = ${memeId}`.execute(db.kysely)
    // Within the cache window the meme is still taken as watchable; after it, never.
    world.clock.advance(2_001)
    await expect(world.watch.startSession(viewer, memeId)).rejects.toMatchObject({
      code: 'MEME_NOT_WATCHABLE',
    })
    expect(await world.ctx.available(userAccountId(viewer))).toBe(1000)
  })

  it('lets starts in line, refuses the ones beyond the line at once, and every admitted one starts', async () => {
    const { memeId } = await freshRound()
    const limited = world.newService({ maxConcurrentStarts: 1, maxQueuedStarts: 2 })
    const viewers = await Promise.all([1, 2, 3, 4, 5].map(() => world.newUser(1000)))
    const outcomes = await Promise.allSettled(viewers.map((v) => limited.startSession(v, memeId)))
    const refused = outcomes.filter((o) => o.status === 'rejected')
    // One running and two waiting are admitted; the fourth and fifth find the line full.
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3)
    expect(refused.map((o) => (o as PromiseRejectedResult).reason.code)).toEqual([
      'SERVICE_UNAVAILABLE',
      'SERVICE_UNAVAILABLE',
    ])
    // A refused start holds nothing.
    expect(await world.ctx.available(userAccountId(viewers[3]!))).toBe(1000)
    expect(await world.ctx.available(userAccountId(viewers[4]!))).toBe(1000)
    // The line empties: a later start goes through.
    const later = await limited.startSession(viewers[4]!, memeId)
    // world.watch is `limited` until the next newService(): stop what this test started.
    await world.stopStarted(outcomes, viewers)
    await world.stop(viewers[4]!, later.session.sessionId)
    world.newService()
  })

  it('opens a crowd arriving together in batches, one ledger transaction each, answering every start as alone', async () => {
    const { memeId } = await freshRound()
    const batched = world.newService({ maxConcurrentStarts: 1 })
    const createHolds = vi.spyOn(world.ledger, 'createHolds')
    const crowd = await Promise.all(Array.from({ length: 20 }, () => world.newUser(1000)))
    const poor = await world.newUser(2)
    const frozen = await world.newUser(1000)
    await sql`update users set frozen_at = now() where id = ${frozen}`.execute(db.kysely)
    // 80 sats: two 30-sat holds, then a 20-sat one, then nothing left for a fourth.
    const spender = await world.newUser(80)
    const queued = await world.approvedMeme(spender)
    const starts: Array<[string, string]> = [
      ...crowd.map((v): [string, string] => [v, memeId]),
      [poor, memeId],
      [frozen, memeId],
      [crowd[0]!, queued],
      [spender, memeId],
      [spender, memeId],
      [spender, memeId],
      [spender, memeId],
    ]
    try {
      const outcomes = await Promise.allSettled(starts.map(([v, m]) => batched.startSession(v, m)))
      const answers = outcomes.map((o) =>
        o.status === 'fulfilled' ? o.value.session.state : (o.reason as { code: string }).code,
      )
      expect(answers).toEqual([
        ...crowd.map(() => 'active'),
        'INSUFFICIENT_FUNDS',
        'ACCOUNT_FROZEN',
        'MEME_NOT_WATCHABLE',
        'active',
        'active',
        'active',
        'INSUFFICIENT_FUNDS',
      ])
      // The first start went alone; everyone arriving while it was at the database went next, together.
      expect(createHolds).toHaveBeenCalledTimes(2)
      expect(createHolds.mock.calls[1]![0]).toHaveLength(22)
      const held = await sql<{ amount_sats: number }>`
        select amount_sats from holds where account_id = ${userAccountId(spender)} order by amount_sats`.execute(
        db.kysely,
      )
      expect(held.rows.map((r) => Number(r.amount_sats))).toEqual([20, 30, 30])
      expect(await world.ctx.available(userAccountId(spender))).toBe(0)
      const rows = await sql<{ n: number }>`
        select count(*)::int as n from watch_sessions w join holds h on h.id = w.hold_id
        where w.user_id = any(${[...crowd, spender]}::text[]) and h.state = 'open'`.execute(db.kysely)
      expect(rows.rows[0]!.n).toBe(23)
      await world.stopStarted(
        outcomes,
        starts.map(([viewer]) => viewer),
      )
      expect(await world.ctx.available(userAccountId(spender))).toBe(80)
    } finally {
      createHolds.mockRestore()
      world.newService()
    }
  })

  it('counts starts not answered yet against the limit of sessions per viewer', async () => {
    const { memeId } = await freshRound()
    const viewer = await world.newUser(1000)
    const outcomes = await Promise.allSettled(
      Array.from({ length: WATCH_MAX_SESSIONS_PER_USER + 1 }, () => world.watch.startSession(viewer, memeId)),
    )
    const refused = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [(o.reason as { code: string }).code] : [],
    )
    expect(refused).toEqual(['WATCH_TOO_MANY_SESSIONS'])
    await world.stopStarted(
      outcomes,
      outcomes.map(() => viewer),
    )
  })

  it('lets concurrent sessions of one viewer spend the balance once, never more', async () => {
    const { memeId } = await freshRound()
    const viewer = await world.newUser(80)
    const sessions = []
    for (let i = 0; i < 3; i++) {
      const started = await world.watch.startSession(viewer, memeId).catch((e: { code: string }) => e.code)
      sessions.push(started)
    }
    // 30 + 30 held, 20 left: the third gets a smaller hold.
    const ids = sessions.flatMap((s) => (typeof s === 'string' ? [] : [s.session.sessionId]))
    expect(ids).toHaveLength(3)
    for (let second = 0; second < 60; second++) {
      world.clock.advance(1000)
      for (const id of ids) if (world.watch.isLive(id)) world.watch.confirm(viewer, id)
      await world.watch.flush()
    }
    await world.watch.flush()
    expect(await world.balance(viewer)).toBe(0)
    const charged = world.ended.filter((e) => ids.includes(e.view.sessionId)).map((e) => e.view.chargedSats)
    expect(charged.reduce((a, b) => a + b, 0)).toBe(80)
  })

  it('bills a meme from an earlier round: direct share to its people, pool share to the round in progress', async () => {
    const old = await freshRound()
    const viewer = await world.newUser(1000)
    height += 1
    await world.block(height)
    const { session } = await world.watch.startSession(viewer, old.memeId)
    await world.watchFor(viewer, session.sessionId, 50)
    await world.stop(viewer, session.sessionId)
    const newPool = (await world.ledger.getAccount(roundPoolAccountId(height)))?.balanceSats ?? 0
    expect(Math.abs(newPool - 29.4)).toBeLessThan(1)
    const oldStats = await db.kysely
      .selectFrom('round_meme_stats')
      .selectAll()
      .where('meme_id', '=', old.memeId)
      .execute()
    expect(oldStats).toEqual([])
    const viewerRow = await db.kysely
      .selectFrom('round_viewers')
      .select('paid_seconds')
      .where('round_height', '=', height)
      .where('user_id', '=', viewer)
      .executeTakeFirstOrThrow()
    expect(viewerRow.paid_seconds).toBe(50)
  })

  it('sends the owner share to whoever owns the meme at each flush', async () => {
    const { memeId, owner } = await freshRound()
    const buyer = await world.newUser()
    const viewer = await world.newUser(1000)
    const { session } = await world.watch.startSession(viewer, memeId)
    await world.watchFor(viewer, session.sessionId, 50)
    const ownerAfterFirst = await world.balance(owner)
    await sql`update memes set owner_user_id = ${buyer} where id = ${memeId}`.execute(db.kysely)
    await world.watchFor(viewer, session.sessionId, 50)
    await world.stop(viewer, session.sessionId)
    expect(await world.balance(owner)).toBe(ownerAfterFirst)
    expect(await world.balance(buyer)).toBeGreaterThanOrEqual(17)
    expect(await world.balance(buyer)).toBeLessThanOrEqual(18)
  })
})

describe('a round that closes during a flush', () => {
  it('is never paid into once settled: the flush that picked it bills the round now open instead', async () => {
    const { memeId, height: h } = await freshRound()
    let stallOnce = true
    const stalled = world.newService({
      rounds: {
        open: async () => {
          const round = await world.rounds.open()
          if (stallOnce) {
            // The flush has picked round h; before it charges, the next block comes and h settles.
            stallOnce = false
            await world.block(h + 1)
            await world.settle()
          }
          return round
        },
      },
    })
    const viewer = await world.newUser(1000)
    const { session } = await stalled.startSession(viewer, memeId)
    world.confirmFor(viewer, session.sessionId, 10)
    await stalled.flush()
    expect((await world.rounds.byHeight(h))?.state).toBe('settled')
    expect((await world.ledger.getAccount(roundPoolAccountId(h)))?.balanceSats).toBe(0)
    // The settlement took 5 s of the clock: one more confirmation keeps the session alive.
    world.confirmFor(viewer, session.sessionId, 1)
    await stalled.flush()
    const final = await world.stop(viewer, session.sessionId)
    expect(final.chargedSats).toBe(11)
    expect((await world.ledger.getAccount(roundPoolAccountId(h)))?.balanceSats).toBe(0)
    const stats = await db.kysely
      .selectFrom('round_viewers')
      .select(['round_height', 'paid_seconds'])
      .where('user_id', '=', viewer)
      .execute()
    expect(stats).toEqual([{ round_height: h + 1, paid_seconds: 11 }])
    world.newService()
  })
})

/**
 * A world whose ledger crashes at `point` while `armed.on` is true, with a round open on one
 * fresh meme and a funded viewer.
 */
async function crashingWorldAt(point: string) {
  const armed = { on: false }
  const crashing = await new WatchWorld(
    db,
    {},
    {
      onFault: (at) => {
        if (armed.on && at === point) throw new SimulatedCrash(at)
      },
    },
  ).init()
  height += 10
  const creator = await crashing.newUser()
  const memeId = await crashing.approvedMeme(creator)
  await crashing.block(height)
  const viewer = await crashing.newUser(1000)
  return { crashing, armed, memeId, viewer }
}

describe('failures', () => {
  it('a flush that dies before commit charges nothing, and the next one charges each second once', async () => {
    const { crashing, armed, memeId, viewer } = await crashingWorldAt('post:beforeCommit')
    const { session } = await crashing.watch.startSession(viewer, memeId)
    crashing.confirmFor(viewer, session.sessionId, 20)
    armed.on = true
    await expect(crashing.watch.flush()).rejects.toBeInstanceOf(SimulatedCrash)
    armed.on = false
    crashing.confirmFor(viewer, session.sessionId, 5)
    await crashing.watch.flush()
    const stopping = crashing.watch.stop(viewer, session.sessionId)
    await crashing.watch.flush()
    expect((await stopping).chargedSats).toBe(25)
    expect(await crashing.balance(viewer)).toBe(975)
  })

  it('a start that dies before commit leaves neither a hold nor a session row', async () => {
    const { crashing, armed, memeId, viewer } = await crashingWorldAt('hold:beforeCommit')
    armed.on = true
    await expect(crashing.watch.startSession(viewer, memeId)).rejects.toBeInstanceOf(SimulatedCrash)
    armed.on = false
    const rows = await sql<{ sessions: number; holds: number }>`
      select (select count(*)::int from watch_sessions where user_id = ${viewer}) as sessions,
             (select count(*)::int from holds where account_id = ${userAccountId(viewer)}) as holds`.execute(
      db.kysely,
    )
    expect(rows.rows[0]).toEqual({ sessions: 0, holds: 0 })
    expect(await crashing.ctx.available(userAccountId(viewer))).toBe(1000)
  })

  it('a batch of starts whose transaction fails for one start is tried one by one: only that start fails', async () => {
    const { memeId } = await freshRound()
    const batched = world.newService({ maxConcurrentStarts: 1 })
    const viewers = await Promise.all([1, 2, 3, 4].map(() => world.newUser(1000)))
    const bad = viewers[2]!
    const insert = world.repository.insert.bind(world.repository)
    const spy = vi.spyOn(world.repository, 'insert').mockImplementation(async (sessions, executor) => {
      if (sessions.some((s) => s.userId === bad)) throw new Error('a session row the database refuses')
      return insert(sessions, executor)
    })
    try {
      const outcomes = await Promise.allSettled(viewers.map((v) => batched.startSession(v, memeId)))
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
      expect((outcomes[2] as PromiseRejectedResult).reason.message).toBe('a session row the database refuses')
      // The failed batch [2, 3, 4], then 2, 3 and 4 alone, after the first start's own batch.
      expect(spy.mock.calls.map((c) => c[0].length)).toEqual([1, 3, 1, 1, 1])
      expect(await world.ctx.available(userAccountId(bad))).toBe(1000)
      await world.stopStarted(outcomes, viewers)
    } finally {
      spy.mockRestore()
      world.newService()
    }
  })

  it('a process that dies mid-session: the hold expires, the charged seconds stay charged, the session ends interrupted', async () => {
    const { memeId } = await freshRound()
    const viewer = await world.newUser(1000)
    const { session } = await world.watch.startSession(viewer, memeId)
    world.confirmFor(viewer, session.sessionId, 12)
    await world.watch.flush()
    world.confirmFor(viewer, session.sessionId, 2)
    // The process dies: its memory (2 unflushed seconds) is gone. A new one starts.
    world.newService()
    world.clock.advance(5 * 60_000)
    expect(await world.ledger.expireHolds()).toBeGreaterThanOrEqual(1)
    expect(await world.repository.endInterrupted(world.clock.now())).toBe(1)
    expect(await world.balance(viewer)).toBe(988)
    const row = await db.kysely
      .selectFrom('watch_sessions')
      .selectAll()
      .where('id', '=', session.sessionId)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ state: 'ended', end_reason: 'interrupted', charged_sats: 12 })
  })
})

describe('the flush loop', () => {
  it('starts a flush every interval, counted from the start of the last one', async () => {
    const service = world.newService({ flushIntervalMs: 500 })
    const starts: number[] = []
    // Each flush takes 400 ms: waiting a full interval after each would start one every 900 ms.
    vi.spyOn(service, 'flush').mockImplementation(async () => {
      starts.push(performance.now())
      await new Promise((resolve) => setTimeout(resolve, 400))
    })
    service.start()
    await new Promise((resolve) => setTimeout(resolve, 2_200))
    await service.close()
    const loopStarts = starts.slice(0, -1) // the last is close()'s own flush
    expect(loopStarts.length).toBeGreaterThanOrEqual(4)
    for (let i = 1; i < loopStarts.length; i++) {
      const gap = loopStarts[i]! - loopStarts[i - 1]!
      expect(gap).toBeGreaterThanOrEqual(490)
      expect(gap).toBeLessThan(700)
    }
  })
})
