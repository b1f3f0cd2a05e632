/**
 * The demo of a fresh install (src/demo.ts) on a real database with the real content pipeline:
 * the content service, job queue, transform worker, local engine and quality check animate the
 * demo pictures (at a tenth of 1080p, which is all that changes, so that the test is quick), and
 * the demo drips them into the round queue once they pass the quality check, DEMO_PER_ROUND per
 * block, while a real upload that reaches review stays there for an admin. Blocks are published
 * on the bus as block sync does, and the round engine's part on a block (opening the round and
 * taking the queue into it) is played by `openRound`, a moment after the block, as it happens.
 * A restart resumes the drip and adds nothing twice; a larger DEMO_MEMES tops up the memes
 * waiting in review as they drain, up to DEMO_MEMES; with DEMO=off nothing happens at all.
 * With a market (a real MarketService and ledger), the demo creators list DEMO_FOR_SALE of their
 * memes in rounds at 1,000 to 5,000 sats, nothing twice across restarts, and list the next one
 * when a newcomer buys one.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { MediaStore } from '../../src/adapters/media/media-store.ts'
import { JobQueue } from '../../src/adapters/queue/job-queue.ts'
import { loadConfig } from '../../src/config.ts'
import { DEMO_FOR_SALE } from '../../src/demo/listings.ts'
import { DEMO_MEME_IDEAS } from '../../src/demo/pictures.ts'
import { DEMO_CREATOR_IDS, seedDemo } from '../../src/demo.ts'
import { userAccountId } from '../../src/ledger/accounts.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import { createLogger } from '../../src/logger.ts'
import { UsersRepository } from '../../src/services/auth/users.repository.ts'
import { ContentService } from '../../src/services/content/content.service.ts'
import { LocalEngine } from '../../src/services/content/engine/local-engine.ts'
import { DEFAULT_TRANSFORM_SETTINGS } from '../../src/services/content/engine/transformer.ts'
import { MemesRepository } from '../../src/services/content/memes.repository.ts'
import { TransformWorker } from '../../src/services/content/transform-worker.ts'
import { scenePng } from '../../src/services/content/validation/test-images.ts'
import { MarketRepository } from '../../src/services/market/market.repository.ts'
import { MarketService } from '../../src/services/market/market.service.ts'
import { MarketQueries } from '../../src/services/market/market-queries.ts'
import { roundParamsFrom } from '../../src/services/rounds/round-engine.ts'
import { RoundsRepository } from '../../src/services/rounds/rounds.repository.ts'
import { newKey } from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, uid } from '../support/ledger.ts'

let dataDir: string
let db: TestDb
let content: { service: ContentService; memes: MemesRepository }
let engine: LocalEngine
let stopWorker: () => Promise<void>
const bus = new InProcessBus()
const logLines: Array<{ msg: string } & Record<string, unknown>> = []
const logger = createLogger(
  'info',
  new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line))
      callback()
    },
  }),
)

/** The configuration of an embedded devnet install in dataDir, with these variables on top. */
function config(env: Record<string, string>) {
  return loadConfig({ DATA_DIR: dataDir, CHAIN: 'devnet', LOG_LEVEL: 'info', ...env })
}

function demoMemes() {
  return db.kysely
    .selectFrom('memes')
    .select(['id', 'title', 'state', 'creator_user_id'])
    .where('creator_user_id', 'in', [...DEMO_CREATOR_IDS])
    .orderBy('created_at')
    .execute()
}

type DemoMeme = Awaited<ReturnType<typeof demoMemes>>[number]

const titles = (memes: ReadonlyArray<{ title: string }>) => memes.map((m) => m.title)
const inState = (memes: DemoMeme[], state: string) => memes.filter((m) => m.state === state)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Block sync's message for block `height`, as the demo and the round engine get it. */
function publishBlock(height: number) {
  bus.publish('chain.block', {
    height,
    hash: height.toString(16).padStart(64, '0'),
    prevHash: (height - 1).toString(16).padStart(64, '0'),
    merkleRoot: '0'.repeat(64),
    time: 1_700_000_000 + height * 60,
    txCount: 1,
  })
}

/** What the round engine does on block `height`: opens its round, which takes the queue. */
async function openRound(height: number): Promise<void> {
  const rounds = new RoundsRepository(db.kysely)
  const params = roundParamsFrom({
    platformFeeBps: 200,
    directSharePct: 40,
    creatorSharePct: 10,
    memesPerRound: 20,
  })
  const now = new Date()
  await db.kysely.transaction().execute(async (trx) => {
    await rounds.closeOpenBelow(trx, height, now)
    await rounds.insert(trx, height, height.toString(16).padStart(64, '0'), params, now)
    await rounds.assignQueued(trx, height, params.memesPerRound, now)
  })
  bus.publish('round.updated', { height })
}

/** The titles of the memes round `height` took. */
async function roundTitles(height: number): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('round_memes as rm')
    .innerJoin('memes as m', 'm.id', 'rm.meme_id')
    .select('m.title')
    .where('rm.round_height', '=', height)
    .orderBy('rm.slot')
    .execute()
  return rows.map((r) => r.title)
}

/**
 * A block and its round: nothing is approved between the block and its round (what the demo
 * approves on a block waits for the next round), then at most DEMO_PER_ROUND are.
 */
async function block(height: number, expectApproved: number): Promise<DemoMeme[]> {
  const before = await demoMemes()
  publishBlock(height)
  await sleep(300)
  expect(inState(await demoMemes(), 'approved')).toEqual(inState(before, 'approved'))
  await openRound(height)
  const taken = inState(before, 'approved').length
  const approved = await until(`${expectApproved} approvals on block ${height}`, async () => {
    const memes = inState(await demoMemes(), 'approved')
    return memes.length >= expectApproved ? memes : undefined
  })
  // A moment for anything more that the demo would wrongly approve.
  await sleep(300)
  expect(inState(await demoMemes(), 'approved')).toEqual(approved)
  expect(await roundTitles(height)).toHaveLength(taken)
  return approved
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 50_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'memepool-demo-'))
  db = await openTestDb()
  // As startContent wires them, with smaller animations.
  const memes = new MemesRepository(db.kysely)
  const jobs = new JobQueue(db.kysely)
  const media = new MediaStore(path.join(dataDir, 'media'))
  const workDir = path.join(dataDir, 'tmp', 'work')
  const service = new ContentService({
    db: db.kysely,
    memes,
    users: new UsersRepository(db.kysely),
    media,
    jobs,
    bus,
    workDir,
    minShortSidePx: 1080,
    transformAttempts: 3,
  })
  content = { service, memes }
  engine = new LocalEngine({ ffmpegPath: null })
  const small = { ...DEFAULT_TRANSFORM_SETTINGS, outputShortSidePx: 108, durationSeconds: 1 }
  stopWorker = new TransformWorker({
    jobs,
    memes,
    media,
    content: service,
    transformer: engine,
    settings: { default: small, fallback: { ...small, motion: 'gentle' } },
    workDir,
    workerId: 'demo-test',
    logger,
  }).start(1)
})
afterAll(async () => {
  await stopWorker?.()
  await engine?.close()
  await db?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('the demo', () => {
  it('is on by default for an embedded devnet only', () => {
    expect(config({}).demo).toEqual({ enabled: true, memes: 30, perRound: 3 })
    expect(config({ CHAIN: 'test' }).demo.enabled).toBe(false)
    expect(config({ DATABASE_URL: 'postgres://u@127.0.0.1/m' }).demo.enabled).toBe(false)
    expect(config({ DATABASE_URL: 'postgres://u@127.0.0.1/m', DEMO: 'on' }).demo.enabled).toBe(true)
    expect(() => config({ DEMO: 'yes' })).toThrow(/DEMO must be one of on, off/)
    expect(config({ DEMO_PER_ROUND: '20' }).demo.perRound).toBe(20)
    expect(() => config({ DEMO_PER_ROUND: '0' })).toThrow(/DEMO_PER_ROUND/)
    expect(() => config({ DEMO_PER_ROUND: '21' })).toThrow(/DEMO_PER_ROUND/)
  })

  it('does nothing when off', async () => {
    const demo = await seedDemo({ config: config({ DEMO: 'off' }), db, bus, content, logger })
    expect(await demo.seeded).toBe(0)
    await demo.stop()
    const users = await db.kysely.selectFrom('users').select('id').execute()
    expect(users).toEqual([])
    expect(await demoMemes()).toEqual([])
  })

  const env = { DEMO_MEMES: '4', DEMO_PER_ROUND: '2' }
  let realId = ''

  it('uploads DEMO_MEMES memes and, on the first start, approves DEMO_PER_ROUND once animated; the rest wait', async () => {
    // A real upload, racing the demo through the same worker: it must wait for an admin.
    const realFile = path.join(dataDir, 'real.png')
    await writeFile(realFile, await scenePng(1920, 1080, 42))
    const real = await content.service.upload({
      tempPath: realFile,
      creator: newKey().toPublicKey().toAddress(),
      title: 'A real upload',
      tags: '',
    })
    expect(real.status).toBe('created')
    realId = real.status === 'created' ? real.meme.id : ''

    const demo = await seedDemo({ config: config(env), db, bus, content, logger })
    expect(await demo.seeded).toBe(4)
    const memes = await until('the demo memes to be animated', async () => {
      const memes = await demoMemes()
      return inState(memes, 'approved').length === 2 && inState(memes, 'in_review').length === 2
        ? memes
        : undefined
    })
    expect(titles(memes)).toEqual(titles(DEMO_MEME_IDEAS.slice(0, 4)))
    // Spread over the demo creators.
    expect(memes.map((m) => m.creator_user_id)).toEqual([
      'demo-creator-1',
      'demo-creator-2',
      'demo-creator-3',
      'demo-creator-1',
    ])
    // First uploaded, first approved; the others wait in review for a block.
    expect(titles(inState(memes, 'approved'))).toEqual(titles(memes.slice(0, 2)))
    for (const { id } of memes) {
      const meme = await content.memes.byId(id)
      expect(meme?.animation).not.toBeNull()
      expect(meme?.quality?.ok).toBe(true)
      expect(meme?.problems).toEqual([])
      expect(meme?.tags).toContain('demo')
      expect(meme?.creatorIdentityKey).toBeNull()
      expect(meme?.approvedAt === null).toBe(meme?.state === 'in_review')
    }
    expect((await content.memes.roundQueue(20)).map((m) => m.id)).toEqual(memes.slice(0, 2).map((m) => m.id))

    await until('the real upload to reach review', async () =>
      (await content.memes.byId(realId))?.state === 'in_review' ? true : undefined,
    )
    // Give the demo a look and the bus a moment: neither the real upload nor a third demo meme moves.
    await sleep(500)
    expect((await content.memes.byId(realId))?.state).toBe('in_review')
    expect(await demoMemes()).toEqual(memes)
    await demo.stop()

    const messages = logLines.map((line) => line.msg)
    expect(messages).toContain('demo: 4 memes uploaded for animation')
    for (const { title } of memes.slice(0, 2)) expect(messages).toContain(`demo: meme "${title}" approved`)
    // The demo creators' keys are thrown away at once: nothing in the logs but their addresses.
    expect(JSON.stringify(logLines)).not.toMatch(/privateKey|wif/i)
  })

  it('resumes the drip after a restart: adds nothing, approves only on blocks, at most DEMO_PER_ROUND each', async () => {
    const before = await demoMemes()
    const demo = await seedDemo({ config: config(env), db, bus, content, logger })
    expect(await demo.seeded).toBe(0)
    // Not the first start: what waits in review waits for a block.
    await sleep(500)
    expect(await demoMemes()).toEqual(before)
    expect(
      await db.kysely
        .selectFrom('users')
        .select('id')
        .where('id', 'in', [...DEMO_CREATOR_IDS])
        .execute(),
    ).toHaveLength(3)

    // Round 1 takes the two approved on the first start; the other two are approved for round 2.
    const approved = await block(1, 2)
    expect(titles(approved)).toEqual(titles(before.slice(2)))
    expect(await roundTitles(1)).toEqual(titles(before.slice(0, 2)))
    // Round 2 takes them; nothing is left to approve and nothing more is uploaded.
    await block(2, 0)
    expect(await roundTitles(2)).toEqual(titles(before.slice(2)))
    await demo.stop()
    expect((await demoMemes()).map((m) => [m.id, m.title])).toEqual(before.map((m) => [m.id, m.title]))
    expect((await content.memes.byId(realId))?.state).toBe('in_review')
  })

  it('tops up the memes waiting in review as blocks drain them, up to DEMO_MEMES', async () => {
    const demo = await seedDemo({
      config: config({ DEMO_MEMES: '9', DEMO_PER_ROUND: '2' }),
      db,
      bus,
      content,
      logger,
    })
    // A buffer of 2 x DEMO_PER_ROUND animated memes waits in review; no more is uploaded.
    await until('four more demo memes in review', async () => {
      const memes = await demoMemes()
      return inState(memes, 'in_review').length === 4 ? true : undefined
    })
    await sleep(500)
    let memes = await demoMemes()
    expect(titles(memes)).toEqual(titles(DEMO_MEME_IDEAS.slice(0, 8)))
    expect(inState(memes, 'approved')).toEqual([])

    // Two of the four are approved; the ninth and last is uploaded in their place.
    expect(titles(await block(3, 2))).toEqual(titles(memes.slice(4, 6)))
    memes = await until('the last demo meme in review', async () => {
      const memes = await demoMemes()
      return memes.length === 9 && inState(memes, 'in_review').length === 3 ? memes : undefined
    })
    expect(await demo.seeded).toBe(5)
    expect(titles(await block(4, 2))).toEqual(titles(memes.slice(6, 8)))
    expect(titles(await block(5, 1))).toEqual(titles(memes.slice(8)))
    await block(6, 0)
    await demo.stop()

    memes = await demoMemes()
    expect(titles(memes)).toEqual(titles(DEMO_MEME_IDEAS.slice(0, 9)))
    expect(inState(memes, 'assigned')).toHaveLength(9)
    for (let height = 1; height <= 6; height++)
      expect((await roundTitles(height)).length).toBeLessThanOrEqual(2)
    expect(logLines.map((line) => line.msg)).toContain('demo: every demo meme is through review')
    expect((await content.memes.byId(realId))?.state).toBe('in_review')
  })

  it('lists a few demo memes in rounds through the market, nothing twice, and the next one after a sale', async () => {
    const ledger = new Ledger(db.kysely)
    await ledger.init()
    await ledger.ensureAccounts([{ id: FUNDING_ACCOUNT, kind: 'clearing', allowNegative: true }])
    const money = { feeBps: 200, minimumPriceSats: 1_000 }
    const market = new MarketService({
      ...money,
      repository: new MarketRepository(db.kysely),
      views: new MarketQueries(db.kysely, money),
      ledger,
      onUpdate: (update) => bus.publish('market.updated', update),
    })
    const forSale = () =>
      db.kysely
        .selectFrom('market_listings')
        .select(['id', 'meme_id', 'seller_user_id', 'price_sats', 'state'])
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    const memes = await demoMemes()
    expect(inState(memes, 'assigned')).toHaveLength(9)
    expect(await forSale()).toEqual([])
    const start = () =>
      seedDemo({ config: config({ DEMO_MEMES: '9', DEMO_PER_ROUND: '2' }), db, bus, content, market, logger })

    // The first DEMO_FOR_SALE demo memes, by their owners (their creators), at 1,000 to 5,000 sats.
    let demo = await start()
    const listed = await until('the demo listings', async () => {
      const rows = await forSale()
      return rows.length >= DEMO_FOR_SALE ? rows : undefined
    })
    await sleep(300)
    expect(await forSale()).toEqual(listed)
    expect(listed.map((l) => [l.meme_id, l.seller_user_id, l.price_sats, l.state])).toEqual(
      memes
        .slice(0, DEMO_FOR_SALE)
        .map((m, i) => [m.id, m.creator_user_id, [1_000, 2_000, 3_000, 4_000, 5_000][i], 'active']),
    )
    await demo.stop()

    // A restart lists nothing more.
    demo = await start()
    await sleep(500)
    expect(await forSale()).toEqual(listed)

    // A newcomer buys the 3,000 sats one: the sixth demo meme is listed in its place, at 1,000.
    const buyer = (await new UsersRepository(db.kysely).insertAddressOnlyIfAbsent(
      'newcomer-1',
      newKey().toPublicKey().toAddress(),
      new Date(),
    ))!.id
    await ledger.ensureAccounts([{ id: userAccountId(buyer), kind: 'user' }])
    const funded = await ledger.transfer([
      {
        id: uid('fund-'),
        debitAccountId: FUNDING_ACCOUNT,
        creditAccountId: userAccountId(buyer),
        amountSats: 3_000,
        code: 'deposit',
      },
    ])
    expect(funded.status).toBe('ok')
    const bought = await market.purchase(buyer, listed[2]!.id, 'demo-buy-0001')
    expect(bought.status).toBe('created')
    const after = await until('the next demo listing', async () => {
      const rows = await forSale()
      return rows.length > DEMO_FOR_SALE ? rows : undefined
    })
    await sleep(300)
    expect(after).toHaveLength(DEMO_FOR_SALE + 1)
    expect(after.at(-1)).toMatchObject({ meme_id: memes[5]!.id, price_sats: 1_000, state: 'active' })
    expect(after.filter((l) => l.state === 'active')).toHaveLength(DEMO_FOR_SALE)
    // The sold meme is the newcomer's now; the demo does not list it again.
    expect(after.filter((l) => l.meme_id === memes[2]!.id).map((l) => l.state)).toEqual(['sold'])
    await demo.stop()
    expect(logLines.map((line) => line.msg)).toContain(`demo: meme ${memes[5]!.id} listed for 1000 sats`)
  })
})
