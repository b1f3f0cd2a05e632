/**
 * Seeded simulation of rounds and paid viewing (issue 6). About thirty viewers watch memes by
 * the second over a dozen and more rounds, on a fleet of two nodes that share the database, each
 * with its own watch service and round engine. Memes are approved, taken into rounds by blocks
 * and sometimes change owner; viewers start sessions (sometimes two or three at once, on either
 * node), confirm each second with random pauses (over 3 s ends a session), stop, disconnect, run
 * out of balance or reach the maximum length, and top up their balance. Both nodes flush every
 * second, concurrently. Blocks arrive before a flush, in bursts, inside a flush (after it picked
 * the round in progress and before it charged, so the charge feeds a round that has just closed)
 * and concurrently with the flushes, handled by one engine or by both at once; settleDue runs on
 * one engine or both at once; reorganisations announce an existing height again with another
 * hash. Processes die at the ledger's fault points inside a flush, a session start or a
 * settlement, and answers are lost after a commit; a node restarts (its sessions' memory is gone)
 * or the whole fleet does (time passes, and sometimes blocks never reached the engines), and the
 * sweeper expires the holds left behind. A prologue, without faults, ends the first round on a
 * tie in paid seconds.
 *
 * The test keeps its own account of what happened: the seconds the service acknowledged for
 * each session, the money funded, and, from the holds after every flush, which viewer paid how
 * many seconds for which meme into which round's pool. After every simulated second the database
 * agrees with it:
 *   conservation   the accounts sum to zero, the funding account is short by exactly what was
 *                  funded, the view clearing account by exactly what open holds have posted
 *   no negative    no account that may not go negative has a negative balance or holds more
 *                  than it has
 *   once only      no session is charged more than the seconds it was acknowledged, a session
 *                  that ends is charged exactly its confirmed seconds (none below the 3 s
 *                  minimum) and ends for the reason it had to, every charge is recorded on the
 *                  session, a session left by a dead process ends as interrupted with what its
 *                  hold posted, and a viewer's balance is its funding less its charges plus its
 *                  rewards
 *   engagement     round_viewers, round_meme_stats and the view streams hold exactly the seconds
 *                  and satoshis the oracle attributed, the streams are split by the quota method,
 *                  and reached_seq / qualified_seq order memes and viewers by when they got there
 *   rounds         each block's memes are the next ones in the queue; a round settles once, its
 *                  transfers never change afterwards (reorganisations and repeated settleDue
 *                  included), and its pool stays at zero once settled
 *   rewards        each settlement pays exactly what settleRound computes from the oracle's pool
 *                  and totals: top 3 memes by paid seconds (reached_seq breaks ties) 50/30/20 of
 *                  95%, creator 10% / owner 90% (the owner at settlement), 5% equally to the
 *                  first fast viewers; the prologue's tie goes to the meme that got there first
 *   rollover       what a settlement does not pay arrives in the pool of the round in progress
 *
 * SIM_SEED replays a run (the seed is in the test name and every failure message); SIM_TICKS
 * changes its length. On PGlite the concurrent steps interleave statement by statement on its one
 * connection, the same way each time; with DATABASE_URL set they run on PostgreSQL, where they
 * really overlap and a seed does not replay exactly.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WatchEndReason, WatchSessionView } from '../../contracts/watch.ts'
import type { BlockHeader } from '../../src/adapters/chain/source.ts'
import { type CompetingMeme, settleRound } from '../../src/domain/settlement.ts'
import { type SplitParts, splitTotal } from '../../src/domain/split.ts'
import { AppError } from '../../src/http/errors.ts'
import {
  PLATFORM_FEES_ACCOUNT,
  roundPoolAccountId,
  userAccountId,
  VIEW_CLEARING_ACCOUNT,
} from '../../src/ledger/accounts.ts'
import type { FaultPoint, Ledger } from '../../src/ledger/ledger.ts'
import {
  QUALIFY_SECONDS,
  RoundEngine,
  roundParamsFrom,
  SETTLE_DELAY_MS,
  settlementTransfers,
} from '../../src/services/rounds/round-engine.ts'
import type { WatchService } from '../../src/services/watch/watch.service.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, uid } from '../support/ledger.ts'
import { blockAt, WATCH_DEFAULTS, WatchWorld } from '../support/watch-world.ts'
import { SeededRandom, SimulatedCrash } from './harness.ts'

/** SIM_SEED replays another run, for hunting a failure a seed found. */
const SEED = Number(process.env.SIM_SEED ?? 20261206)
const TICKS = Number(process.env.SIM_TICKS ?? 300)
const VIEWERS = 30
const CREATORS = 5
const OWNERS = 4
const MEMES_PER_ROUND = 4
/** Fewer than the 100 of SPEC 2, so that the cut-off after the first fast viewers is exercised. */
const FAST_VIEWERS = 8
/** Short, so that sessions reach it. */
const MAX_SESSION_SECONDS = 45
const RATE = WATCH_DEFAULTS.rateSats
const MIN_SECONDS = WATCH_DEFAULTS.minBillableSeconds
const CONFIRM_TIMEOUT_MS = 3_000
const MIN_ROUNDS = 12
/** Servers billing viewers on one database, each with its own round engine. */
const NODES = 2
const PROLOGUE_TICKS = 16
const TIE_SECONDS = 12
const SPLIT = { feeBps: 200, directPct: 40, creatorPct: 10 }
const PARAMS = {
  ...roundParamsFrom({
    platformFeeBps: SPLIT.feeBps,
    directSharePct: SPLIT.directPct,
    creatorSharePct: SPLIT.creatorPct,
    memesPerRound: MEMES_PER_ROUND,
  }),
  fastViewers: FAST_VIEWERS,
}
const CRASH_PROBABILITY: Partial<Record<FaultPoint, number>> = {
  'post:afterHolds': 0.03,
  'post:afterStreams': 0.03,
  'post:beforeCommit': 0.03,
  'release:beforeCommit': 0.04,
  'hold:beforeCommit': 0.04,
  'transfer:beforeCommit': 0.25,
}
const LOST_ANSWER_PROBABILITY = 0.02
/**
 * A flush into which a block arrives sometimes stalls past SETTLE_DELAY_MS before it posts, as a
 * slow database or a flush of many batches would, so the round it picked settles meanwhile: its
 * charge must not land in the settled pool (billing refuses it and bills the round now open).
 * SIM_STALL_FLUSH=1 makes every such flush stall.
 */
const STALL_FLUSH_PROBABILITY = process.env.SIM_STALL_FLUSH === '1' ? 1 : process.env.DATABASE_URL ? 0 : 0.3
// On PostgreSQL the other node's flush really runs during the stall and its charge can land
// after the pool snapshot the settlement check compares with (the late-payment sweep moves it
// on); the oracle does not model that yet, so stalls are opt-in there (SIM_STALL_FLUSH=1).

/** A process that died after the database committed, before the caller heard the answer. */
class LostAnswer extends Error {
  override name = 'LostAnswer'
  constructor(readonly operation: string) {
    super(`answer lost after commit: ${operation}`)
  }
}

function isFault(error: unknown): boolean {
  return error instanceof SimulatedCrash || error instanceof LostAnswer
}

interface SimViewer {
  userId: string
  account: string
  funded: number
  fastRewards: number
}

interface SimMeme {
  id: string
  creator: string
  owner: string
  /** The round that took it; undefined while queued. */
  round: number | undefined
}

interface SimSession {
  id: string
  holdId: string
  viewer: SimViewer
  meme: SimMeme
  /** The node that runs it, and that node's process (a restart starts the next one). */
  node: SimNode
  process: number
  startedAtMs: number
  lastConfirmMs: number
  /** The confirmed seconds the service last acknowledged. */
  confirmed: number
  /** What its hold had posted after the last flush. */
  posted: number
  quietUntil: number | undefined
  /** The end the viewer asked for or was told about in a confirm reply. */
  knownReason: WatchEndReason | undefined
  /** The end a flush must have given it: 3 s without a confirmation, or the wall-clock maximum. */
  predicted: WatchEndReason | undefined
  /** The viewer no longer acts on it. */
  done: boolean
  endView: WatchSessionView | undefined
  /** Its process was replaced: the sweeper ends it. */
  orphaned: boolean
}

/** A server that bills the viewers connected to it; a fleet has several on one database. */
interface SimNode {
  index: number
  process: number
  watch: WatchService
  /** The round its last flush picked. */
  roundRead: number | undefined
}

interface Engagement {
  seconds: number
  /** The flush that last increased it (memes) or that took it to the qualifying seconds (viewers). */
  at: number | undefined
}

let db: TestDb
beforeAll(async () => {
  db = await openTestDb()
})
afterAll(async () => {
  await db?.close()
})

describe(`rounds simulation (seed ${SEED})`, () => {
  it('keeps money conserved, never charges a second twice, settles every round once by the reward rules and rolls the rest over, through crashes, restarts, concurrent sessions, blocks mid-flush and reorganisations', async () => {
    try {
      await simulate()
    } catch (error) {
      console.error(`rounds simulation failed with SIM_SEED=${SEED}; replay with SIM_SEED=${SEED}`)
      throw error
    }
  }, 300_000)
})

async function simulate(): Promise<void> {
  const random = new SeededRandom(SEED)
  const faultRandom = new SeededRandom((SEED ^ 0x9e3779b9) >>> 0)
  const counts = {
    crashes: 0,
    lostAnswers: 0,
    failedFlushes: 0,
    restarts: 0,
    fleetRestarts: 0,
    missedBlocks: 0,
    reorgs: 0,
    blocks: { before: 0, burst: 0, inFlush: 0, concurrent: 0 },
    doubleDeliveries: 0,
    doubleSettles: 0,
    crossNodeViewers: 0,
    lateCharges: 0,
    crossRoundCharges: 0,
    sessions: 0,
    concurrentStarts: 0,
    refusedStarts: {} as Record<string, number>,
    failedStarts: 0,
    settlements: 0,
    settleCrashes: 0,
    tiedTopPlaces: 0,
    cappedFastViewers: 0,
    emptyRounds: 0,
    trades: 0,
    sweptEarly: new Set<string>(),
    charges: 0,
    /** Starts that committed but whose answer was lost: sessions no process runs. */
    lostStarts: 0,
    endReasons: {} as Record<string, number>,
    crashPoints: {} as Record<string, number>,
  }
  let tick = 0
  const at = (what: string) => `seed ${SEED}, tick ${tick}: ${what}`

  let armed = false
  const onFault = (point: FaultPoint): void => {
    if (armed && faultRandom.chance(CRASH_PROBABILITY[point] ?? 0)) {
      counts.crashes++
      counts.crashPoints[point] = (counts.crashPoints[point] ?? 0) + 1
      throw new SimulatedCrash(point)
    }
  }
  const lose = <T>(operation: string, result: T): T => {
    if (armed && faultRandom.chance(LOST_ANSWER_PROBABILITY)) {
      counts.lostAnswers++
      throw new LostAnswer(operation)
    }
    return result
  }

  const world = await new WatchWorld(db, {}, { onFault }).init()
  const clock = world.clock
  // Every node of a fleet runs a round engine on the same blocks.
  const [engine, otherEngine] = [0, 1].map(
    () =>
      new RoundEngine({
        db: db.kysely,
        ledger: world.ledger,
        rounds: world.rounds,
        params: PARAMS,
        now: clock.now,
      }),
  ) as [RoundEngine, RoundEngine]

  // The ledger as the watch service sees it: answers of some commits are lost.
  const real = world.ledger
  const flaky = Object.create(real) as Ledger
  flaky.postViewSeconds = async (postings, alsoWrite) =>
    lose('postViewSeconds', await real.postViewSeconds(postings, alsoWrite))
  flaky.releaseHold = async (holdId, state) => lose('releaseHold', await real.releaseHold(holdId, state))
  flaky.createHold = async (input, alsoWrite) => {
    const result = await real.createHold(input, alsoWrite)
    try {
      return lose('createHold', result)
    } catch (error) {
      if (result === 'ok') counts.lostStarts++
      throw error
    }
  }

  // Two nodes bill viewers; each records the round its flush picked, and the first can be handed
  // a block to deliver right after it picked it.
  let blockInFlush: BlockHeader | undefined
  const startProcess = (node: SimNode): WatchService =>
    world.newService({
      ledger: flaky,
      rounds: { open: () => roundFor(node) },
      maxSessionSeconds: MAX_SESSION_SECONDS,
    })
  const nodes: SimNode[] = []
  for (let index = 0; index < NODES; index++) {
    const node = { index, process: 0, roundRead: undefined } as SimNode
    node.watch = startProcess(node)
    nodes.push(node)
  }
  async function roundFor(node: SimNode) {
    const round = await world.rounds.open()
    node.roundRead = round?.height
    const block = node.index === 0 ? blockInFlush : undefined
    if (block) {
      blockInFlush = undefined
      counts.blocks.inFlush++
      await deliver(block)
      if (random.chance(STALL_FLUSH_PROBABILITY)) {
        // The flush stalls past the settlement delay: the round it picked settles meanwhile.
        clock.advance(SETTLE_DELAY_MS + 1_000)
        await snapshotPools()
        const wasArmed = armed
        armed = false
        try {
          await engine.settleDue()
        } finally {
          armed = wasArmed
        }
      }
    }
    return round
  }

  // ---- the oracle ----
  const viewers: SimViewer[] = []
  const creators: string[] = []
  const owners: string[] = []
  const memes = new Map<string, SimMeme>()
  const queue: string[] = []
  const sessions: SimSession[] = []
  const sessionsById = new Map<string, SimSession>()
  let funded = 0
  let tip = 0
  let branch = 'a'
  const hashes = new Map<number, string>()
  const roundMemes = new Map<number, string[]>()
  const viewerRound = new Map<string, Engagement>()
  const memeRound = new Map<string, Engagement>()
  const streams = new Map<string, number>()
  const rolledInto = new Map<number, number>()
  const poolSnapshot = new Map<number, number>()
  const settled = new Map<number, { transfers: number; settledAt: string }>()
  let flushNo = 0
  let endedSeen = 0
  const splits = new Map<number, SplitParts>()
  const split = (total: number): SplitParts => {
    let parts = splits.get(total)
    if (!parts) {
      parts = splitTotal(total, SPLIT)
      splits.set(total, parts)
    }
    return parts
  }

  // ---- actors ----
  async function fund(viewer: SimViewer, sats: number): Promise<void> {
    const result = await world.ledger.transfer([
      {
        id: uid('sim-fund-'),
        debitAccountId: FUNDING_ACCOUNT,
        creditAccountId: viewer.account,
        amountSats: sats,
        code: 'deposit',
      },
    ])
    expect(result.status, at('funding')).toBe('ok')
    viewer.funded += sats
    funded += sats
  }

  async function approveMeme(): Promise<string> {
    const creator = random.pick(creators)
    const owner = random.chance(0.3) ? creator : random.pick(owners)
    const id = await world.approvedMeme(creator, owner)
    memes.set(id, { id, creator, owner, round: undefined })
    queue.push(id)
    return id
  }

  /** A meme changes hands: the owner share of later flushes, and its rewards, go to the buyer. */
  async function trade(): Promise<void> {
    const assigned = [...memes.values()].filter((m) => m.round !== undefined)
    if (assigned.length === 0) return
    const meme = random.pick(assigned)
    const buyer = random.pick([...owners, ...creators].filter((id) => id !== meme.owner))
    await sql`update memes set owner_user_id = ${buyer} where id = ${meme.id}`.execute(db.kysely)
    meme.owner = buyer
    counts.trades++
  }

  async function snapshotPools(): Promise<void> {
    const rows = await sql<{ height: number; balance_sats: number }>`
      select r.height, a.balance_sats from rounds r join accounts a on a.id = 'pool:' || r.height
      where r.state = 'closed'`.execute(db.kysely)
    for (const r of rows.rows) poolSnapshot.set(r.height, Number(r.balance_sats))
  }

  /** Hands a block to the engine; the oracle takes the next memes of the queue into a new round. */
  async function deliver(block: BlockHeader): Promise<void> {
    await snapshotPools()
    const isNew = block.height > tip
    try {
      if (random.chance(0.35)) {
        counts.doubleDeliveries++
        const outcomes = await Promise.allSettled([engine.onBlock(block), otherEngine.onBlock(block)])
        for (const o of outcomes) if (o.status === 'rejected') throw o.reason
      } else await engine.onBlock(block)
    } finally {
      hashes.set(block.height, block.hash)
      if (isNew) {
        tip = block.height
        const taken = queue.splice(0, MEMES_PER_ROUND)
        if (taken.length === 0) counts.emptyRounds++
        roundMemes.set(tip, taken)
        for (const id of taken) memes.get(id)!.round = tip
      }
    }
  }

  /** Runs work with crashes possible; a crash is survived (the next step recovers). */
  async function exposed(work: () => Promise<unknown>): Promise<boolean> {
    armed = true
    try {
      await work()
      return true
    } catch (error) {
      if (!isFault(error)) throw error
      return false
    } finally {
      armed = false
    }
  }

  function pickMeme(): SimMeme | undefined {
    const watchable = [...memes.values()].filter((m) => m.round !== undefined)
    if (watchable.length === 0) return undefined
    const current = watchable.filter((m) => m.round === tip)
    return current.length > 0 && random.chance(0.85) ? random.pick(current) : random.pick(watchable)
  }

  async function startSessions(viewer: SimViewer): Promise<void> {
    const n = random.chance(0.2) ? random.int(2, 3) : 1
    if (n > 1) counts.concurrentStarts++
    for (let i = 0; i < n; i++) {
      const meme = pickMeme()
      if (!meme) return
      await startOn(viewer, meme, random.pick(nodes), true)
    }
  }

  async function startOn(
    viewer: SimViewer,
    meme: SimMeme,
    node: SimNode,
    faults: boolean,
  ): Promise<SimSession | undefined> {
    armed = faults
    try {
      const reply = await node.watch.startSession(viewer.userId, meme.id)
      const id = reply.session.sessionId
      const now = clock.now().getTime()
      const session: SimSession = {
        id,
        holdId: `watch:${id}`,
        viewer,
        meme,
        node,
        process: node.process,
        startedAtMs: now,
        lastConfirmMs: now,
        confirmed: 0,
        posted: 0,
        quietUntil: undefined,
        knownReason: undefined,
        predicted: undefined,
        done: false,
        endView: undefined,
        orphaned: false,
      }
      if (live().some((other) => other.viewer === viewer && other.node !== node)) counts.crossNodeViewers++
      sessions.push(session)
      sessionsById.set(id, session)
      counts.sessions++
      return session
    } catch (error) {
      if (isFault(error)) counts.failedStarts++
      else if (
        error instanceof AppError &&
        (error.code === 'INSUFFICIENT_FUNDS' || error.code === 'WATCH_TOO_MANY_SESSIONS')
      )
        counts.refusedStarts[error.code] = (counts.refusedStarts[error.code] ?? 0) + 1
      else throw error
      return undefined
    } finally {
      armed = false
    }
  }

  const live = () => sessions.filter((s) => !s.endView && !s.orphaned)

  /** The reply of a session that has ended or is ending: only a session the service had to end. */
  function refusedAsEnded(s: SimSession, error: unknown): void {
    if (
      !(
        error instanceof AppError &&
        (error.code === 'WATCH_SESSION_ENDED' || error.code === 'WATCH_SESSION_NOT_FOUND')
      )
    )
      throw error
    expect(
      s.predicted,
      at(`session ${s.id} refused (${error.code}) though nothing should have ended it`),
    ).toBeDefined()
    s.done = true
  }

  function viewerActs(s: SimSession): void {
    if (s.done) return
    if (s.quietUntil !== undefined && tick < s.quietUntil) return
    s.quietUntil = undefined
    const roll = random.next()
    if (roll < 0.025) {
      stop(s)
    } else if (roll < 0.035) {
      s.node.watch.disconnected(s.viewer.userId, [s.id])
      if (!s.predicted) s.knownReason = 'disconnected'
      s.done = true
    } else if (roll < 0.065) {
      s.quietUntil = tick + random.int(2, 6)
    } else {
      // Mostly one confirmation a second; sometimes a client that sends three at once.
      confirm(s, random.chance(0.04) ? 3 : 1)
    }
  }

  function stop(s: SimSession): void {
    try {
      void s.node.watch.stop(s.viewer.userId, s.id)
      s.knownReason = 'stopped'
    } catch (error) {
      refusedAsEnded(s, error)
    }
    s.done = true
  }

  function confirm(s: SimSession, times: number): void {
    for (let i = 0; i < times; i++) {
      let view: WatchSessionView
      try {
        view = s.node.watch.confirm(s.viewer.userId, s.id)
      } catch (error) {
        refusedAsEnded(s, error)
        return
      }
      const now = clock.now().getTime()
      s.lastConfirmMs = now
      expect(
        view.confirmedSeconds,
        at(`confirmations of ${s.id} run ahead of the clock`),
      ).toBeLessThanOrEqual(Math.min(MAX_SESSION_SECONDS, Math.floor((now - s.startedAtMs) / 1000) + 1))
      expect(view.confirmedSeconds, at(`confirmed seconds of ${s.id} went back`)).toBeGreaterThanOrEqual(
        s.confirmed,
      )
      s.confirmed = view.confirmedSeconds
      if (view.endReason) {
        s.knownReason = view.endReason
        s.done = true
        return
      }
    }
  }

  /** What the flush's own check will end: 3 s without a confirmation, or the wall-clock maximum. */
  function predictQuietEnds(): void {
    const now = clock.now().getTime()
    for (const s of live()) {
      if (s.knownReason || s.predicted) continue
      if (now - s.lastConfirmMs > CONFIRM_TIMEOUT_MS) s.predicted = 'unconfirmed'
      else if (now - s.startedAtMs >= MAX_SESSION_SECONDS * 1000 + CONFIRM_TIMEOUT_MS)
        s.predicted = 'max_duration'
    }
  }

  /** After a flush: what each hold posted since the last one fed the round that flush picked. */
  async function attribute(): Promise<void> {
    const tracked = live()
    if (tracked.length === 0) return
    const rows = await db.kysely
      .selectFrom('holds')
      .select(['id', 'posted_sats'])
      .where(
        'id',
        'in',
        tracked.map((s) => s.holdId),
      )
      .execute()
    const posted = new Map(rows.map((r) => [r.id, Number(r.posted_sats)]))
    for (const s of tracked) {
      const now = posted.get(s.holdId) ?? 0
      const delta = now - s.posted
      expect(delta, at(`hold of ${s.id} posted less than before`)).toBeGreaterThanOrEqual(0)
      if (delta === 0) continue
      const h = s.node.roundRead
      expect(h, at(`hold of ${s.id} was posted to without a round`)).toBeDefined()
      if (h === undefined) continue
      counts.charges++
      if (h < tip) counts.lateCharges++
      const seconds = delta / RATE
      s.posted = now
      const vk = `${h}:${s.viewer.userId}`
      const v = viewerRound.get(vk) ?? { seconds: 0, at: undefined }
      if (v.seconds < QUALIFY_SECONDS && v.seconds + seconds >= QUALIFY_SECONDS) v.at = flushNo
      v.seconds += seconds
      viewerRound.set(vk, v)
      if (s.meme.round === h) {
        const mk = `${h}:${s.meme.id}`
        const m = memeRound.get(mk) ?? { seconds: 0, at: undefined }
        m.seconds += seconds
        m.at = flushNo
        memeRound.set(mk, m)
      } else {
        counts.crossRoundCharges++
      }
      const stream = `view:${h}:${s.meme.id}:${s.meme.owner}`
      streams.set(stream, (streams.get(stream) ?? 0) + delta)
    }
  }

  /** The ends the service announced: each with the reason it had to have and every second charged. */
  function takeEnds(): void {
    for (; endedSeen < world.ended.length; endedSeen++) {
      const { view } = world.ended[endedSeen]!
      const s = sessionsById.get(view.sessionId)
      expect(s, at(`an unknown session ${view.sessionId} ended`)).toBeDefined()
      if (!s) continue
      expect(s.endView, at(`session ${s.id} ended twice`)).toBeUndefined()
      s.endView = view
      s.done = true
      counts.endReasons[view.endReason ?? 'none'] = (counts.endReasons[view.endReason ?? 'none'] ?? 0) + 1
      expect(view.endReason, at(`end reason of session ${s.id}`)).toBe(s.knownReason ?? s.predicted)
      expect(view.confirmedSeconds, at(`confirmed seconds of ended session ${s.id}`)).toBe(s.confirmed)
      expect(view.chargedSats, at(`charge of ended session ${s.id} (${s.confirmed} s confirmed)`)).toBe(
        s.confirmed >= MIN_SECONDS ? s.confirmed * RATE : 0,
      )
      expect(s.posted, at(`hold of ended session ${s.id}`)).toBe(view.chargedSats)
    }
  }

  async function flush(mode: 'plain' | 'inFlush' | 'concurrent', faults = true): Promise<void> {
    predictQuietEnds()
    for (const node of nodes) node.roundRead = undefined
    flushNo++
    armed = faults
    if (mode === 'inFlush') blockInFlush = blockAt(tip + 1, branch)
    const work = nodes.map((node) => node.watch.flush())
    if (mode === 'concurrent') {
      counts.blocks.concurrent++
      work.push(deliver(blockAt(tip + 1, branch)))
    }
    const outcomes = await Promise.allSettled(work)
    armed = false
    for (const o of outcomes) {
      if (o.status === 'fulfilled') continue
      if (!isFault(o.reason)) throw o.reason
      counts.failedFlushes++
    }
    // A flush that had nothing to charge never picked a round: its block comes right after.
    const pending = blockInFlush
    blockInFlush = undefined
    if (pending) {
      counts.blocks.before++
      await exposed(() => deliver(pending))
    }
    await attribute()
    takeEnds()
  }

  /**
   * A node dies and starts again: its sessions' memory is gone and their holds are left to the
   * sweeper. The other node carries on, so time does not jump, unless the whole fleet went down;
   * then the clock moves on by up to a few minutes, and sometimes blocks that came meanwhile
   * never reached the engines, which see only the tip.
   */
  async function restart(): Promise<void> {
    counts.restarts++
    const fleet = random.chance(0.4)
    const down = fleet ? nodes : [random.pick(nodes)]
    for (const node of down) {
      for (const s of live()) if (s.node === node) s.orphaned = true
      node.process++
      node.watch = startProcess(node)
    }
    if (fleet) {
      counts.fleetRestarts++
      clock.advance(random.int(5, 150) * 1000)
      if (random.chance(0.5)) {
        counts.missedBlocks++
        await exposed(() => deliver(blockAt(tip + random.int(2, 3), branch)))
      }
    }
    // A start hands the engine the tip it already has.
    await exposed(() => deliver(blockAt(tip, branch)))
    await checkNewSettlements()
    await sweep()
  }

  async function sweep(): Promise<void> {
    await world.ledger.expireHolds()
    await world.repository.endInterrupted(clock.now())
  }

  async function reorg(): Promise<void> {
    counts.reorgs++
    const heights = [...hashes.keys()]
    const h = random.chance(0.5) ? tip : random.pick(heights)
    const next = String.fromCharCode(branch.charCodeAt(0) + 1)
    await exposed(() => deliver(blockAt(h, next)))
    if (h === tip) branch = next
    await checkNewSettlements()
  }

  async function settleDue(): Promise<void> {
    await snapshotPools()
    const both = random.chance(0.5)
    if (both) counts.doubleSettles++
    const settling = () =>
      both
        ? Promise.allSettled([engine.settleDue(), otherEngine.settleDue()]).then((outcomes) => {
            for (const o of outcomes) if (o.status === 'rejected') throw o.reason
          })
        : engine.settleDue()
    if (!(await exposed(settling))) counts.settleCrashes++
    await checkNewSettlements()
  }

  // ---- invariants ----
  function poolFromViews(h: number): number {
    let sats = 0
    for (const [stream, total] of streams) if (stream.startsWith(`view:${h}:`)) sats += split(total).pool
    return sats
  }

  /** Each round settled since the last look paid exactly what the reward rules say, once. */
  async function checkNewSettlements(): Promise<void> {
    const rows = await db.kysely
      .selectFrom('rounds')
      .select(['height', 'settled_at'])
      .where('state', '=', 'settled')
      .execute()
    for (const row of rows.sort((a, b) => a.height - b.height)) {
      if (settled.has(row.height)) continue
      await verifySettlement(row.height, String(row.settled_at))
    }
  }

  async function verifySettlement(h: number, settledAt: string): Promise<void> {
    counts.settlements++
    const pool = roundPoolAccountId(h)
    const left = await balance(pool)
    expect(left, at(`pool of round ${h} still holds ${left} sats after its settlement`)).toBe(0)
    const poolSats = poolFromViews(h) + (rolledInto.get(h) ?? 0)
    expect(poolSnapshot.get(h), at(`pool of round ${h} before its settlement`)).toBe(poolSats)
    const stats = await db.kysely
      .selectFrom('round_meme_stats')
      .select(['meme_id', 'reached_seq'])
      .where('round_height', '=', h)
      .execute()
    const reached = new Map(stats.map((r) => [r.meme_id, Number(r.reached_seq)]))
    const competing: CompetingMeme[] = (roundMemes.get(h) ?? []).map((id) => {
      const meme = memes.get(id)!
      return {
        memeId: id,
        creatorAccountId: userAccountId(meme.creator),
        ownerAccountId: userAccountId(meme.owner),
        paidSeconds: memeRound.get(`${h}:${id}`)?.seconds ?? 0,
        reachedAtSeq: reached.get(id) ?? 0,
      }
    })
    const qualifiedRows = await db.kysely
      .selectFrom('round_viewers')
      .select(['user_id', 'qualified_seq'])
      .where('round_height', '=', h)
      .where('qualified_seq', 'is not', null)
      .execute()
    const qualifiedSeq = new Map(qualifiedRows.map((r) => [r.user_id, Number(r.qualified_seq)]))
    const fast = viewers
      .filter((v) => (viewerRound.get(`${h}:${v.userId}`)?.seconds ?? 0) >= QUALIFY_SECONDS)
      .sort(
        (a, b) =>
          viewerRound.get(`${h}:${a.userId}`)!.at! - viewerRound.get(`${h}:${b.userId}`)!.at! ||
          (qualifiedSeq.get(a.userId) ?? 0) - (qualifiedSeq.get(b.userId) ?? 0),
      )
    if (fast.length > FAST_VIEWERS) counts.cappedFastViewers++
    const expected = settleRound({
      poolSats,
      params: {
        topWeights: PARAMS.topWeights,
        topSharePct: PARAMS.topSharePct,
        viewerSharePct: PARAMS.viewerSharePct,
        fastViewers: PARAMS.fastViewers,
        creatorPct: PARAMS.creatorPct,
      },
      memes: competing,
      qualifyingViewerIds: fast.map((v) => v.account),
    })
    // The ranking by the rule itself: paid seconds, then who reached them first.
    const ranked = competing
      .filter((m) => m.paidSeconds > 0)
      .sort(
        (a, b) =>
          b.paidSeconds - a.paidSeconds || a.reachedAtSeq - b.reachedAtSeq || (a.memeId < b.memeId ? -1 : 1),
      )
    expect(
      expected.ranking.map((r) => r.memeId),
      at(`ranking of round ${h}`),
    ).toEqual(ranked.slice(0, PARAMS.topWeights.length).map((m) => m.memeId))
    for (let i = 1; i < Math.min(ranked.length, PARAMS.topWeights.length + 1); i++)
      if (ranked[i]!.paidSeconds === ranked[i - 1]!.paidSeconds) counts.tiedTopPlaces++
    const nextPool = roundPoolAccountId(tip > h ? tip : h + 1)
    const want = settlementTransfers(h, pool, nextPool, expected).map((t) => ({
      id: t.id,
      debit: t.debitAccountId,
      credit: t.creditAccountId,
      amount: t.amountSats,
      code: t.code,
    }))
    const got = await settlementOf(h)
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
    expect(got.sort(byId), at(`settlement transfers of round ${h}`)).toEqual(want.sort(byId))
    if (expected.rolloverSats > 0) {
      const into = tip > h ? tip : h + 1
      rolledInto.set(into, (rolledInto.get(into) ?? 0) + expected.rolloverSats)
    }
    for (const v of fast.slice(0, FAST_VIEWERS)) v.fastRewards += expected.fastViewerSats
    settled.set(h, { transfers: got.length, settledAt })
  }

  async function settlementOf(h: number) {
    const rows = await db.kysely
      .selectFrom('transfers')
      .select(['id', 'debit_account_id', 'credit_account_id', 'amount_sats', 'code'])
      .where('id', 'like', `round:${h}:%`)
      .execute()
    return rows.map((r) => ({
      id: r.id,
      debit: r.debit_account_id,
      credit: r.credit_account_id,
      amount: Number(r.amount_sats),
      code: r.code,
    }))
  }

  async function balance(account: string): Promise<number> {
    const row = await db.kysely
      .selectFrom('accounts')
      .select('balance_sats')
      .where('id', '=', account)
      .executeTakeFirst()
    return Number(row?.balance_sats ?? 0)
  }

  async function checkInvariants(full: boolean): Promise<void> {
    // Conservation.
    expect(await world.ledger.sumOfBalances(), at('sum of balances')).toBe(0)
    expect(await balance(FUNDING_ACCOUNT), at('funding account')).toBe(-funded)
    expect(
      (await balance(VIEW_CLEARING_ACCOUNT)) + (await world.ledger.openPostedSats()),
      at('view clearing'),
    ).toBe(0)
    // No negative balance.
    const negative = await sql<{ id: string }>`
      select id from accounts
      where not allow_negative and (balance_sats < 0 or held_sats < 0 or held_sats > balance_sats)`.execute(
      db.kysely,
    )
    expect(negative.rows, at('accounts below zero')).toEqual([])

    // Sessions: charged what their holds posted, never more than acknowledged.
    const rows = await sql<{
      id: string
      state: string
      end_reason: string | null
      confirmed_seconds: number
      charged_seconds: number
      charged_sats: number
      posted_sats: number
      hold_state: string
    }>`
      select w.id, w.state, w.end_reason, w.confirmed_seconds, w.charged_seconds, w.charged_sats,
             h.posted_sats, h.state as hold_state
      from watch_sessions w join holds h on h.id = w.hold_id`.execute(db.kysely)
    // A start whose answer was lost after its commit left a session no process runs: it is
    // never charged, and ends as interrupted once its hold expires.
    expect(rows.rows.length, at('watch sessions recorded')).toBe(sessions.length + counts.lostStarts)
    for (const r of rows.rows) {
      const s = sessionsById.get(r.id)
      if (!s) {
        expect(
          [Number(r.charged_sats), Number(r.posted_sats)],
          at(`unknown session ${r.id}: charged`),
        ).toEqual([0, 0])
        if (r.hold_state !== 'open')
          expect([r.state, r.end_reason], at(`unknown session ${r.id}: ended`)).toEqual([
            'ended',
            'interrupted',
          ])
        continue
      }
      const posted = Number(r.posted_sats)
      const what = `session ${s.id} (${s.confirmed} s acknowledged, process ${s.process})`
      expect(Number(r.charged_sats), at(`${what}: recorded charge vs hold`)).toBe(posted)
      expect(Number(r.charged_seconds) * RATE, at(`${what}: charged seconds`)).toBe(posted)
      expect(posted, at(`${what}: charged more than acknowledged`)).toBeLessThanOrEqual(s.confirmed * RATE)
      expect(posted, at(`${what}: posted outside an attributed flush`)).toBe(s.posted)
      expect(r.confirmed_seconds, at(`${what}: recorded confirmations`)).toBeLessThanOrEqual(s.confirmed)
      if (s.endView) {
        expect([r.state, r.hold_state === 'open'], at(`${what}: ended`)).toEqual(['ended', false])
        if (r.end_reason !== s.endView.endReason) {
          // The sweeper got there between the release of the hold and the session's end.
          expect(r.end_reason, at(`${what}: end reason`)).toBe('interrupted')
          counts.sweptEarly.add(s.id)
        }
      } else if (s.orphaned && r.hold_state !== 'open') {
        expect([r.state, r.end_reason], at(`${what}: left by a dead process`)).toEqual([
          'ended',
          'interrupted',
        ])
      } else if (!s.orphaned) {
        if (r.state === 'ended') counts.sweptEarly.add(s.id)
        // A hold is released only once its session is ending (an answer lost after the release
        // leaves the session to be ended by the next flush).
        else if (r.hold_state !== 'open')
          expect(
            s.knownReason ?? s.predicted,
            at(`${what}: hold released under a running session`),
          ).toBeDefined()
      }
    }
    // Holds no session row knows (a start whose answer was lost) never post.
    const stray = await sql<{ id: string; posted_sats: number }>`
      select id, posted_sats from holds h
      where not exists (select 1 from watch_sessions w where w.hold_id = h.id) and posted_sats <> 0`.execute(
      db.kysely,
    )
    expect(stray.rows, at('holds without a session that posted')).toEqual([])

    // Viewers: funding − charges + rewards; 'view' transfers are exactly the settled postings.
    const accounts = await sql<{
      id: string
      balance_sats: number
      posted_all: string
      posted_open: string
      view_paid: string
      rewards: string
    }>`
      select a.id, a.balance_sats,
        coalesce((select sum(posted_sats) from holds h where h.account_id = a.id), 0)::text as posted_all,
        coalesce((select sum(posted_sats) from holds h where h.account_id = a.id and h.state = 'open'), 0)::text as posted_open,
        coalesce((select sum(amount_sats) from transfers t where t.debit_account_id = a.id and t.code = 'view'), 0)::text as view_paid,
        coalesce((select sum(amount_sats) from transfers t where t.credit_account_id = a.id), 0)::text as rewards
      from accounts a where a.id in (${sql.join(viewers.map((v) => v.account))})`.execute(db.kysely)
    const byAccount = new Map(accounts.rows.map((r) => [r.id, r]))
    for (const v of viewers) {
      const r = byAccount.get(v.account)!
      const postedAll = Number(r.posted_all)
      const postedOpen = Number(r.posted_open)
      const oracleCharged = sessions.filter((s) => s.viewer === v).reduce((sum, s) => sum + s.posted, 0)
      expect(postedAll, at(`viewer ${v.userId}: charges`)).toBe(oracleCharged)
      expect(Number(r.view_paid), at(`viewer ${v.userId}: view transfers`)).toBe(postedAll - postedOpen)
      // Credits are deposits and fast-viewer rewards (a viewer creates nothing).
      expect(Number(r.rewards), at(`viewer ${v.userId}: credits`)).toBe(v.funded + v.fastRewards)
      expect(Number(r.balance_sats) - postedOpen, at(`viewer ${v.userId}: balance`)).toBe(
        v.funded - postedAll + v.fastRewards,
      )
    }

    // Rounds: the delivered blocks, the right memes, each settled once and for good.
    const roundRows = await db.kysely
      .selectFrom('rounds')
      .select(['height', 'block_hash', 'state', 'settled_at'])
      .execute()
    expect(roundRows.length, at('rounds')).toBe(hashes.size)
    for (const r of roundRows) {
      expect(r.block_hash, at(`hash of round ${r.height}`)).toBe(hashes.get(r.height))
      const once = settled.get(r.height)
      if (r.height === tip) expect(r.state, at(`round ${r.height} in progress`)).toBe('open')
      else if (once) {
        expect([r.state, String(r.settled_at)], at(`round ${r.height} settled once`)).toEqual([
          'settled',
          once.settledAt,
        ])
      } else expect(r.state, at(`round ${r.height} awaiting settlement`)).toBe('closed')
    }
    const settlementCounts = await sql<{ h: number; n: number }>`
      select split_part(id, ':', 2)::int as h, count(*)::int as n from transfers
      where id like 'round:%' group by 1`.execute(db.kysely)
    for (const { h, n } of settlementCounts.rows) {
      expect(n, at(`settlement transfers of round ${h}`)).toBe(settled.get(h)?.transfers)
    }
    const pools = await sql<{ id: string; balance_sats: number }>`
      select id, balance_sats from accounts where kind = 'pool' and balance_sats <> 0`.execute(db.kysely)
    for (const p of pools.rows) {
      const h = Number(p.id.split(':')[1])
      expect(settled.has(h), at(`${p.id} holds ${p.balance_sats} sats after its settlement`)).toBe(false)
      expect(Number(p.balance_sats), at(`${p.id}: views + rollover`)).toBe(
        poolFromViews(h) + (rolledInto.get(h) ?? 0),
      )
    }
    const assigned = await db.kysely
      .selectFrom('round_memes')
      .select(['round_height', 'meme_id', 'slot'])
      .orderBy('round_height')
      .orderBy('slot')
      .execute()
    const assignedBy = new Map<number, string[]>()
    for (const a of assigned)
      assignedBy.set(a.round_height, [...(assignedBy.get(a.round_height) ?? []), a.meme_id])
    for (const [h, ids] of roundMemes) {
      expect(assignedBy.get(h) ?? [], at(`memes of round ${h}`)).toEqual(ids)
    }

    // Engagement: what the oracle attributed, ordered by when it was reached.
    const viewerRows = await db.kysely
      .selectFrom('round_viewers')
      .select(['round_height', 'user_id', 'paid_seconds', 'qualified_seq'])
      .execute()
    expect(viewerRows.length, at('round_viewers rows')).toBe(viewerRound.size)
    for (const r of viewerRows) {
      const o = viewerRound.get(`${r.round_height}:${r.user_id}`)
      expect(Number(r.paid_seconds), at(`round_viewers ${r.round_height}/${r.user_id}`)).toBe(o?.seconds)
      expect(r.qualified_seq !== null, at(`qualification of ${r.user_id} in ${r.round_height}`)).toBe(
        (o?.seconds ?? 0) >= QUALIFY_SECONDS,
      )
    }
    const qualified = viewerRows
      .filter((r) => r.qualified_seq !== null)
      .sort((a, b) => Number(a.qualified_seq) - Number(b.qualified_seq))
      .map((r) => viewerRound.get(`${r.round_height}:${r.user_id}`)!.at!)
    expect(isSorted(qualified), at('qualified_seq follows the order viewers qualified in')).toBe(true)
    const memeRows = await db.kysely
      .selectFrom('round_meme_stats')
      .select(['round_height', 'meme_id', 'paid_seconds', 'revenue_sats', 'reached_seq'])
      .execute()
    expect(memeRows.length, at('round_meme_stats rows')).toBe(memeRound.size)
    for (const r of memeRows) {
      const o = memeRound.get(`${r.round_height}:${r.meme_id}`)
      expect(
        [Number(r.paid_seconds), Number(r.revenue_sats)],
        at(`round_meme_stats ${r.round_height}/${r.meme_id}`),
      ).toEqual([o?.seconds, (o?.seconds ?? 0) * RATE])
    }
    const reachedOrder = memeRows
      .sort((a, b) => Number(a.reached_seq) - Number(b.reached_seq))
      .map((r) => memeRound.get(`${r.round_height}:${r.meme_id}`)!.at!)
    expect(isSorted(reachedOrder), at('reached_seq follows the order memes reached their totals in')).toBe(
      true,
    )
    const streamRows = await sql<{
      id: string
      fee_sats: number
      creator_sats: number
      owner_sats: number
      pool_sats: number
    }>`select id, fee_sats, creator_sats, owner_sats, pool_sats from split_streams where id like 'view:%'`.execute(
      db.kysely,
    )
    expect(streamRows.rows.length, at('view streams')).toBe(streams.size)
    for (const r of streamRows.rows) {
      const total = streams.get(r.id)
      expect(total, at(`unknown stream ${r.id}`)).toBeDefined()
      const want = split(total ?? 0)
      expect(
        [r.fee_sats, r.creator_sats, r.owner_sats, r.pool_sats].map(Number),
        at(`split of stream ${r.id} (${total} sats)`),
      ).toEqual([want.fee, want.creator, want.owner, want.pool])
    }
    if (full) {
      // The legs credited from each stream add up to what the stream took.
      const legs = await sql<{ ref: string; sats: string }>`
        select ref, sum(amount_sats)::text as sats from transfers where code like 'split.%' group by ref`.execute(
        db.kysely,
      )
      expect(legs.rows.length, at('streams with legs')).toBe(streams.size)
      for (const l of legs.rows) expect(Number(l.sats), at(`legs of ${l.ref}`)).toBe(streams.get(l.ref))
      // Revenue of each meme in its round equals what its streams of that round took.
      for (const [key, o] of memeRound) {
        const [h, memeId] = key.split(':') as [string, string]
        let took = 0
        for (const [id, total] of streams) if (id.startsWith(`view:${h}:${memeId}:`)) took += total
        expect(o.seconds * RATE, at(`revenue of ${memeId} in ${h}`)).toBe(took)
      }
      // Paid seconds of the viewers in a round equal what its streams took.
      const byRound = new Map<string, number>()
      for (const [key, o] of viewerRound) {
        const h = key.split(':')[0]!
        byRound.set(h, (byRound.get(h) ?? 0) + o.seconds * RATE)
      }
      const streamByRound = new Map<string, number>()
      for (const [id, total] of streams) {
        const h = id.split(':')[1]!
        streamByRound.set(h, (streamByRound.get(h) ?? 0) + total)
      }
      expect(byRound, at('paid seconds per round vs view streams')).toEqual(streamByRound)
    }
  }

  // ---- the run ----
  for (let i = 0; i < CREATORS; i++) creators.push(await world.newUser())
  for (let i = 0; i < OWNERS; i++) owners.push(await world.newUser())
  for (let i = 0; i < VIEWERS; i++) {
    const userId = await world.newUser()
    const viewer: SimViewer = { userId, account: userAccountId(userId), funded: 0, fastRewards: 0 }
    viewers.push(viewer)
    await fund(viewer, random.chance(0.25) ? random.int(10, 60) : random.int(150, 600))
  }
  // Prologue, without faults: the first round's two memes end on equal paid seconds, and the one
  // whose viewer started later, so that it reached the total one flush later, has the lower id.
  // The reward rules give it second place: the tie goes to whoever reached the total first.
  const [lowId, highId] = [await approveMeme(), await approveMeme()].sort() as [string, string]
  await deliver(blockAt(850_000, branch))
  const tieRound = tip
  const scripted = [
    { viewer: viewers[0]!, meme: memes.get(highId)!, from: 1, session: undefined as SimSession | undefined },
    { viewer: viewers[1]!, meme: memes.get(lowId)!, from: 2, session: undefined as SimSession | undefined },
  ]
  for (const p of scripted) await fund(p.viewer, 100)
  for (let i = 0; i < 4; i++) await approveMeme()
  for (tick = 1; tick <= PROLOGUE_TICKS; tick++) {
    clock.advance(1000)
    for (const p of scripted) {
      if (tick === p.from) p.session = await startOn(p.viewer, p.meme, nodes[0]!, false)
      else if (p.session && !p.session.done) {
        if (p.session.confirmed < TIE_SECONDS) confirm(p.session, 1)
        else stop(p.session)
      }
    }
    await flush('plain', false)
    await checkInvariants(false)
  }
  expect(
    scripted.map((p) => memeRound.get(`${tieRound}:${p.meme.id}`)),
    at('the prologue ties'),
  ).toEqual([
    { seconds: TIE_SECONDS, at: expect.any(Number) },
    { seconds: TIE_SECONDS, at: expect.any(Number) },
  ])
  await deliver(blockAt(tip + 1, branch))
  let nextBlockTick = random.int(12, 30)
  let nextRestart = random.int(Math.floor(TICKS / 4), Math.floor(TICKS / 2))
  let reorgs = 0

  for (; tick <= TICKS; tick++) {
    clock.advance(1000)
    if (random.chance(0.15)) await approveMeme()
    if (random.chance(0.04)) await fund(random.pick(viewers), random.int(20, 200))
    if (random.chance(0.03)) await trade()
    for (const s of live()) viewerActs(s)
    for (const viewer of viewers) {
      const watching = live().some((s) => s.viewer === viewer && !s.done)
      if (!watching && random.chance(0.06)) await startSessions(viewer)
    }

    let mode: 'plain' | 'inFlush' | 'concurrent' = 'plain'
    if (tick >= nextBlockTick) {
      nextBlockTick = tick + random.int(12, 30)
      const kind = random.pick(['before', 'burst', 'inFlush', 'inFlush', 'concurrent', 'concurrent'] as const)
      if (kind === 'before' || kind === 'burst') {
        const n = kind === 'burst' ? random.int(2, 3) : 1
        counts.blocks[kind]++
        for (let i = 0; i < n; i++) {
          await exposed(() => deliver(blockAt(tip + 1, branch)))
          await checkNewSettlements()
        }
      } else mode = kind
    }
    await flush(mode)
    await checkNewSettlements()

    if (random.chance(0.3)) await settleDue()
    if (random.chance(0.025) || (reorgs === 0 && tick === Math.floor(TICKS / 3))) {
      reorgs++
      await reorg()
    }
    if (tick === nextRestart || random.chance(0.008)) {
      nextRestart = -1
      await restart()
    } else if (tick % 10 === 0) await sweep()
    await checkInvariants(tick % 10 === 0)
  }

  // ---- wind down: everyone stops, the last round closes and settles, the sweeper runs ----
  for (const s of live()) if (!s.done) stop(s)
  for (let i = 0; i < 20 && live().length > 0; i++) {
    clock.advance(1000)
    await flush('plain')
  }
  expect(live(), at('sessions still running after the wind-down')).toEqual([])
  await exposed(() => deliver(blockAt(tip + 1, branch)))
  clock.advance(6_000)
  await snapshotPools()
  await engine.settleDue()
  await checkNewSettlements()
  clock.advance(10 * 60_000)
  await sweep()
  await checkInvariants(true)

  const unsettled = await db.kysely
    .selectFrom('rounds')
    .select('height')
    .where('state', '<>', 'settled')
    .execute()
  expect(
    unsettled.map((r) => r.height),
    at('rounds left unsettled'),
  ).toEqual([tip])
  expect(await world.ledger.openPostedSats(), at('open postings at the end')).toBe(0)
  expect(await balance(VIEW_CLEARING_ACCOUNT), at('view clearing at the end')).toBe(0)
  const open = await sql<{ n: number }>`
    select (select count(*) from holds where state = 'open')::int
         + (select count(*) from watch_sessions where state = 'active')::int as n`.execute(db.kysely)
  expect(open.rows[0]?.n, at('open holds or active sessions at the end')).toBe(0)
  // Everything funded is with the viewers, the memes' people, the platform or the last pool.
  let inside = (await balance(PLATFORM_FEES_ACCOUNT)) + (await balance(roundPoolAccountId(tip)))
  for (const id of [...viewers.map((v) => v.userId), ...creators, ...owners])
    inside += await balance(userAccountId(id))
  expect(inside, at('funded money, accounted for')).toBe(funded)
  expect(await balance(roundPoolAccountId(tip)), at('the last pool holds the last rollover')).toBe(
    rolledInto.get(tip) ?? 0,
  )

  // The prologue's tie went to the meme that reached its total first, not to the lower id.
  const top = await sql<{ id: string }>`
    select id from transfers where id like ${`round:${tieRound}:top%:owner`} order by id`.execute(db.kysely)
  expect(
    top.rows.map((r) => r.id),
    at('places of the tied round'),
  ).toEqual([`round:${tieRound}:top1:${highId}:owner`, `round:${tieRound}:top2:${lowId}:owner`])

  console.info(
    `rounds sim seed ${SEED}: ${TICKS} ticks, ${counts.settlements} rounds settled, ${counts.sessions} sessions ` +
      `(${counts.concurrentStarts} concurrent starts, refused ${JSON.stringify(counts.refusedStarts)}, ${counts.failedStarts} died), ` +
      `ends ${JSON.stringify(counts.endReasons)}, ${counts.crashes} crashes ${JSON.stringify(counts.crashPoints)}, ` +
      `${counts.lostAnswers} lost answers, ${counts.failedFlushes} failed flushes, ${counts.settleCrashes} failed settleDue, ` +
      `${counts.restarts} restarts (${counts.fleetRestarts} of the whole fleet, ${counts.missedBlocks} with missed blocks), ${counts.reorgs} reorgs, ` +
      `${counts.doubleDeliveries} blocks handled by two engines at once, ${counts.doubleSettles} settleDue by two engines at once, ` +
      `${counts.crossNodeViewers} viewers watching on two nodes at once, ` +
      `blocks ${JSON.stringify(counts.blocks)}, ${counts.charges} charges, ${counts.lateCharges} into a just-closed round, ` +
      `${counts.crossRoundCharges} charges for earlier rounds' memes, ${counts.emptyRounds} rounds without memes, ${counts.trades} trades, ` +
      `${counts.tiedTopPlaces} ties among the top, ${counts.cappedFastViewers} rounds with more fast viewers than paid, ` +
      `${counts.sweptEarly.size} sessions swept while their end was being written`,
  )
  // The run exercised what it claims to.
  expect(counts.settlements).toBeGreaterThanOrEqual(MIN_ROUNDS)
  expect(counts.crashes).toBeGreaterThan(0)
  expect(counts.lostAnswers).toBeGreaterThan(0)
  expect(counts.failedFlushes).toBeGreaterThan(0)
  expect(counts.restarts).toBeGreaterThan(0)
  expect(counts.reorgs).toBeGreaterThan(0)
  expect(counts.concurrentStarts).toBeGreaterThan(0)
  expect(counts.lateCharges).toBeGreaterThan(0)
  expect(counts.endReasons.stopped ?? 0).toBeGreaterThan(0)
  expect(counts.endReasons.unconfirmed ?? 0).toBeGreaterThan(0)
}

function isSorted(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || values[i - 1]! <= v)
}
