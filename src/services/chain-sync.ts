/**
 * Block sync: follows the chain source's tip and keeps the blocks table equal to the source's
 * best chain (SPEC 5, ARCHITECTURE "Chain"). Each pass compares the source's headers with the
 * stored ones; when a stored block is no longer on the source's chain (a reorganisation) it walks
 * back to the common ancestor, replaces the stale branch in one transaction and announces the
 * change. Source outages are ridden out with exponential backoff; the status says 'degraded'
 * meanwhile, and the next good pass resumes from the stored tip, so no height is skipped.
 * In a fleet only the leader syncs; given its `fence`, storing blocks checks the leader's token
 * in the same transaction (src/services/leader/leader.ts).
 */
import type { Kysely } from 'kysely'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Bus } from '../adapters/bus/bus.ts'
import type { BlockHeader, ChainSource } from '../adapters/chain/source.ts'
import type { Database } from '../adapters/db/schema.ts'
import { assert } from '../domain/money.ts'
import { assertLeader, type Fence } from './leader/leader.ts'

/** Deeper reorganisations than this are not followed automatically: they need an operator. */
export const MAX_REORG_DEPTH = 100
/** A fresh node starts at the tip rather than at genesis; a catching-up node takes this many headers a pass. */
const MAX_HEADERS_PER_PASS = 200
const DEFAULT_POLL_INTERVAL_MS = 5_000
const BACKOFF_BASE_MS = 1_000
const BACKOFF_MAX_MS = 60_000

export type SyncState = 'starting' | 'synced' | 'catching-up' | 'degraded'

export interface SyncStatus {
  state: SyncState
  tip: BlockHeader | null
  lastSyncAt: Date | null
  lastError: string | null
  consecutiveFailures: number
}

export interface SyncOutcome {
  added: BlockHeader[]
  removed: BlockHeader[]
  /** More headers remain to be fetched; the caller may run another pass at once. */
  behind: boolean
}

export interface BlockSyncOptions {
  source: ChainSource
  db: Kysely<Database>
  bus: Bus
  now?: () => Date
  pollIntervalMs?: number
  onError?: (error: unknown) => void
  /** Where to register the chain metrics (tip, lag, failures, reorganisations). */
  registry?: Registry
  /** The leader's fence; without one (a single node) storing blocks is not fenced. */
  fence?: Fence
}

interface SyncMetrics {
  failures: Counter
  reorgs: Counter
  removedBlocks: Counter
}

export class BlockSync {
  private readonly now: () => Date
  private readonly pollIntervalMs: number
  private status_: SyncStatus = {
    state: 'starting',
    tip: null,
    lastSyncAt: null,
    lastError: null,
    consecutiveFailures: 0,
  }
  private timer: NodeJS.Timeout | undefined
  private running = false
  private passInFlight: Promise<SyncOutcome> | undefined
  private unsubscribe: (() => void) | undefined
  private sourceTipHeight: number | undefined
  private readonly metrics: SyncMetrics | undefined

  constructor(private readonly options: BlockSyncOptions) {
    this.now = options.now ?? (() => new Date())
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
    if (options.registry) this.metrics = this.registerMetrics(options.registry)
  }

  private registerMetrics(registry: Registry): SyncMetrics {
    const sync = this
    new Gauge({
      name: 'chain_tip_height',
      help: 'Height of the newest block this node has synced.',
      registers: [registry],
      collect() {
        if (sync.status_.tip) this.set(sync.status_.tip.height)
      },
    })
    new Gauge({
      name: 'chain_sync_lag_blocks',
      help: "Blocks between the chain source's tip and the synced tip.",
      registers: [registry],
      collect() {
        if (sync.status_.tip && sync.sourceTipHeight !== undefined) {
          this.set(Math.max(0, sync.sourceTipHeight - sync.status_.tip.height))
        }
      },
    })
    return {
      failures: new Counter({
        name: 'chain_sync_failures_total',
        help: 'Sync passes that failed.',
        registers: [registry],
      }),
      reorgs: new Counter({
        name: 'chain_reorgs_total',
        help: 'Reorganisations followed.',
        registers: [registry],
      }),
      removedBlocks: new Counter({
        name: 'chain_reorg_removed_blocks_total',
        help: 'Blocks removed from the synced chain by reorganisations.',
        registers: [registry],
      }),
    }
  }

  status(): SyncStatus {
    return { ...this.status_ }
  }

  /** Polls the source, and wakes early when a source that can push announces a new tip. */
  start(): void {
    if (this.running) return
    this.running = true
    this.unsubscribe = this.options.source.onNewTip(() => this.schedule(0))
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.running = false
    this.unsubscribe?.()
    clearTimeout(this.timer)
    await this.passInFlight?.catch(() => undefined)
  }

  private schedule(delayMs: number): void {
    if (!this.running) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.tick(), delayMs)
  }

  private async tick(): Promise<void> {
    if (this.passInFlight) return
    let next = this.pollIntervalMs
    try {
      const outcome = await this.syncOnce()
      if (outcome.behind) next = 0
    } catch (error) {
      this.options.onError?.(error)
      const failures = this.status_.consecutiveFailures
      const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 16))
      next = Math.round(backoff * (0.5 + Math.random() / 2))
    }
    this.schedule(next)
  }

  /** One pass; concurrent callers share it. Throws when the source fails (status becomes degraded). */
  syncOnce(): Promise<SyncOutcome> {
    if (!this.passInFlight) {
      this.passInFlight = this.pass().finally(() => {
        this.passInFlight = undefined
      })
    }
    return this.passInFlight
  }

  private async pass(): Promise<SyncOutcome> {
    try {
      const outcome = await this.follow()
      const tip = await this.storedTip()
      this.status_ = {
        state: outcome.behind ? 'catching-up' : 'synced',
        tip: tip ?? null,
        lastSyncAt: this.now(),
        lastError: null,
        consecutiveFailures: 0,
      }
      this.announce(outcome)
      if (outcome.removed.length > 0) {
        this.metrics?.reorgs.inc()
        this.metrics?.removedBlocks.inc(outcome.removed.length)
      }
      return outcome
    } catch (error) {
      this.metrics?.failures.inc()
      this.status_ = {
        ...this.status_,
        state: 'degraded',
        lastError: error instanceof Error ? error.message : String(error),
        consecutiveFailures: this.status_.consecutiveFailures + 1,
      }
      throw error
    }
  }

  private async follow(): Promise<SyncOutcome> {
    const { source } = this.options
    const sourceTip = await source.tip()
    this.sourceTipHeight = sourceTip.height
    const stored = await this.storedTip()
    if (!stored) {
      await this.replaceAbove(sourceTip.height - 1, [sourceTip])
      return { added: [sourceTip], removed: [], behind: false }
    }
    if (stored.hash === sourceTip.hash) return { added: [], removed: [], behind: false }

    const ancestor = await this.commonAncestor(stored, sourceTip)
    const target = Math.min(sourceTip.height, ancestor.height + MAX_HEADERS_PER_PASS)
    const added = await this.fetchBranch(ancestor, target)
    const removed = await this.storedAbove(ancestor.height)
    await this.replaceAbove(ancestor.height, added)
    return { added, removed, behind: target < sourceTip.height }
  }

  /** The highest stored block that is still on the source's chain. */
  private async commonAncestor(stored: BlockHeader, sourceTip: BlockHeader): Promise<BlockHeader> {
    let height = Math.min(stored.height, sourceTip.height)
    const lowest = stored.height - MAX_REORG_DEPTH
    while (height >= Math.max(0, lowest)) {
      const mine = await this.storedAt(height)
      if (!mine) break
      const theirs = await this.options.source.headerByHeight(height)
      if (theirs && theirs.hash === mine.hash) return mine
      height--
    }
    throw new Error(
      `no common ancestor within ${MAX_REORG_DEPTH} blocks of stored tip ${stored.height}: operator needed`,
    )
  }

  /** Headers ancestor+1..target from the source, checked to link one to the next. */
  private async fetchBranch(ancestor: BlockHeader, target: number): Promise<BlockHeader[]> {
    const branch: BlockHeader[] = []
    let previous = ancestor
    for (let height = ancestor.height + 1; height <= target; height++) {
      const header = await this.options.source.headerByHeight(height)
      if (!header) throw new Error(`the source has no block at height ${height} below its tip`)
      // The source moved to another branch while we walked; the next pass starts over.
      if (header.prevHash !== previous.hash)
        throw new Error(`the source's chain changed during sync at height ${height}`)
      branch.push(header)
      previous = header
    }
    return branch
  }

  private async replaceAbove(height: number, added: BlockHeader[]): Promise<void> {
    await this.options.db.transaction().execute(async (trx) => {
      await assertLeader(trx, this.options.fence)
      await trx.deleteFrom('blocks').where('height', '>', height).execute()
      if (added.length === 0) return
      await trx
        .insertInto('blocks')
        .values(
          added.map((h) => ({
            height: h.height,
            hash: h.hash,
            prev_hash: h.prevHash,
            merkle_root: h.merkleRoot,
            time_s: h.time,
            tx_count: h.txCount,
            seen_at: this.now(),
          })),
        )
        .execute()
    })
  }

  private announce(outcome: SyncOutcome): void {
    const { bus } = this.options
    if (outcome.removed.length > 0) {
      const ancestorHeight = outcome.removed[outcome.removed.length - 1]!.height - 1
      bus.publish('chain.reorg', { ancestorHeight, removed: outcome.removed, added: outcome.added })
    }
    for (const header of outcome.added) bus.publish('chain.block', header)
  }

  async storedTip(): Promise<BlockHeader | undefined> {
    const row = await this.options.db
      .selectFrom('blocks')
      .selectAll()
      .orderBy('height', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row ? toHeader(row) : undefined
  }

  private async storedAt(height: number): Promise<BlockHeader | undefined> {
    const row = await this.options.db
      .selectFrom('blocks')
      .selectAll()
      .where('height', '=', height)
      .executeTakeFirst()
    return row ? toHeader(row) : undefined
  }

  /** Stored blocks above a height, newest first. */
  private async storedAbove(height: number): Promise<BlockHeader[]> {
    const rows = await this.options.db
      .selectFrom('blocks')
      .selectAll()
      .where('height', '>', height)
      .orderBy('height', 'desc')
      .execute()
    return rows.map(toHeader)
  }
}

function toHeader(row: {
  height: number
  hash: string
  prev_hash: string
  merkle_root: string
  time_s: number
  tx_count: number
}): BlockHeader {
  assert(Number.isSafeInteger(row.height), 'stored heights are integers')
  return {
    height: row.height,
    hash: row.hash,
    prevHash: row.prev_hash,
    merkleRoot: row.merkle_root,
    time: row.time_s,
    txCount: row.tx_count,
  }
}
