/**
 * Watch sessions and billing (SPEC 2, 6): a viewer pays for the seconds the client confirms.
 *
 * Start: a signed-in, unfrozen viewer with the balance for the first seconds gets a session, a
 * ledger hold of up to HOLD_SECONDS of viewing, and a short-lived signed URL for the animation.
 * Confirm: the client confirms once a second while the video is visible and playing; a
 * confirmation counts one second, never more than the wall clock since the start allows, and
 * never more than the hold covers. Confirmations only touch memory, so they are cheap.
 * Flush (every FLUSH_INTERVAL_MS from start to start, one at a time): the confirmed seconds not yet charged of every
 * session that reached MIN_BILLABLE_S become one batch of ledger postings drawn from the holds,
 * split at once (fee, creator, owner, the pool of the round in progress), with the engagement
 * counters and the sessions' progress written in the same transaction. Holds running low are
 * topped up; when the balance cannot top one up, the session ends once the hold is spent.
 * End: on stop, disconnect, 3 s without a confirmation, an empty balance or MAX_SESSION_S; the
 * last seconds are charged, the hold is released (the ledger settles what it posted), and the
 * end is announced.
 *
 * No second is charged twice: each posting carries the hold's next sequence number, and the
 * ledger refuses a number the hold has reached. A flush whose outcome is unknown (the database
 * went away mid-commit) reads the holds back before charging those sessions again. A process
 * that dies loses at most the seconds confirmed since its last flush; its holds expire and the
 * sweeper settles them and ends their sessions as interrupted.
 *
 * Sessions live in the memory of the process that holds the viewer's connection; with several
 * nodes each bills its own viewers (ARCHITECTURE "Scale-out").
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import {
  WATCH_CONFIRM_TIMEOUT_MS,
  WATCH_LOW_BALANCE_SECONDS,
  WATCH_MAX_SESSIONS_PER_USER,
  type WatchEndReason,
  type WatchSessionView,
  type WatchStartReply,
} from '../../../contracts/watch.ts'
import { Batcher } from '../../adapters/db/batcher.ts'
import { isDatabaseUnavailable } from '../../adapters/db/unavailable.ts'
import { AppError } from '../../http/errors.ts'
import { PLATFORM_FEES_ACCOUNT, roundPoolAccountId, userAccountId } from '../../ledger/accounts.ts'
import type { Ledger } from '../../ledger/ledger.ts'
import type { HoldInput, PostingResult, ViewPosting } from '../../ledger/types.ts'
import type { AppLogger } from '../../logger.ts'
import { QUALIFY_SECONDS } from '../rounds/round-engine.ts'
import type { Round, RoundsRepository } from '../rounds/rounds.repository.ts'
import { type EngagementRow, recordEngagement } from './engagement.ts'
import type { SessionProgress, WatchableMeme, WatchRepository } from './watch.repository.ts'

/** A hold expires this long after the seconds it covers would run out: the lease of a session. */
const HOLD_GRACE_SECONDS = 60
/** Postings per database transaction. */
const FLUSH_BATCH = 2_000
/** Start batches at the database at once; the starts arriving meanwhile wait in line (see startSession). */
const DEFAULT_MAX_CONCURRENT_STARTS = 2
/** Starts opened together, at most: one read of their viewers and one ledger transaction. */
const START_BATCH = 500
/** Starts waiting in line at most; beyond, a start is refused at once with SERVICE_UNAVAILABLE. */
const DEFAULT_MAX_QUEUED_STARTS = 2_000
/** How long a watchable meme and its signed links are reused by further starts. */
const DEFAULT_MEME_CACHE_MS = 2_000
const MEME_CACHE_ENTRIES = 1_000

/** A flush picked a round that was settled before its charge committed. */
class RoundSettledError extends Error {
  override name = 'RoundSettledError'
  constructor(height: number) {
    super(`round ${height} was settled during the flush`)
  }
}

export interface SignedMedia {
  url: string
  mp4Url: string | null
  posterUrl: string
  expiresAt: Date
}

export interface WatchServiceOptions {
  ledger: Ledger
  repository: WatchRepository
  rounds: Pick<RoundsRepository, 'open'>
  /** Signed URLs of a meme's animation; undefined when it has none. */
  signMedia: (memeId: string) => Promise<SignedMedia | undefined>
  rateSats: number
  minBillableSeconds: number
  maxSessionSeconds: number
  holdSeconds: number
  flushIntervalMs: number
  qualifySeconds?: number
  maxSessionsPerUser?: number
  confirmTimeoutMs?: number
  /** Start batches using the database at once (2); keep it under the pool's size. */
  maxConcurrentStarts?: number
  /** Starts that may wait for a turn (2,000); more are refused with SERVICE_UNAVAILABLE. */
  maxQueuedStarts?: number
  /** How long a meme found watchable is taken as such without asking again (2,000 ms; 0: always ask). */
  memeCacheMs?: number
  logger?: AppLogger
  now?: () => number
  /** A session's end, for the viewer's channel. */
  onSessionEnded?: (userId: string, view: WatchSessionView) => void
  /** After a flush that charged something: the round's counters moved. */
  onCharged?: () => void
  /** Balances after a flush changed them, for the viewers' channels. */
  onBalance?: (userId: string, balance: { balanceSats: number; availableSats: number }) => void
}

interface StartRequest {
  userId: string
  memeId: string
}

type StartOutcome = { reply: WatchStartReply } | { error: unknown }

interface LiveSession {
  id: string
  userId: string
  accountId: string
  meme: WatchableMeme
  holdId: string
  rate: number
  startedAtMs: number
  lastConfirmMs: number
  confirmed: number
  charged: number
  chargedSats: number
  seq: number
  holdSats: number
  /** The account's spendable balance (outside every hold) when last read. */
  available: number
  ending?: WatchEndReason
  /** A flush of this session failed in an unknown state: read the hold back before charging again. */
  reconcile: boolean
  waiters: Array<(view: WatchSessionView) => void>
}

export interface WatchStats {
  sessions: number
  /** Confirmed seconds not charged yet, over all sessions (billing lag in seconds of viewing). */
  pendingSeconds: number
  flushes: number
  lastFlushMs: number
}

export class WatchService {
  private readonly sessions = new Map<string, LiveSession>()
  private readonly byUser = new Map<string, Set<string>>()
  private readonly ensuredAccounts = new Set<string>()
  private readonly now: () => number
  private running = false
  /** Set by close(): what cannot be charged any more is forgone rather than retried. */
  private closing = false
  private loop: Promise<void> | undefined
  private wake: AbortController | undefined
  private flushes = 0
  private lastFlushMs = 0
  private readonly starts: Batcher<StartRequest, StartOutcome>
  /** Starts of each user not answered yet: they count against the per-user limit. */
  private readonly startingByUser = new Map<string, number>()
  private readonly maxQueuedStarts: number
  private readonly memeCache = new Map<
    string,
    { value: { meme: WatchableMeme; media: SignedMedia }; untilMs: number }
  >()
  private readonly memeCacheMs: number

  constructor(private readonly options: WatchServiceOptions) {
    this.now = options.now ?? Date.now
    this.starts = new Batcher((batch) => this.openBatch(batch), {
      maxBatch: START_BATCH,
      concurrency: options.maxConcurrentStarts ?? DEFAULT_MAX_CONCURRENT_STARTS,
    })
    this.maxQueuedStarts = options.maxQueuedStarts ?? DEFAULT_MAX_QUEUED_STARTS
    this.memeCacheMs = options.memeCacheMs ?? DEFAULT_MEME_CACHE_MS
  }

  /** Starts the flush loop. */
  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  /** Ends every session (charging what was confirmed), then stops the loop. */
  async close(): Promise<void> {
    this.closing = true
    for (const session of this.sessions.values()) session.ending ??= 'server_stopping'
    this.running = false
    this.wake?.abort()
    await this.loop
    await this.flush()
  }

  stats(): WatchStats {
    let pendingSeconds = 0
    for (const s of this.sessions.values()) pendingSeconds += s.confirmed - s.charged
    return {
      sessions: this.sessions.size,
      pendingSeconds,
      flushes: this.flushes,
      lastFlushMs: this.lastFlushMs,
    }
  }

  /**
   * Starts a session. Starts are opened in batches: while one batch is at the database, the
   * starts arriving wait in line and go together in the next (up to START_BATCH), so a crowd
   * costs one read of its viewers and one ledger transaction per batch, not per viewer, and
   * never takes every connection from the flush that bills everyone already watching.
   */
  async startSession(userId: string, memeId: string): Promise<WatchStartReply> {
    const open = (this.byUser.get(userId)?.size ?? 0) + (this.startingByUser.get(userId) ?? 0)
    if (open >= (this.options.maxSessionsPerUser ?? WATCH_MAX_SESSIONS_PER_USER))
      throw new AppError('WATCH_TOO_MANY_SESSIONS')
    if (this.starts.waiting >= this.maxQueuedStarts) {
      throw new AppError('SERVICE_UNAVAILABLE', {
        message: 'Too many viewers are starting at once; try again shortly.',
      })
    }
    this.startingByUser.set(userId, (this.startingByUser.get(userId) ?? 0) + 1)
    try {
      const outcome = await this.starts.load({ userId, memeId })
      if ('error' in outcome) throw outcome.error
      return outcome.reply
    } finally {
      const left = (this.startingByUser.get(userId) ?? 1) - 1
      if (left > 0) this.startingByUser.set(userId, left)
      else this.startingByUser.delete(userId)
    }
  }

  /**
   * Opens a batch of starts. A batch whose transaction fails for a reason of its own (not the
   * database going away) is tried again one start at a time, so that one start's problem is
   * that start's error alone.
   */
  private async openBatch(batch: readonly StartRequest[]): Promise<StartOutcome[]> {
    try {
      return await this.openSessions(batch)
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) throw error
      const outcomes: StartOutcome[] = []
      for (const start of batch) {
        outcomes.push(...(await this.openBatch([start]).catch((alone: unknown) => [{ error: alone }])))
      }
      return outcomes
    }
  }

  /**
   * Judges each start in order (a frozen viewer, then the meme, then the balance, less what
   * the viewer's earlier starts in the batch hold), then writes every hold and session row in
   * one transaction: a session is never recorded without its hold, nor a hold without the
   * session that explains it. Throws only when that transaction fails; nothing is then written.
   */
  private async openSessions(batch: readonly StartRequest[]): Promise<StartOutcome[]> {
    const { repository, ledger, rateSats, holdSeconds, minBillableSeconds } = this.options
    const memeIds = [...new Set(batch.map((s) => s.memeId))]
    const [viewers, ...memes] = await Promise.all([
      repository.viewers(batch.map((s) => ({ userId: s.userId, accountId: userAccountId(s.userId) }))),
      ...memeIds.map((id) =>
        this.watchable(id).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
      ),
    ])
    const watchable = new Map(memeIds.map((id, index) => [id, memes[index]!]))
    const taken = new Map<string, number>()
    const nowMs = this.now()
    const outcomes: Array<StartOutcome | undefined> = []
    const planned: Array<{ index: number; session: LiveSession; media: SignedMedia; hold: HoldInput }> = []
    for (const [index, start] of batch.entries()) {
      const viewer = viewers.get(start.userId) ?? { frozen: false, availableSats: 0 }
      const meme = watchable.get(start.memeId)!
      const available = viewer.availableSats - (taken.get(start.userId) ?? 0)
      const holdSats = Math.min(holdSeconds * rateSats, available)
      if (viewer.frozen) outcomes.push({ error: new AppError('ACCOUNT_FROZEN') })
      else if ('error' in meme) outcomes.push({ error: meme.error })
      else if (holdSats < minBillableSeconds * rateSats)
        outcomes.push({ error: new AppError('INSUFFICIENT_FUNDS') })
      else {
        taken.set(start.userId, (taken.get(start.userId) ?? 0) + holdSats)
        const id = randomBytes(12).toString('base64url')
        const accountId = userAccountId(start.userId)
        const session: LiveSession = {
          id,
          userId: start.userId,
          accountId,
          meme: meme.value.meme,
          holdId: `watch:${id}`,
          rate: rateSats,
          startedAtMs: nowMs,
          lastConfirmMs: nowMs,
          confirmed: 0,
          charged: 0,
          chargedSats: 0,
          seq: 0,
          holdSats,
          available: available - holdSats,
          reconcile: false,
          waiters: [],
        }
        const hold = {
          id: session.holdId,
          accountId,
          amountSats: holdSats,
          expiresAt: this.holdExpiry(nowMs, holdSats / rateSats),
        }
        planned.push({ index, session, media: meme.value.media, hold })
        outcomes.push(undefined)
      }
    }
    if (planned.length === 0) return outcomes as StartOutcome[]
    const byHold = new Map(planned.map((p) => [p.hold.id, p.session]))
    const results = await ledger.createHolds(
      planned.map((p) => p.hold),
      (trx, created) =>
        repository.insert(
          created.map((hold) => {
            const session = byHold.get(hold.id)!
            return {
              id: session.id,
              userId: session.userId,
              memeId: session.meme.id,
              holdId: session.holdId,
              rateSats: session.rate,
              startedAt: new Date(nowMs),
            }
          }),
          trx,
        ),
    )
    // A hold the ledger refused: another batch spent the balance meanwhile.
    for (const [n, { index, session, media }] of planned.entries()) {
      if (results[n] !== 'ok') {
        outcomes[index] = { error: new AppError('INSUFFICIENT_FUNDS') }
        continue
      }
      this.sessions.set(session.id, session)
      const mine = this.byUser.get(session.userId) ?? new Set<string>()
      mine.add(session.id)
      this.byUser.set(session.userId, mine)
      outcomes[index] = { reply: this.startReply(session, media) }
    }
    return outcomes as StartOutcome[]
  }

  private startReply(session: LiveSession, media: SignedMedia): WatchStartReply {
    return {
      session: this.view(session),
      media: {
        url: media.url,
        mp4Url: media.mp4Url,
        posterUrl: media.posterUrl,
        expiresAt: media.expiresAt.toISOString(),
      },
      title: session.meme.title,
      minBillableSeconds: this.options.minBillableSeconds,
      maxSeconds: this.options.maxSessionSeconds,
      confirmTimeoutMs: this.confirmTimeoutMs(),
    }
  }

  /** One second of visible, playing video. Memory only: the flush charges it. */
  confirm(userId: string, sessionId: string): WatchSessionView {
    const session = this.own(userId, sessionId)
    const nowMs = this.now()
    const allowed = Math.min(
      this.options.maxSessionSeconds,
      Math.floor((nowMs - session.startedAtMs) / 1000) + 1,
    )
    if (session.confirmed < allowed) {
      if ((session.confirmed + 1) * session.rate <= session.holdSats) session.confirmed++
      else session.ending = 'balance_empty'
    }
    if (session.confirmed >= this.options.maxSessionSeconds) session.ending ??= 'max_duration'
    session.lastConfirmMs = nowMs
    if (session.ending) this.kick()
    return this.view(session)
  }

  /** Ends the session and answers with its final state once the last seconds are charged. */
  stop(userId: string, sessionId: string): Promise<WatchSessionView> {
    return this.end(this.own(userId, sessionId), 'stopped')
  }

  /** Ends the sessions a closed connection started. */
  disconnected(userId: string, sessionIds: Iterable<string>): void {
    for (const id of sessionIds) {
      const session = this.sessions.get(id)
      if (session && session.userId === userId) void this.end(session, 'disconnected')
    }
  }

  /** Whether a session is running on this process. */
  isLive(sessionId: string): boolean {
    const session = this.sessions.get(sessionId)
    return session !== undefined && !session.ending
  }

  private own(userId: string, sessionId: string): LiveSession {
    const session = this.sessions.get(sessionId)
    if (!session || session.userId !== userId) throw new AppError('WATCH_SESSION_NOT_FOUND')
    if (session.ending) throw new AppError('WATCH_SESSION_ENDED')
    return session
  }

  private end(session: LiveSession, reason: WatchEndReason): Promise<WatchSessionView> {
    session.ending ??= reason
    const done = new Promise<WatchSessionView>((resolve) => session.waiters.push(resolve))
    this.kick()
    return done
  }

  private kick(): void {
    this.wake?.abort()
  }

  /**
   * A meme that can be watched now, with signed links to its animation. Viewers arriving
   * together ask for the same few memes, so the answer is kept for MEME_CACHE_MS (the links
   * last minutes; a meme taken off the round stops starting sessions within that time).
   */
  private async watchable(memeId: string): Promise<{ meme: WatchableMeme; media: SignedMedia }> {
    const nowMs = this.now()
    const cached = this.memeCache.get(memeId)
    if (cached && cached.untilMs > nowMs) return cached.value
    const meme = await this.options.repository.meme(memeId)
    if (!meme) throw new AppError('NOT_FOUND', { message: 'There is no meme with this id.' })
    if (meme.state !== 'assigned') throw new AppError('MEME_NOT_WATCHABLE')
    const media = await this.options.signMedia(meme.id)
    if (!media) throw new AppError('MEME_NOT_WATCHABLE')
    const value = { meme, media }
    if (this.memeCacheMs > 0) {
      if (this.memeCache.size >= MEME_CACHE_ENTRIES) this.memeCache.clear()
      this.memeCache.set(memeId, { value, untilMs: nowMs + this.memeCacheMs })
    }
    return value
  }

  private confirmTimeoutMs(): number {
    return this.options.confirmTimeoutMs ?? WATCH_CONFIRM_TIMEOUT_MS
  }

  private holdExpiry(nowMs: number, coveredSeconds: number): Date {
    return new Date(nowMs + (coveredSeconds + HOLD_GRACE_SECONDS) * 1000)
  }

  private billable(session: LiveSession): number {
    return session.confirmed >= this.options.minBillableSeconds ? session.confirmed : 0
  }

  private view(session: LiveSession, ended = false): WatchSessionView {
    // Ended, the hold is gone and only what was charged is spent; running, every confirmed
    // second will be (the minimum is reached or the session ends free).
    const spent = ended ? session.chargedSats : session.confirmed * session.rate
    const availableSats = Math.max(0, session.available + session.holdSats - spent)
    return {
      sessionId: session.id,
      memeId: session.meme.id,
      state: ended || session.ending ? 'ended' : 'active',
      rateSats: session.rate,
      confirmedSeconds: session.confirmed,
      chargedSeconds: session.charged,
      chargedSats: session.chargedSats,
      availableSats,
      lowBalance: availableSats < WATCH_LOW_BALANCE_SECONDS * session.rate,
      endReason: session.ending ?? null,
    }
  }

  /**
   * Flushes every flushIntervalMs, counted from one flush's start to the next: a flush that took
   * 600 ms is followed by one 400 ms later, not a full interval later, so the billing lag stays
   * near one interval however long the flushes take (and a flush longer than the interval is
   * followed at once).
   */
  private async run(): Promise<void> {
    while (this.running) {
      const startedMs = performance.now()
      try {
        await this.flush()
      } catch (error) {
        this.options.logger?.error({ err: error }, 'watch flush failed; retrying at the next interval')
      }
      if (!this.running) break
      const waitMs = Math.max(0, this.options.flushIntervalMs - (performance.now() - startedMs))
      this.wake = new AbortController()
      await sleep(waitMs, undefined, { signal: this.wake.signal }).catch(() => {})
    }
  }

  /** One billing pass over every session. Runs one at a time (the loop, then close). */
  async flush(): Promise<void> {
    const started = this.now()
    this.expireQuiet(started)
    await this.reconcile()
    const touched = new Set<string>()
    await this.charge()
    await this.topUp(touched)
    await this.finish(touched)
    await this.refreshBalances(touched)
    this.flushes++
    this.lastFlushMs = this.now() - started
  }

  private expireQuiet(nowMs: number): void {
    for (const session of this.sessions.values()) {
      if (session.ending) continue
      if (nowMs - session.lastConfirmMs > this.confirmTimeoutMs()) session.ending = 'unconfirmed'
      else if (nowMs - session.startedAtMs >= this.options.maxSessionSeconds * 1000 + this.confirmTimeoutMs())
        session.ending = 'max_duration'
    }
  }

  private async reconcile(): Promise<void> {
    for (const session of this.sessions.values()) {
      if (!session.reconcile) continue
      const hold = await this.options.ledger.getHold(session.holdId)
      if (!hold) continue
      session.chargedSats = hold.postedSats
      session.charged = hold.postedSats / session.rate
      session.seq = hold.lastSeq
      session.holdSats = hold.amountSats
      session.reconcile = false
      if (hold.state !== 'open') session.ending ??= 'interrupted'
    }
  }

  private async charge(): Promise<void> {
    const due = [...this.sessions.values()].filter((s) => !s.reconcile && this.billable(s) > s.charged)
    if (due.length === 0) return
    const round = await this.options.rounds.open()
    // Before the first block there is no pool to feed: the seconds wait for the first round.
    if (!round) return
    const owners = await this.options.repository.owners([...new Set(due.map((s) => s.meme.id))])
    await this.ensureAccounts(round, due, owners)
    for (let i = 0; i < due.length; i += FLUSH_BATCH) {
      await this.chargeBatch(round, due.slice(i, i + FLUSH_BATCH), owners)
    }
  }

  private async chargeBatch(
    round: Round,
    batch: readonly LiveSession[],
    owners: Map<string, string>,
  ): Promise<void> {
    const planned = batch.map((session) => {
      const seconds = this.billable(session) - session.charged
      const ownerUserId = owners.get(session.meme.id) ?? session.meme.ownerUserId
      const posting: ViewPosting = {
        holdId: session.holdId,
        seq: session.seq + 1,
        amountSats: seconds * session.rate,
        streamId: `view:${round.height}:${session.meme.id}:${ownerUserId}`,
        split: {
          params: {
            feeBps: round.params.feeBps,
            directPct: round.params.directPct,
            creatorPct: round.params.creatorPct,
          },
          feeAccountId: PLATFORM_FEES_ACCOUNT,
          creatorAccountId: userAccountId(session.meme.creatorUserId),
          ownerAccountId: userAccountId(ownerUserId),
          poolAccountId: roundPoolAccountId(round.height),
        },
      }
      return { session, seconds, posting }
    })
    const byHold = new Map(planned.map((p) => [p.posting.holdId, p]))
    let results: PostingResult[]
    try {
      results = await this.options.ledger.postViewSeconds(
        planned.map((p) => p.posting),
        async (trx, accepted) => {
          // The pool must still be open to payments: a round settled since this flush read it
          // would keep these sats in a pool already paid out. Locked in share mode, so the
          // settlement (which updates the row) waits for this commit or this sees it settled.
          const state = await sql<{ state: string }>`
            select state from rounds where height = ${round.height} for share`.execute(trx)
          if (state.rows[0]?.state === 'settled') throw new RoundSettledError(round.height)
          const rows: EngagementRow[] = []
          const progress: SessionProgress[] = []
          for (const posting of accepted) {
            const { session, seconds } = byHold.get(posting.holdId)!
            rows.push({
              roundHeight: round.height,
              memeId: session.meme.id,
              memeRound: session.meme.assignedRound,
              userId: session.userId,
              seconds,
              sats: posting.amountSats,
            })
            progress.push({
              id: session.id,
              confirmedSeconds: session.confirmed,
              chargedSeconds: session.charged + seconds,
              chargedSats: session.chargedSats + posting.amountSats,
            })
          }
          await recordEngagement(trx, rows, this.options.qualifySeconds ?? QUALIFY_SECONDS)
          await this.options.repository.recordProgress(trx, progress)
        },
      )
    } catch (error) {
      // Thrown before the commit: nothing was written, and the next flush bills the round now open.
      if (error instanceof RoundSettledError) return
      for (const { session } of planned) session.reconcile = true
      throw error
    }
    if (results.includes('ok')) this.options.onCharged?.()
    // A charge moves money within the hold only: the account's balance and what it holds change
    // at top-ups and at the end, so only those refresh the viewer's balance.
    for (const [index, { session, seconds, posting }] of planned.entries()) {
      const result = results[index]
      if (result === 'ok') {
        session.charged += seconds
        session.chargedSats += posting.amountSats
        session.seq = posting.seq
      } else if (result === 'exists') {
        // Posted before, by a flush whose answer was lost: the hold knows what it holds.
        session.reconcile = true
      } else {
        this.options.logger?.warn({ session: session.id, result }, 'view charge refused; ending the session')
        session.reconcile = true
        session.ending ??=
          result === 'hold_expired' || result === 'hold_closed' ? 'interrupted' : 'balance_empty'
      }
    }
  }

  private async ensureAccounts(round: Round, due: readonly LiveSession[], owners: Map<string, string>) {
    const ids = new Set<string>([roundPoolAccountId(round.height)])
    for (const s of due) {
      ids.add(userAccountId(s.meme.creatorUserId))
      ids.add(userAccountId(owners.get(s.meme.id) ?? s.meme.ownerUserId))
    }
    const missing = [...ids].filter((id) => !this.ensuredAccounts.has(id))
    if (missing.length === 0) return
    await this.options.ledger.ensureAccounts(
      missing.map((id) => ({ id, kind: id.startsWith('pool:') ? 'pool' : 'user' })),
    )
    for (const id of missing) this.ensuredAccounts.add(id)
  }

  /**
   * Adds HOLD_SECONDS to holds that cover less than half of that, as far as the balance allows,
   * all in one ledger transaction.
   */
  private async topUp(touched: Set<string>): Promise<void> {
    const { rateSats, holdSeconds, ledger, repository } = this.options
    const low = [...this.sessions.values()].filter(
      (s) => !s.ending && !s.reconcile && s.holdSats - s.confirmed * s.rate < (holdSeconds * rateSats) / 2,
    )
    if (low.length === 0) return
    const balances = await repository.balances([...new Set(low.map((s) => s.accountId))])
    const planned: Array<{ session: LiveSession; add: number; expiresAt: Date }> = []
    const nowMs = this.now()
    for (const session of low) {
      const balance = balances.get(session.accountId)
      const add = Math.min(holdSeconds * session.rate, balance?.available ?? 0)
      if (!balance || add <= 0) continue
      balance.available -= add
      const coveredSeconds = (session.holdSats + add) / session.rate - session.confirmed
      planned.push({ session, add, expiresAt: this.holdExpiry(nowMs, coveredSeconds) })
    }
    if (planned.length === 0) return
    const results = await ledger.extendHolds(
      planned.map((p) => ({ holdId: p.session.holdId, addSats: p.add, expiresAt: p.expiresAt })),
    )
    for (const [index, { session, add }] of planned.entries()) {
      const result = results[index]
      if (result === 'ok') {
        session.holdSats += add
        touched.add(session.userId)
      } else if (result !== 'insufficient_funds') {
        session.reconcile = true
      }
    }
  }

  /**
   * Releases the holds of ending sessions whose last seconds are charged, records their end
   * and announces them, FLUSH_BATCH sessions per ledger transaction. A session still owing
   * seconds (the charge failed this time) waits for the next flush, unless the service is
   * closing, when what could not be charged is forgone rather than guessed.
   */
  private async finish(touched: Set<string>): Promise<void> {
    const ready = [...this.sessions.values()].filter(
      (s) => s.ending && (this.closing || (!s.reconcile && this.billable(s) <= s.charged)),
    )
    for (let i = 0; i < ready.length; i += FLUSH_BATCH) {
      await this.finishBatch(ready.slice(i, i + FLUSH_BATCH), touched)
    }
  }

  private async finishBatch(batch: readonly LiveSession[], touched: Set<string>): Promise<void> {
    const { ledger, repository } = this.options
    const released = await ledger.releaseHolds(
      batch.map((s) => s.holdId),
      'closed',
    )
    const done = batch.filter((session, index) => {
      const result = released[index]
      if (result === 'ok' || result === 'exists' || result === 'hold_closed') return true
      this.options.logger?.error({ session: session.id, released: result }, 'releasing a watch hold failed')
      return false
    })
    // A crash between the release and this write leaves the row active with its hold closed:
    // the sweeper ends it as interrupted with what the hold posted (endInterrupted).
    await repository.end(
      done.map((s) => ({
        id: s.id,
        reason: s.ending!,
        confirmedSeconds: s.confirmed,
        chargedSeconds: s.charged,
        chargedSats: s.chargedSats,
      })),
      new Date(this.now()),
    )
    for (const session of done) {
      this.sessions.delete(session.id)
      const mine = this.byUser.get(session.userId)
      mine?.delete(session.id)
      if (mine?.size === 0) this.byUser.delete(session.userId)
      touched.add(session.userId)
      const view = this.view(session, true)
      for (const resolve of session.waiters) resolve(view)
      this.options.onSessionEnded?.(session.userId, view)
    }
  }

  private async refreshBalances(touched: Set<string>): Promise<void> {
    if (touched.size === 0) return
    const accountIds = [...touched].map(userAccountId)
    const balances = await this.options.repository.balances(accountIds)
    for (const userId of touched) {
      const balance = balances.get(userAccountId(userId))
      if (!balance) continue
      for (const id of this.byUser.get(userId) ?? []) {
        const session = this.sessions.get(id)
        if (session) session.available = balance.available
      }
      this.options.onBalance?.(userId, { balanceSats: balance.balance, availableSats: balance.available })
    }
  }
}
