/**
 * The demo of a fresh install (src/demo.ts) on a real database with the real content pipeline:
 * the content service, job queue, transform worker, local engine and quality check animate the
 * demo pictures (at a tenth of 1080p, which is all that changes, so that the test is quick), and
 * the demo approves them into the round queue once they pass the quality check, while a real
 * upload that reaches review stays there for an admin. A second start adds nothing; a larger
 * DEMO_MEMES adds only the missing ones; with DEMO=off nothing happens at all.
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
import { DEMO_MEME_IDEAS } from '../../src/demo/pictures.ts'
import { DEMO_CREATOR_IDS, seedDemo } from '../../src/demo.ts'
import { createLogger } from '../../src/logger.ts'
import { UsersRepository } from '../../src/services/auth/users.repository.ts'
import { ContentService } from '../../src/services/content/content.service.ts'
import { LocalEngine } from '../../src/services/content/engine/local-engine.ts'
import { DEFAULT_TRANSFORM_SETTINGS } from '../../src/services/content/engine/transformer.ts'
import { MemesRepository } from '../../src/services/content/memes.repository.ts'
import { TransformWorker } from '../../src/services/content/transform-worker.ts'
import { scenePng } from '../../src/services/content/validation/test-images.ts'
import { newKey } from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

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
    expect(config({}).demo).toEqual({ enabled: true, memes: 8 })
    expect(config({ CHAIN: 'test' }).demo.enabled).toBe(false)
    expect(config({ DATABASE_URL: 'postgres://u@127.0.0.1/m' }).demo.enabled).toBe(false)
    expect(config({ DATABASE_URL: 'postgres://u@127.0.0.1/m', DEMO: 'on' }).demo.enabled).toBe(true)
    expect(() => config({ DEMO: 'yes' })).toThrow(/DEMO must be one of on, off/)
  })

  it('does nothing when off', async () => {
    const demo = await seedDemo({ config: config({ DEMO: 'off' }), db, bus, content, logger })
    expect(await demo.seeded).toBe(0)
    await demo.stop()
    const users = await db.kysely.selectFrom('users').select('id').execute()
    expect(users).toEqual([])
    expect(await demoMemes()).toEqual([])
  })

  it('seeds DEMO_MEMES memes that are animated and approved into the round queue; real uploads stay in review', async () => {
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
    const realId = real.status === 'created' ? real.meme.id : ''

    const demo = await seedDemo({ config: config({ DEMO_MEMES: '2' }), db, bus, content, logger })
    expect(await demo.seeded).toBe(2)
    const approved = await until('the demo memes to be approved', async () => {
      const memes = await demoMemes()
      return memes.length === 2 && memes.every((m) => m.state === 'approved') ? memes : undefined
    })
    expect(approved.map((m) => m.title)).toEqual(DEMO_MEME_IDEAS.slice(0, 2).map((idea) => idea.title))
    // Spread over the demo creators.
    expect(approved.map((m) => m.creator_user_id)).toEqual(['demo-creator-1', 'demo-creator-2'])
    for (const { id } of approved) {
      const meme = await content.memes.byId(id)
      expect(meme?.animation).not.toBeNull()
      expect(meme?.quality?.ok).toBe(true)
      expect(meme?.problems).toEqual([])
      expect(meme?.tags).toContain('demo')
      expect(meme?.approvedAt).not.toBeNull()
      expect(meme?.creatorIdentityKey).toBeNull()
    }
    const queue = await content.memes.roundQueue(20)
    expect(queue.map((m) => m.id)).toEqual(approved.map((m) => m.id))

    await until('the real upload to reach review', async () =>
      (await content.memes.byId(realId))?.state === 'in_review' ? true : undefined,
    )
    // Give the demo a poll and the bus a moment: the real upload is not its to approve.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect((await content.memes.byId(realId))?.state).toBe('in_review')
    await demo.stop()

    const messages = logLines.map((line) => line.msg)
    expect(messages).toContain('demo: 2 memes queued for animation')
    for (const { title } of approved) expect(messages).toContain(`demo: meme "${title}" approved`)
    // The demo creators' keys are thrown away at once: nothing in the logs but their addresses.
    expect(JSON.stringify(logLines)).not.toMatch(/privateKey|wif/i)
  })

  it('adds nothing on a second start, only the missing memes when DEMO_MEMES grows, and approves what waits', async () => {
    const before = await demoMemes()
    const again = await seedDemo({ config: config({ DEMO_MEMES: '2' }), db, bus, content, logger })
    expect(await again.seeded).toBe(0)
    await again.stop()
    expect(await demoMemes()).toEqual(before)
    expect(
      await db.kysely
        .selectFrom('users')
        .select('id')
        .where('id', 'in', [...DEMO_CREATOR_IDS])
        .execute(),
    ).toHaveLength(3)

    const more = await seedDemo({ config: config({ DEMO_MEMES: '3' }), db, bus, content, logger })
    expect(await more.seeded).toBe(1)
    await more.stop()
    const after = await demoMemes()
    expect(after.map((m) => m.title)).toEqual(DEMO_MEME_IDEAS.slice(0, 3).map((idea) => idea.title))
    expect(after[2]?.creator_user_id).toBe('demo-creator-3')

    // The demo stopped before the new meme was animated: it waits in review for the next start.
    const third = after[2]!.id
    await until('the new meme to reach review', async () =>
      (await content.memes.byId(third))?.state === 'in_review' ? true : undefined,
    )
    const restarted = await seedDemo({ config: config({ DEMO_MEMES: '3' }), db, bus, content, logger })
    expect(await restarted.seeded).toBe(0)
    await until('the new meme to be approved on restart', async () =>
      (await content.memes.byId(third))?.state === 'approved' ? true : undefined,
    )
    await restarted.stop()
    expect((await content.memes.roundQueue(20)).map((m) => m.title)).toEqual(
      DEMO_MEME_IDEAS.slice(0, 3).map((idea) => idea.title),
    )
  })
})
