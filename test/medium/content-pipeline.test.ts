/**
 * The pipeline when transformation goes wrong, with the real local engine behind a wrapper that
 * injects the faults: a failing engine is retried with backoff and, after its last attempt, the
 * meme goes to review named transform:<code>; an animation that fails the quality check is made
 * again with the fallback settings, and a second failure sends it to review with quality:<code>;
 * a worker that dies mid-job leaves the job to another once its lease runs out; and a job for a
 * meme rejected meanwhile does nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { MediaStore } from '../../src/adapters/media/media-store.ts'
import { backoffMs, JobQueue } from '../../src/adapters/queue/job-queue.ts'
import { UsersRepository } from '../../src/services/auth/users.repository.ts'
import { ContentService } from '../../src/services/content/content.service.ts'
import { LocalEngine } from '../../src/services/content/engine/local-engine.ts'
import {
  DEFAULT_TRANSFORM_SETTINGS,
  type Transformer,
  type TransformInput,
  type TransformResult,
} from '../../src/services/content/engine/transformer.ts'
import { MemesRepository } from '../../src/services/content/memes.repository.ts'
import { TransformWorker } from '../../src/services/content/transform-worker.ts'
import { scenePng } from '../../src/services/content/validation/test-images.ts'
import { SimClock } from '../sim/harness.ts'
import { newKey } from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

const SETTINGS = { ...DEFAULT_TRANSFORM_SETTINGS, outputShortSidePx: 108, durationSeconds: 1 }
const LEASE_MS = 60_000

/** The real engine, with faults switched on by the test. */
class FaultyEngine implements Transformer {
  readonly kind = 'local' as const
  failNext = 0
  freezeOutput = false
  hang = false
  calls: TransformInput[] = []
  private readonly inner = new LocalEngine({ ffmpegPath: null })

  async transform(input: TransformInput): Promise<TransformResult> {
    this.calls.push(input)
    if (this.failNext > 0) {
      this.failNext--
      throw Object.assign(new Error('the engine ran out of memory (test)'), { code: 'ENGINE_OOM' })
    }
    if (this.hang) return new Promise(() => {})
    const result = await this.inner.transform(input)
    if (this.freezeOutput) await freeze(result)
    return result
  }
}

/** Replaces the animation with the poster repeated: every frame the same, a frozen clip. */
async function freeze(result: TransformResult): Promise<void> {
  const frame = await sharp(result.posterPath).ensureAlpha().raw().toBuffer()
  const stacked = Buffer.concat(Array.from({ length: result.frameCount }, () => frame))
  await sharp(stacked, {
    raw: {
      width: result.width,
      height: result.height * result.frameCount,
      channels: 4,
      pageHeight: result.height,
    },
  })
    .webp({ delay: Array.from({ length: result.frameCount }, () => 33), loop: 0 })
    .toFile(`${result.animationPath}.frozen.webp`)
  const { rename } = await import('node:fs/promises')
  await rename(`${result.animationPath}.frozen.webp`, result.animationPath)
}

let dataDir: string
let db: TestDb
let memes: MemesRepository
let content: ContentService
let engine: FaultyEngine
const clock = new SimClock(Date.parse('2026-11-25T12:00:00Z'))
let seed = 100

function worker(id = 'w1'): TransformWorker {
  return new TransformWorker({
    jobs: new JobQueue(db.kysely, clock.now),
    memes,
    media: new MediaStore(path.join(dataDir, 'media')),
    content,
    transformer: engine,
    settings: { default: SETTINGS, fallback: { ...SETTINGS, motion: 'gentle', encodeEffort: 0 } },
    workDir: path.join(dataDir, 'work'),
    workerId: id,
    leaseMs: LEASE_MS,
    now: clock.now,
  })
}

async function uploaded(): Promise<string> {
  const file = path.join(dataDir, `upload-${seed}.png`)
  await sharp(await scenePng(1920, 1080, seed++)).toFile(file)
  const result = await content.upload({
    tempPath: file,
    creator: newKey().toPublicKey().toAddress(),
    title: 'Pipeline test',
    tags: '',
  })
  if (result.status !== 'created') throw new Error(result.status)
  return result.meme.id
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'memepool-pipeline-'))
  db = await openTestDb()
  memes = new MemesRepository(db.kysely)
  engine = new FaultyEngine()
  content = new ContentService({
    db: db.kysely,
    memes,
    users: new UsersRepository(db.kysely),
    media: new MediaStore(path.join(dataDir, 'media')),
    jobs: new JobQueue(db.kysely, clock.now),
    bus: new InProcessBus(),
    workDir: path.join(dataDir, 'work'),
    minShortSidePx: 1080,
    transformAttempts: 3,
    now: clock.now,
  })
})
afterAll(async () => {
  await db?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('transformation failures', () => {
  it('are retried with backoff, and after the last attempt the meme goes to review', async () => {
    const id = await uploaded()
    engine.failNext = 3
    const w = worker()
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await w.runOnce()).toBe(true)
      const meme = await memes.byId(id)
      expect(meme?.attempts).toBe(attempt)
      expect(meme?.state).toBe(attempt < 3 ? 'validated' : 'in_review')
      clock.advance(backoffMs(attempt))
    }
    expect((await memes.byId(id))?.problems).toEqual(['transform:ENGINE_OOM'])
    expect(await w.runOnce()).toBe(false)
  })

  it('recover with a later attempt', async () => {
    const id = await uploaded()
    engine.failNext = 1
    const w = worker()
    await w.runOnce()
    clock.advance(backoffMs(1))
    await w.runOnce()
    expect(await memes.byId(id)).toMatchObject({ state: 'in_review', attempts: 2, problems: [] })
  })
})

describe('a failed quality check', () => {
  it('is retried with the fallback settings, and a second failure sends the meme to review', async () => {
    const id = await uploaded()
    engine.freezeOutput = true
    const w = worker()
    const before = engine.calls.length
    await w.runOnce()
    expect(await memes.byId(id)).toMatchObject({ state: 'transforming' })
    await w.runOnce()
    engine.freezeOutput = false
    const meme = await memes.byId(id)
    expect(meme?.state).toBe('in_review')
    expect(meme?.problems).toContain('quality:NOT_SMOOTH')
    expect(meme?.quality?.ok).toBe(false)
    expect(engine.calls.slice(before).map((c) => c.settings?.motion)).toEqual(['orbit', 'gentle'])
  })
})

describe('a worker that dies mid-job', () => {
  it('leaves the job to another worker once the lease runs out', async () => {
    const id = await uploaded()
    engine.hang = true
    void worker('dies').runOnce()
    await new Promise((resolve) => setTimeout(resolve, 200))
    engine.hang = false
    expect(await memes.byId(id)).toMatchObject({ state: 'transforming' })
    const other = worker('w2')
    expect(await other.runOnce()).toBe(false)
    clock.advance(LEASE_MS + 1)
    expect(await other.runOnce()).toBe(true)
    expect(await memes.byId(id)).toMatchObject({ state: 'in_review', attempts: 2 })
  })
})

describe('a stale job', () => {
  it('does nothing to a meme that moved on', async () => {
    const id = await uploaded()
    const w = worker()
    await w.runOnce()
    expect((await content.reject(id, 'not funny')).status).toBe('ok')
    await content.enqueueTransform(id, 'default')
    const calls = engine.calls.length
    expect(await w.runOnce()).toBe(true)
    expect(engine.calls.length).toBe(calls)
    expect(await memes.byId(id)).toMatchObject({ state: 'rejected', reviewReason: 'not funny' })
  })
})
