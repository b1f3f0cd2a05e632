/**
 * Leader election on the database (ARCHITECTURE "Scale-out", issue 8): block sync, round
 * settlement, payouts, deposits and anchoring run on exactly one node of a fleet, and another
 * takes over within LEASE + RENEW (well under 10 s) when it dies or stalls.
 *
 * Lease. The `leases` row of a duty name ('leader') says which node holds it (`holder`), until
 * when (`expires_at`, database time: node clocks are never compared) and under which fencing
 * token. Every node tries every RENEW ms with one conditional upsert: it takes the row when it
 * is free, already its own, or expired, and sets expires_at = now() + LEASE. The token grows by
 * one whenever a new term starts (another holder, or the same one after its lease lapsed) and
 * never goes back. The attempt runs in a transaction holding an advisory transaction lock on a
 * key of the schema and lease, so concurrent acquirers serialize (each waits a few milliseconds
 * for the one before). The wait is bounded by lock_timeout (RENEW ms): a leader's renewal is
 * never skipped because followers happened to try at the same moment (pg_try_advisory_xact_lock
 * would skip it, and three nodes started together try together).
 *
 * Losing it. The node counts its own lease from the moment it sent the renewal (never later than
 * the database's now()), so it believes it leads no longer than the database does. When that
 * local deadline passes without a renewal (the database is unreachable, the process was paused),
 * or a renewal finds another holder, the node stops its duties at once.
 *
 * Fencing. Stopping duties cannot undo a write already on its way, and a paused process does not
 * know it was paused. So the writes that matter (a round settled, rounds opened and closed on a
 * block, payouts recorded and settled, blocks stored, anchors sent) call `assertLeader(trx, fence)`
 * inside their own transaction: it share-locks the lease row and checks that the token is still
 * the one this node was elected with, throwing LeaderLostError (code NOT_LEADER) otherwise. The
 * share lock makes a takeover wait for that transaction, so a stale leader's write either commits
 * before the new term starts or not at all. Side effects outside the database (a broadcast) are
 * preceded by `fence.verify()`, the same check on its own.
 *
 * Embedded (PGlite: one process, one connection): the elector runs the same SQL and always wins,
 * so `npm start` behaves as before. Services given no fence run unfenced (single-node mode).
 */
import { randomBytes } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { ErrorCode } from '../../../contracts/errors.ts'
import type { Database } from '../../adapters/db/schema.ts'
import type { AppLogger } from '../../logger.ts'

export const LEADER_LEASE = 'leader'
export const DEFAULT_LEASE_MS = 6_000
export const DEFAULT_RENEW_MS = 2_000
/** First key of the advisory lock pair; the second is a hash of the schema and lease name. */
const ADVISORY_LOCK_CLASS = 0x6d656d65
const STOPPING = 'stopping'
const HOLDER_SUFFIX_BYTES = 4

/** A write by a node that no longer holds the lease it was elected with. */
export class LeaderLostError extends Error {
  override name = 'LeaderLostError'
  readonly code: ErrorCode = 'NOT_LEADER'

  constructor(
    readonly lease: string,
    /** The term the refused write was made under; undefined when the node held none. */
    readonly term: number | undefined,
  ) {
    super(
      term === undefined
        ? `this node does not hold the ${lease} lease`
        : `the ${lease} lease has moved on from term ${term}`,
    )
  }
}

/** What a fenced service needs of the elector. */
export interface Fence {
  readonly lease: string
  /** The fencing token of this node's current term, or undefined when it does not lead. */
  token(): number | undefined
  /** The check of `assertLeader`, on its own: before a side effect outside the database. */
  verify(): Promise<void>
}

/**
 * Inside a writer's transaction: throws LeaderLostError unless the fence's token is still the
 * lease's. The share lock holds a takeover back until this transaction ends.
 */
export async function assertLeader(db: Kysely<Database>, fence: Fence | undefined): Promise<void> {
  // No fence: a single process that leads by itself (embedded, tests), nothing to check.
  if (fence === undefined) return
  const term = fence.token()
  if (term === undefined) throw new LeaderLostError(fence.lease, undefined)
  const row = await db
    .selectFrom('leases')
    .select('token')
    .where('name', '=', fence.lease)
    .where('token', '=', term)
    .forShare()
    .executeTakeFirst()
  if (!row) throw new LeaderLostError(fence.lease, term)
}

/** Starts a duty for the term `token`; returns what stops it. */
export type Duty = (token: number) => DutyStop | Promise<DutyStop>
export type DutyStop = () => void | Promise<void>

export interface LeaderElectorOptions {
  db: Kysely<Database>
  nodeId: string
  leaseMs?: number
  renewMs?: number
  lease?: string
  logger?: AppLogger
  /** Where to register is_leader and leader_fencing_token. */
  registry?: Registry
}

type Attempt = { status: 'held'; token: number } | { status: 'taken' }

interface Term {
  token: number
  /** performance.now() after which this node no longer counts on the lease. */
  until: number
}

export class LeaderElector implements Fence {
  readonly lease: string
  readonly nodeId: string
  /**
   * Who this elector is in the lease row: the node id and a random suffix, so two processes
   * given the same id (a misconfiguration) never both count as the holder, and a restarted
   * process starts a new term rather than carrying on its predecessor's.
   */
  readonly holder: string
  private readonly leaseMs: number
  private readonly renewMs: number
  private readonly duties: Array<{ name: string; start: Duty }> = []
  private running: Array<{ name: string; stop: DutyStop }> = []
  private term: Term | undefined
  private timer: NodeJS.Timeout | undefined
  private expiryTimer: NodeJS.Timeout | undefined
  private attempting: Promise<void> | undefined
  /** Elections and demotions, one after the other, so duties never start and stop at once. */
  private transitions: Promise<void> = Promise.resolve()
  private stopped = false
  private failing = false
  private readonly elections: Counter | undefined

  constructor(private readonly options: LeaderElectorOptions) {
    this.lease = options.lease ?? LEADER_LEASE
    this.nodeId = options.nodeId
    this.holder = `${options.nodeId}#${randomBytes(HOLDER_SUFFIX_BYTES).toString('hex')}`
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
    this.renewMs = options.renewMs ?? DEFAULT_RENEW_MS
    if (!(this.renewMs > 0 && this.renewMs < this.leaseMs))
      throw new Error(
        `the renew interval (${this.renewMs} ms) must be shorter than the lease (${this.leaseMs} ms)`,
      )
    if (options.registry) this.elections = this.registerMetrics(options.registry)
  }

  private registerMetrics(registry: Registry): Counter {
    const elector = this
    new Gauge({
      name: 'is_leader',
      help: 'Whether this node holds the leader lease and runs the leader duties (1) or not (0).',
      registers: [registry],
      collect() {
        this.set(elector.isLeader ? 1 : 0)
      },
    })
    new Gauge({
      name: 'leader_fencing_token',
      help: "The fencing token of this node's current term as leader (0 when it does not lead).",
      registers: [registry],
      collect() {
        this.set(elector.term?.token ?? 0)
      },
    })
    return new Counter({
      name: 'leader_elections_total',
      help: 'Terms this node has started as leader.',
      registers: [registry],
    })
  }

  get isLeader(): boolean {
    return this.term !== undefined
  }

  token(): number | undefined {
    return this.term?.token
  }

  async verify(): Promise<void> {
    await assertLeader(this.options.db, this)
  }

  /** Registers a duty: started on election (in registration order), stopped on demotion. */
  duty(name: string, start: Duty): void {
    this.duties.push({ name, start })
  }

  /** Makes the first attempt (and starts the duties if it wins), then keeps trying every RENEW ms. */
  async start(): Promise<void> {
    this.stopped = false
    await this.attempt()
    await this.transitions
    this.schedule()
  }

  /** Stops trying, stops the duties, and gives the lease up so another node takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.attempting
    const held = this.term
    await this.demote(STOPPING)
    if (held) {
      await this.options.db
        .updateTable('leases')
        .set({ expires_at: sql<Date>`now()` })
        .where('name', '=', this.lease)
        .where('holder', '=', this.holder)
        .where('token', '=', held.token)
        .execute()
        .catch((error: unknown) =>
          this.options.logger?.warn({ err: error }, 'could not release the leader lease; it expires'),
        )
    }
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      // An attempt still waiting on the database is not doubled; the local deadline still holds.
      if (!this.attempting) void this.attempt()
      this.schedule()
    }, this.renewMs)
  }

  private attempt(): Promise<void> {
    this.attempting = this.attemptOnce().finally(() => {
      this.attempting = undefined
    })
    return this.attempting
  }

  private async attemptOnce(): Promise<void> {
    const sentAt = performance.now()
    let outcome: Attempt
    try {
      outcome = await this.acquire()
      if (this.failing) this.options.logger?.info('leader lease reachable again')
      this.failing = false
    } catch (error) {
      // The term (if any) lasts until its local deadline; the expiry timer ends it.
      if (!this.failing) this.options.logger?.warn({ err: error }, 'leader lease attempt failed')
      this.failing = true
      return
    }
    if (this.stopped) return
    if (outcome.status === 'taken') {
      if (this.term) void this.demote('another node holds the lease')
      return
    }
    if (this.term && this.term.token !== outcome.token)
      void this.demote('the lease lapsed before it was renewed')
    const until = sentAt + this.leaseMs
    if (this.term) this.term.until = until
    else this.elect(outcome.token, until)
    this.armExpiry(until)
  }

  /** One try at taking or renewing the lease, in its own transaction. */
  private acquire(): Promise<Attempt> {
    const { db } = this.options
    return db.transaction().execute(async (trx) => {
      // An attempt stuck behind another (or a renewal behind a long fenced write) gives up
      // rather than outlive the lease; the next one tries again.
      await sql`select set_config('lock_timeout', ${`${this.renewMs}ms`}, true)`.execute(trx)
      await sql`
        select pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}, hashtext(current_schema() || '/' || ${this.lease}))`.execute(
        trx,
      )
      const row = await sql<{ token: number }>`
        insert into leases (name, holder, token, expires_at, acquired_at)
        values (${this.lease}, ${this.holder}, 1, now() + ${this.leaseMs} * interval '1 millisecond', now())
        on conflict (name) do update set
          token = case when leases.holder = excluded.holder and leases.expires_at > now()
                       then leases.token else leases.token + 1 end,
          acquired_at = case when leases.holder = excluded.holder and leases.expires_at > now()
                             then leases.acquired_at else now() end,
          holder = excluded.holder,
          expires_at = excluded.expires_at
        where leases.holder = excluded.holder or leases.expires_at <= now()
        returning token`.execute(trx)
      const token = row.rows[0]?.token
      return token === undefined ? ({ status: 'taken' } as const) : ({ status: 'held', token } as const)
    })
  }

  private armExpiry(until: number): void {
    clearTimeout(this.expiryTimer)
    // Node's timers measure from the event loop's cached clock, so one can fire a little before
    // `until` by performance.now(): then it is armed again rather than forgotten, which would
    // leave a node whose renewals fail leading for ever.
    this.expiryTimer = setTimeout(
      () => {
        if (!this.term) return
        if (performance.now() >= this.term.until) void this.demote('the lease ran out unrenewed')
        else this.armExpiry(this.term.until)
      },
      Math.max(0, Math.ceil(until - performance.now())),
    )
  }

  private elect(token: number, until: number): void {
    this.term = { token, until }
    this.elections?.inc()
    this.options.logger?.info({ holder: this.holder, fence: token }, 'elected leader')
    this.transitions = this.transitions.then(async () => {
      for (const { name, start } of this.duties) {
        // Demoted (or re-elected) while starting: the rest of this term's duties do not start.
        if (this.term?.token !== token) return
        try {
          this.running.push({ name, stop: await start(token) })
        } catch (error) {
          this.options.logger?.error({ err: error, duty: name }, 'a leader duty failed to start')
        }
      }
    })
  }

  /** Ends the term at once (fenced writes fail from now on) and stops the duties. */
  private demote(reason: string): Promise<void> {
    clearTimeout(this.expiryTimer)
    const held = this.term
    this.term = undefined
    // A stop is planned; anything else means the lease was lost.
    const level = reason === STOPPING ? 'info' : 'warn'
    if (held)
      this.options.logger?.[level]({ holder: this.holder, fence: held.token, reason }, 'no longer leader')
    this.transitions = this.transitions.then(async () => {
      const running = this.running.reverse()
      this.running = []
      for (const { name, stop } of running) {
        try {
          await stop()
        } catch (error) {
          this.options.logger?.error({ err: error, duty: name }, 'a leader duty failed to stop')
        }
      }
    })
    return this.transitions
  }
}
