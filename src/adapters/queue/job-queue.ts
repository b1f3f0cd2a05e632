/**
 * A durable job queue in the database (migration 0007), the same on PGlite and PostgreSQL.
 *
 * Delivery is at least once: a worker claims a job for a lease (`leaseMs`); if it dies, the job is
 * claimed again once the lease has run out (`recoverExpired`, which workers run before claiming).
 * Handlers must therefore be idempotent, and the pipeline's are: each step checks the meme's
 * state before it acts. A failure is retried after an exponential backoff until the attempt limit;
 * then the job is dead and the caller learns it from `fail`'s answer (a dead letter).
 *
 * Claiming uses `for update skip locked`, so workers in several processes never take one job
 * twice; PGlite has a single connection, where the same statement is simply serial.
 */
import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.ts'

/** First retry after this long; each further attempt doubles it, up to BACKOFF_MAX_MS. */
export const BACKOFF_BASE_MS = 2_000
export const BACKOFF_MAX_MS = 5 * 60_000

export interface Job<P = unknown> {
  id: string
  queue: string
  payload: P
  /** Counts this claim: 1 on the first run. */
  attempts: number
  maxAttempts: number
}

export type FailOutcome = { status: 'retrying'; runAt: Date } | { status: 'dead' }

export interface EnqueueOptions {
  maxAttempts: number
  runAt?: Date
  /** Makes enqueueing idempotent: a second job with this id is not added. */
  id?: string
}

export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1))
}

export class JobQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Adds a job; pass `trx` to add it in the same transaction as the change that calls for it. */
  async enqueue(
    queue: string,
    payload: unknown,
    options: EnqueueOptions,
    trx: Kysely<Database> = this.db,
  ): Promise<string> {
    const id = options.id ?? randomUUID()
    const now = this.now()
    await trx
      .insertInto('jobs')
      .values({
        id,
        queue,
        payload: JSON.stringify(payload),
        max_attempts: options.maxAttempts,
        run_at: options.runAt ?? now,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
    return id
  }

  /** Claims the next due job of `queue` for `leaseMs`, or undefined when none is due. */
  async claim<P>(queue: string, workerId: string, leaseMs: number): Promise<Job<P> | undefined> {
    const now = this.now()
    const result = await sql<{
      id: string
      queue: string
      payload: unknown
      attempts: number
      max_attempts: number
    }>`
      update jobs set state = 'running', attempts = attempts + 1, locked_by = ${workerId},
             locked_until = ${new Date(now.getTime() + leaseMs)}, updated_at = ${now}
      where id = (
        select id from jobs
        where queue = ${queue} and state = 'queued' and run_at <= ${now}
        order by run_at, id
        limit 1
        for update skip locked)
      returning id, queue, payload, attempts, max_attempts`.execute(this.db)
    const row = result.rows[0]
    if (!row) return undefined
    return {
      id: row.id,
      queue: row.queue,
      payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as P,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
    }
  }

  /** Extends a claim that is still working (a long transformation). */
  async heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ locked_until: new Date(this.now().getTime() + leaseMs) })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .where('state', '=', 'running')
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async complete(jobId: string, workerId: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ state: 'done', locked_by: null, locked_until: null, updated_at: this.now() })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .execute()
  }

  /** Records a failure: the job runs again after the backoff, or is dead after its last attempt. */
  async fail(job: Job, workerId: string, error: string): Promise<FailOutcome> {
    const now = this.now()
    const dead = job.attempts >= job.maxAttempts
    const runAt = new Date(now.getTime() + backoffMs(job.attempts))
    await this.db
      .updateTable('jobs')
      .set({
        state: dead ? 'dead' : 'queued',
        run_at: dead ? now : runAt,
        locked_by: null,
        locked_until: null,
        last_error: error.slice(0, 2000),
        updated_at: now,
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute()
    return dead ? { status: 'dead' } : { status: 'retrying', runAt }
  }

  /**
   * Jobs whose worker stopped renewing its lease (it died) go back to the queue, or are dead if
   * that was their last attempt. Returns the ids of the dead ones, for their owners to handle.
   */
  async recoverExpired(): Promise<string[]> {
    const now = this.now()
    const result = await sql<{ id: string; state: string }>`
      update jobs set state = case when attempts >= max_attempts then 'dead' else 'queued' end,
             locked_by = null, locked_until = null, run_at = ${now}, updated_at = ${now},
             last_error = coalesce(last_error, 'the worker stopped before finishing')
      where state = 'running' and locked_until < ${now}
      returning id, state`.execute(this.db)
    return result.rows.filter((r) => r.state === 'dead').map((r) => r.id)
  }

  async counts(queue: string): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('queue', '=', queue)
      .groupBy('state')
      .execute()
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]))
  }

  async byId(jobId: string) {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst()
  }
}
