/**
 * The round engine (SPEC 2 "Round end", SPEC 5): a round opens when block h is seen and closes
 * when block h+1 is; each block also takes the next memes from the round queue into the new
 * round. A closed round is settled once the flushes that may still have been paying into its
 * pool are done (SETTLE_DELAY_MS after it closed): its pool pays the top memes and the first
 * viewers (src/domain/settlement.ts), and whatever cannot be paid rolls into the next round.
 *
 * Exactly once: the settlement's ledger transfers and the round's move to 'settled' commit in one
 * database transaction (Ledger.transfer's alsoWrite), and every transfer id names the round and
 * what it pays, so a second process, or a retry after a crash, settles nothing twice.
 * A reorganisation corrects a round's recorded block hash; money is not settled again.
 *
 * In a fleet only the leader runs the engine (src/services/leader/leader.ts); given its `fence`,
 * the engine's writes (a block's rounds, a settlement, a late sweep) check the leader's token in
 * their own transaction, so a leader that lost its lease while paused writes none of them.
 */
import type { Kysely } from 'kysely'
import type { BlockHeader } from '../../adapters/chain/source.ts'
import type { Database } from '../../adapters/db/schema.ts'
import { DEFAULT_REWARD_PARAMS, type RoundSettlement, settleRound } from '../../domain/settlement.ts'
import { roundPoolAccountId, userAccountId } from '../../ledger/accounts.ts'
import type { Ledger } from '../../ledger/ledger.ts'
import type { TransferInput } from '../../ledger/types.ts'
import type { AppLogger } from '../../logger.ts'
import { assertLeader, type Fence } from '../leader/leader.ts'
import type { Round, RoundRecordParams, RoundsRepository } from './rounds.repository.ts'

/** Two flush intervals and more: a flush that picked the old round's pool has written by then. */
export const SETTLE_DELAY_MS = 5_000
/** Settled rounds are checked this long for payments that landed during their settlement. */
const LATE_SWEEP_WINDOW_MS = 3_600_000
/** SPEC 2: a viewer qualifies as a fast viewer on reaching this many paid seconds in a round. */
export const QUALIFY_SECONDS = 10

export interface RoundEngineOptions {
  db: Kysely<Database>
  ledger: Ledger
  rounds: RoundsRepository
  params: RoundRecordParams
  settleDelayMs?: number
  logger?: AppLogger
  now?: () => Date
  /** Called after a round is settled, e.g. to announce it. */
  onSettled?: (round: Round, settlement: RoundSettlement) => void
  /** The leader's fence; without one (a single node) writes are not fenced. */
  fence?: Fence
}

export function roundParamsFrom(money: {
  platformFeeBps: number
  directSharePct: number
  creatorSharePct: number
  memesPerRound: number
}): RoundRecordParams {
  return {
    feeBps: money.platformFeeBps,
    directPct: money.directSharePct,
    creatorPct: money.creatorSharePct,
    topWeights: [...DEFAULT_REWARD_PARAMS.topWeights],
    topSharePct: DEFAULT_REWARD_PARAMS.topSharePct,
    viewerSharePct: DEFAULT_REWARD_PARAMS.viewerSharePct,
    fastViewers: DEFAULT_REWARD_PARAMS.fastViewers,
    qualifySeconds: QUALIFY_SECONDS,
    memesPerRound: money.memesPerRound,
  }
}

export class RoundEngine {
  private readonly now: () => Date
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: RoundEngineOptions) {
    this.now = options.now ?? (() => new Date())
  }

  /** Handles blocks one at a time, in the order they arrive. */
  onBlock(block: BlockHeader): Promise<void> {
    const run = this.queue.then(() => this.handleBlock(block))
    this.queue = run.catch(() => {})
    return run
  }

  private async handleBlock(block: BlockHeader): Promise<void> {
    const { db, rounds, ledger, params, logger } = this.options
    const now = this.now()
    let opened = false
    let skipped = false
    let assigned: string[] = []
    await db.transaction().execute(async (trx) => {
      await assertLeader(trx, this.options.fence)
      const existing = await trx
        .selectFrom('rounds')
        .select(['block_hash'])
        .where('height', '=', block.height)
        .executeTakeFirst()
      if (existing) {
        if (existing.block_hash !== block.hash) await rounds.correctHash(trx, block.height, block.hash)
        return
      }
      // A height below the round in progress that never had a round (missed while this process
      // was down, then re-announced by a reorganisation): its time is past, so no round opens.
      if ((await rounds.highest(trx)) > block.height) {
        skipped = true
        return
      }
      await rounds.closeOpenBelow(trx, block.height, now)
      opened = await rounds.insert(trx, block.height, block.hash, params, now)
      if (opened) assigned = await rounds.assignQueued(trx, block.height, params.memesPerRound, now)
    })
    if (skipped) logger?.warn({ height: block.height }, 'block below the round in progress: no round opened')
    if (opened) {
      await ledger.ensureAccounts([{ id: roundPoolAccountId(block.height), kind: 'pool' }])
      logger?.info({ height: block.height, memes: assigned.length }, 'round opened')
    }
    await this.settleDue()
  }

  /** Settles every closed round whose grace period is over; returns how many it settled. */
  async settleDue(): Promise<number> {
    const delay = this.options.settleDelayMs ?? SETTLE_DELAY_MS
    let settled = 0
    for (const round of await this.options.rounds.closedBy(new Date(this.now().getTime() - delay))) {
      if (await this.settle(round)) settled++
    }
    const recently = new Date(this.now().getTime() - LATE_SWEEP_WINDOW_MS)
    for (const height of await this.options.rounds.settledWithPoolLeft(recently)) await this.sweepLate(height)
    return settled
  }

  /**
   * A flush that committed while the settlement was being computed (it read the pool before
   * taking its locks) leaves those sats in the settled pool. Billing refuses settled rounds, so
   * after settlement the pool can only shrink: one transfer moves what is left into the round in
   * progress, under an id that names the round, once.
   */
  private async sweepLate(height: number): Promise<void> {
    const { ledger, rounds, logger } = this.options
    const pool = roundPoolAccountId(height)
    const left = (await ledger.getAccount(pool))?.balanceSats ?? 0
    if (left <= 0) return
    const next = await rounds.open()
    const nextPool = roundPoolAccountId(next && next.height > height ? next.height : height + 1)
    await ledger.ensureAccounts([{ id: nextPool, kind: 'pool' }])
    const result = await ledger.transfer(
      [
        {
          id: `round:${height}:late-rollover`,
          debitAccountId: pool,
          creditAccountId: nextPool,
          amountSats: left,
          code: 'pool_rollover',
          ref: `round:${height}`,
        },
      ],
      (trx) => assertLeader(trx, this.options.fence),
    )
    if (result.status === 'ok')
      logger?.info({ height, sats: left, into: nextPool }, 'late pool payments rolled over')
    else if (result.status !== 'exists')
      throw new Error(`rolling over round ${height}'s late payments: ${result.status}`)
  }

  /** Pays out one closed round; false when another process settled it first. */
  async settle(round: Round): Promise<boolean> {
    const { ledger, rounds, logger } = this.options
    const pool = roundPoolAccountId(round.height)
    const next = await rounds.open()
    const nextPool = roundPoolAccountId(next && next.height > round.height ? next.height : round.height + 1)
    await ledger.ensureAccounts([
      { id: pool, kind: 'pool' },
      { id: nextPool, kind: 'pool' },
    ])
    const poolSats = (await ledger.getAccount(pool))?.balanceSats ?? 0
    const competitors = await rounds.competitors(round.height)
    const settlement = settleRound({
      poolSats,
      params: {
        topWeights: round.params.topWeights,
        topSharePct: round.params.topSharePct,
        viewerSharePct: round.params.viewerSharePct,
        fastViewers: round.params.fastViewers,
        creatorPct: round.params.creatorPct,
      },
      memes: competitors.map((c) => ({
        memeId: c.memeId,
        creatorAccountId: userAccountId(c.creatorUserId),
        ownerAccountId: userAccountId(c.ownerUserId),
        paidSeconds: c.paidSeconds,
        reachedAtSeq: c.reachedSeq,
      })),
      qualifyingViewerIds: (await rounds.qualifiedViewers(round.height, round.params.fastViewers)).map(
        userAccountId,
      ),
    })
    const transfers = settlementTransfers(round.height, pool, nextPool, settlement)
    const summary = {
      poolSats,
      rolloverSats: settlement.rolloverSats,
      ranking: settlement.ranking,
      fastViewerSats: settlement.fastViewerSats,
      rolledInto: nextPool,
    }
    await ledger.ensureAccounts(
      transfers.map((t) => ({ id: t.creditAccountId, kind: t.creditAccountId.split(':')[0]! })),
    )
    const result =
      transfers.length === 0
        ? await this.markSettledOnly(round.height, summary)
        : await ledger.transfer(transfers, async (trx) => {
            await assertLeader(trx, this.options.fence)
            // New transfers for a round that is not closed would be a bug: the ids are its own.
            if (!(await rounds.markSettled(trx, round.height, summary, this.now()))) {
              throw new Error(`round ${round.height} was settled without its transfers`)
            }
          })
    if (result.status === 'exists') return false
    if (result.status !== 'ok') throw new Error(`settling round ${round.height}: ${result.status}`)
    logger?.info({ height: round.height, poolSats, rolloverSats: settlement.rolloverSats }, 'round settled')
    this.options.onSettled?.(round, settlement)
    return true
  }

  /** An empty pool pays nothing: the round is only marked settled (once). */
  private async markSettledOnly(height: number, summary: unknown): Promise<{ status: 'ok' | 'exists' }> {
    const moved = await this.options.db.transaction().execute(async (trx) => {
      await assertLeader(trx, this.options.fence)
      return this.options.rounds.markSettled(trx, height, summary, this.now())
    })
    return { status: moved ? 'ok' : 'exists' }
  }
}

/** The ledger transfers of a settlement, each with an id that names the round and what it pays. */
export function settlementTransfers(
  height: number,
  pool: string,
  nextPool: string,
  settlement: RoundSettlement,
): TransferInput[] {
  const transfers: TransferInput[] = settlement.credits.map((credit) => ({
    id: `round:${height}:${credit.reason}:${credit.memeId ?? credit.accountId}:${credit.role ?? 'viewer'}`,
    debitAccountId: pool,
    creditAccountId: credit.accountId,
    amountSats: credit.amountSats,
    code: credit.reason === 'fast_viewer' ? 'reward_fast_viewer' : 'reward_top',
    ref: credit.memeId ?? `round:${height}`,
  }))
  if (settlement.rolloverSats > 0) {
    transfers.push({
      id: `round:${height}:rollover`,
      debitAccountId: pool,
      creditAccountId: nextPool,
      amountSats: settlement.rolloverSats,
      code: 'pool_rollover',
      ref: `round:${height}`,
    })
  }
  return transfers
}
