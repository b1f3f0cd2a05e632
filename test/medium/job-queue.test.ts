/**
 * The durable job queue: jobs come out in due order; workers racing for jobs never take one twice
 * (on PostgreSQL with separate connection pools, as separate processes would); a failure comes
 * back after an exponential backoff and is dead after its last attempt; a job whose worker died
 * is claimed again once its lease runs out, and is dead if that was its last attempt; a
 * heartbeat keeps a long job's claim alive; an id makes enqueueing idempotent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Db, openDatabase } from '../../src/adapters/db/database.ts'
import { BACKOFF_BASE_MS, backoffMs, JobQueue } from '../../src/adapters/queue/job-queue.ts'
import { SimClock } from '../sim/harness.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { uid } from '../support/ledger.ts'

const LEASE_MS = 30_000
let db: TestDb
const pools: Db[] = []
const clock = new SimClock(Date.parse('2026-11-25T12:00:00Z'))
let queue: JobQueue

beforeAll(async () => {
  db = await openTestDb()
  queue = new JobQueue(db.kysely, clock.now)
})
afterAll(async () => {
  for (const pool of pools) await pool.close()
  await db?.close()
})

describe('the job queue', () => {
  it('hands out due jobs oldest first, and not before they are due', async () => {
    const name = uid('q-')
    await queue.enqueue(name, { n: 1 }, { maxAttempts: 3 })
    clock.advance(1)
    await queue.enqueue(name, { n: 2 }, { maxAttempts: 3 })
    await queue.enqueue(name, { n: 3 }, { maxAttempts: 3, runAt: new Date(clock.now().getTime() + 60_000) })
    expect((await queue.claim<{ n: number }>(name, 'w', LEASE_MS))?.payload).toEqual({ n: 1 })
    expect((await queue.claim<{ n: number }>(name, 'w', LEASE_MS))?.payload).toEqual({ n: 2 })
    expect(await queue.claim(name, 'w', LEASE_MS)).toBeUndefined()
    clock.advance(60_000)
    expect((await queue.claim<{ n: number }>(name, 'w', LEASE_MS))?.payload).toEqual({ n: 3 })
  })

  it('never gives one job to two racing workers', async () => {
    const name = uid('race-')
    const workers: JobQueue[] = [queue]
    for (let i = 0; i < 3; i++) {
      if (db.url) {
        const pool = await openDatabase({ url: db.url, schema: db.schema, poolSize: 2 })
        pools.push(pool)
        workers.push(new JobQueue(pool.kysely, clock.now))
      } else {
        workers.push(new JobQueue(db.kysely, clock.now))
      }
    }
    for (let i = 0; i < 20; i++) await queue.enqueue(name, { i }, { maxAttempts: 1 })
    const claimed = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        workers[i % workers.length]!.claim<{ i: number }>(name, `w${i}`, LEASE_MS),
      ),
    )
    const ids = claimed.filter((job) => job !== undefined).map((job) => job.id)
    expect(ids).toHaveLength(20)
    expect(new Set(ids).size).toBe(20)
    for (const [i, job] of claimed.entries()) if (job) await queue.complete(job.id, `w${i}`)
  })

  it('retries a failure after an exponential backoff, then declares it dead', async () => {
    const name = uid('fail-')
    await queue.enqueue(name, {}, { maxAttempts: 3 })
    const first = (await queue.claim(name, 'w', LEASE_MS))!
    expect(await queue.fail(first, 'w', 'boom 1')).toEqual({
      status: 'retrying',
      runAt: new Date(clock.now().getTime() + BACKOFF_BASE_MS),
    })
    expect(await queue.claim(name, 'w', LEASE_MS)).toBeUndefined()
    clock.advance(backoffMs(1))
    const second = (await queue.claim(name, 'w', LEASE_MS))!
    expect(second.attempts).toBe(2)
    expect(await queue.fail(second, 'w', 'boom 2')).toMatchObject({ status: 'retrying' })
    clock.advance(backoffMs(2))
    expect(backoffMs(2)).toBe(2 * BACKOFF_BASE_MS)
    const third = (await queue.claim(name, 'w', LEASE_MS))!
    expect(await queue.fail(third, 'w', 'boom 3')).toEqual({ status: 'dead' })
    expect(await queue.byId(third.id)).toMatchObject({ state: 'dead', attempts: 3, last_error: 'boom 3' })
    clock.advance(backoffMs(3))
    expect(await queue.claim(name, 'w', LEASE_MS)).toBeUndefined()
  })

  it("gives a dead worker's job to another once the lease runs out, unless a heartbeat kept it", async () => {
    const name = uid('lease-')
    await queue.enqueue(name, {}, { maxAttempts: 2 })
    const taken = (await queue.claim(name, 'dies', LEASE_MS))!
    clock.advance(LEASE_MS / 2)
    expect(await queue.heartbeat(taken.id, 'dies', LEASE_MS)).toBe(true)
    clock.advance(LEASE_MS - 1)
    expect(await queue.recoverExpired()).toEqual([])
    expect(await queue.claim(name, 'other', LEASE_MS)).toBeUndefined()
    clock.advance(2)
    expect(await queue.recoverExpired()).toEqual([])
    const again = (await queue.claim(name, 'other', LEASE_MS))!
    expect(again).toMatchObject({ id: taken.id, attempts: 2 })
    // The first worker's late answer no longer counts.
    await queue.complete(taken.id, 'dies')
    expect(await queue.byId(taken.id)).toMatchObject({ state: 'running', locked_by: 'other' })
    // The second worker dies too: that was the last attempt, so the job is dead.
    clock.advance(LEASE_MS + 1)
    expect(await queue.recoverExpired()).toEqual([taken.id])
    expect(await queue.byId(taken.id)).toMatchObject({ state: 'dead' })
  })

  it('adds a job with a given id only once', async () => {
    const name = uid('once-')
    const id = uid('job-')
    await queue.enqueue(name, { a: 1 }, { maxAttempts: 1, id })
    await queue.enqueue(name, { a: 2 }, { maxAttempts: 1, id })
    expect(await queue.counts(name)).toEqual({ queued: 1 })
    expect((await queue.claim(name, 'w', LEASE_MS))?.payload).toEqual({ a: 1 })
  })
})
