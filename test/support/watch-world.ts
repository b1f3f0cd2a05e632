/**
 * A world for watch-session tests: a migrated database, the ledger, the round engine and a
 * WatchService on a simulated clock, with builders for viewers, memes and blocks. Flushes run
 * when the test says so (the service's loop is not started), so every step is deterministic.
 */
import { createHash, randomUUID } from 'node:crypto'
import { PrivateKey } from '@bsv/sdk'
import { sql } from 'kysely'
import type { BlockHeader } from '../../src/adapters/chain/source.ts'
import { userAccountId } from '../../src/ledger/accounts.ts'
import type { LedgerOptions } from '../../src/ledger/ledger.ts'
import { RoundEngine, roundParamsFrom, SETTLE_DELAY_MS } from '../../src/services/rounds/round-engine.ts'
import { RoundsRepository } from '../../src/services/rounds/rounds.repository.ts'
import { WatchRepository } from '../../src/services/watch/watch.repository.ts'
import { WatchService, type WatchServiceOptions } from '../../src/services/watch/watch.service.ts'
import { SimClock } from '../sim/harness.ts'
import type { TestDb } from './db.ts'
import { FUNDING_ACCOUNT, LedgerContext, uid } from './ledger.ts'

export const WATCH_DEFAULTS = {
  rateSats: 1,
  minBillableSeconds: 3,
  maxSessionSeconds: 3600,
  holdSeconds: 30,
  flushIntervalMs: 1000,
}

export function blockAt(height: number, branch = 'a'): BlockHeader {
  const hash = createHash('sha256').update(`${branch}:${height}`).digest('hex')
  return { height, hash, prevHash: '0'.repeat(64), merkleRoot: hash, time: 0, txCount: 1 }
}

export class WatchWorld {
  readonly clock = new SimClock(Date.parse('2026-11-25T12:00:00Z'))
  readonly ctx: LedgerContext
  readonly rounds: RoundsRepository
  readonly engine: RoundEngine
  readonly repository: WatchRepository
  watch: WatchService
  readonly ended: Array<{ userId: string; view: Awaited<ReturnType<WatchService['stop']>> }> = []

  constructor(
    readonly db: TestDb,
    private readonly overrides: Partial<WatchServiceOptions> = {},
    ledgerOptions: LedgerOptions = {},
    memesPerRound = 5,
  ) {
    this.ctx = new LedgerContext(db, { ...ledgerOptions, now: this.clock.now })
    this.rounds = new RoundsRepository(db.kysely)
    this.repository = new WatchRepository(db.kysely)
    this.engine = new RoundEngine({
      db: db.kysely,
      ledger: this.ctx.ledger,
      rounds: this.rounds,
      params: roundParamsFrom({
        platformFeeBps: 200,
        directSharePct: 40,
        creatorSharePct: 10,
        memesPerRound,
      }),
      now: this.clock.now,
    })
    this.watch = this.newService()
  }

  get ledger() {
    return this.ctx.ledger
  }

  async init(): Promise<this> {
    await this.ctx.init()
    return this
  }

  /** A fresh service over the same database: what a restarted process has. */
  newService(overrides: Partial<WatchServiceOptions> = {}): WatchService {
    this.watch = new WatchService({
      ledger: this.ctx.ledger,
      repository: this.repository,
      rounds: this.rounds,
      signMedia: async (memeId) => ({
        url: `/api/v1/media/${memeId}.webp?token=t`,
        mp4Url: null,
        posterUrl: `/api/v1/media/${memeId}.jpg`,
        expiresAt: new Date(this.clock.now().getTime() + 300_000),
      }),
      ...WATCH_DEFAULTS,
      now: () => this.clock.now().getTime(),
      onSessionEnded: (userId, view) => this.ended.push({ userId, view }),
      ...this.overrides,
      ...overrides,
    })
    return this.watch
  }

  async newUser(sats = 0): Promise<string> {
    const id = randomUUID()
    await sql`insert into users (id, identity_key, created_at)
              values (${id}, ${PrivateKey.fromRandom().toPublicKey().toString()}, ${this.clock.now()})`.execute(
      this.db.kysely,
    )
    await this.ledger.ensureAccounts([{ id: userAccountId(id), kind: 'user' }])
    if (sats > 0) {
      const result = await this.ledger.transfer([
        {
          id: uid('fund-'),
          debitAccountId: FUNDING_ACCOUNT,
          creditAccountId: userAccountId(id),
          amountSats: sats,
          code: 'deposit',
        },
      ])
      if (result.status !== 'ok') throw new Error(`funding failed: ${result.status}`)
    }
    return id
  }

  /** An approved meme, as the content pipeline leaves it; the next block takes it into a round. */
  async approvedMeme(creator: string, owner = creator): Promise<string> {
    const id = `m_${randomUUID().slice(0, 12)}`
    const sha = createHash('sha256').update(id).digest('hex')
    this.clock.advance(1)
    await sql`insert into memes (id, creator_user_id, owner_user_id, title, tags, state, original_sha256, original_format,
                original_width, original_height, original_bytes, stored_sha256, stored_ext, phash, created_at, updated_at, approved_at)
              values (${id}, ${creator}, ${owner}, ${`meme ${id}`}, '[]', 'approved', ${sha}, 'png', 1920, 1080, 1, ${sha}, 'png',
                '0000000000000000', ${this.clock.now()}, ${this.clock.now()}, ${this.clock.now()})`.execute(
      this.db.kysely,
    )
    return id
  }

  async block(height: number): Promise<void> {
    await this.engine.onBlock(blockAt(height))
  }

  /** Lets the settlement grace pass and settles what is due. */
  async settle(): Promise<number> {
    this.clock.advance(SETTLE_DELAY_MS)
    return this.engine.settleDue()
  }

  /** `seconds` seconds of a visible, playing video: one confirmation per second. */
  confirmFor(userId: string, sessionId: string, seconds: number): void {
    for (let i = 0; i < seconds; i++) {
      this.clock.advance(1000)
      this.watch.confirm(userId, sessionId)
    }
  }

  /** `seconds` seconds of watching as the service runs it: a confirmation and a flush each second. */
  async watchFor(userId: string, sessionId: string, seconds: number): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      this.confirmFor(userId, sessionId, 1)
      await this.watch.flush()
    }
  }

  /** Stops a session and runs the flush that ends it. */
  async stop(userId: string, sessionId: string) {
    const stopping = this.watch.stop(userId, sessionId)
    await this.watch.flush()
    return stopping
  }

  /** Stops every session that `Promise.allSettled` over starts by `userIds` (in order) did start. */
  async stopStarted(
    outcomes: ReadonlyArray<PromiseSettledResult<{ session: { sessionId: string } }>>,
    userIds: readonly string[],
  ): Promise<void> {
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') await this.stop(userIds[index]!, outcome.value.session.sessionId)
    }
  }

  balance(userId: string): Promise<number> {
    return this.ctx.balance(userId.includes(':') ? userId : userAccountId(userId))
  }
}
