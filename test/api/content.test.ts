/**
 * The content pipeline over HTTP with the real local engine (at a small output size, so the test
 * is quick): admins only; an upload is validated, stored without metadata and queued; a worker
 * turns it into an animation that passes the quality check and lands in review; approval puts it
 * in the round queue and makes its poster public; the animation is served only to admins or with
 * a signed link, in byte ranges; exact duplicates are refused and near-duplicates flagged; and
 * every kind of bad file gets the code of the rule it broke and leaves nothing behind.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../contracts/auth.ts'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { MediaStore, MediaTokens, parseMediaFileName } from '../../src/adapters/media/media-store.ts'
import { JobQueue } from '../../src/adapters/queue/job-queue.ts'
import { AdminMemeViews, contentRoutes } from '../../src/http/routes/content.ts'
import { UsersRepository } from '../../src/services/auth/users.repository.ts'
import { ContentService } from '../../src/services/content/content.service.ts'
import { LocalEngine } from '../../src/services/content/engine/local-engine.ts'
import {
  DEFAULT_TRANSFORM_SETTINGS,
  FALLBACK_TRANSFORM_SETTINGS,
} from '../../src/services/content/engine/transformer.ts'
import { MemesRepository } from '../../src/services/content/memes.repository.ts'
import { TransformWorker } from '../../src/services/content/transform-worker.ts'
import {
  gifWithFrames,
  pngClaimingSize,
  scenePng,
  truncated,
} from '../../src/services/content/validation/test-images.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import { newKey, sessionToken, signIn } from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

/** Small frames keep the engine quick here; the full 1080p output is tested beside the engine. */
const TEST_SETTINGS = { ...DEFAULT_TRANSFORM_SETTINGS, outputShortSidePx: 144, durationSeconds: 1 }
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024

let dataDir: string
let db: TestDb
let t: TestApp
let worker: TransformWorker
let memes: MemesRepository
let tokens: MediaTokens
let adminToken: string
let userToken: string
const creator = newKey().toPublicKey().toAddress()

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'memepool-content-api-'))
  db = await openTestDb()
  const bus = new InProcessBus()
  mkdirSync(path.join(dataDir, 'media'))
  mkdirSync(path.join(dataDir, 'uploads'))
  const media = new MediaStore(path.join(dataDir, 'media'))
  tokens = new MediaTokens(Buffer.alloc(32, 7))
  memes = new MemesRepository(db.kysely)
  const jobs = new JobQueue(db.kysely)
  const content = new ContentService({
    db: db.kysely,
    memes,
    users: new UsersRepository(db.kysely),
    media,
    jobs,
    bus,
    workDir: path.join(dataDir, 'work'),
    minShortSidePx: 1080,
    transformAttempts: 3,
  })
  worker = new TransformWorker({
    jobs,
    memes,
    media,
    content,
    transformer: new LocalEngine({ ffmpegPath: null }),
    settings: {
      default: TEST_SETTINGS,
      fallback: { ...FALLBACK_TRANSFORM_SETTINGS, ...TEST_SETTINGS, motion: 'gentle' },
    },
    workDir: path.join(dataDir, 'work'),
    workerId: 'test-worker',
  })
  const admin = newKey()
  t = await buildTestApp({
    db,
    env: { ADMINS: admin.toPublicKey().toString() },
    deps: {
      apiRoutes: [
        contentRoutes({
          content,
          memes,
          media,
          tokens,
          views: new AdminMemeViews(memes, bus),
          uploadDir: path.join(dataDir, 'uploads'),
          memesPerRound: 20,
        }),
      ],
    },
  })
  adminToken = sessionToken(await signIn(t.app, admin))
  userToken = sessionToken(await signIn(t.app, newKey()))
})
afterAll(async () => {
  await t?.app.close()
  await db?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

function multipart(file: Buffer | undefined, fields: Record<string, string>, fileName = 'meme.png') {
  const boundary = `----memepool${Math.random().toString(16).slice(2)}`
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    )
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${fileName}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
      ),
      file,
      Buffer.from('\r\n'),
    )
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

function upload(
  file: Buffer | undefined,
  options: { token?: string; fields?: Record<string, string>; fileName?: string } = {},
) {
  const body = multipart(
    file,
    options.fields ?? { creator, title: 'A meme', tags: 'funny, cats' },
    options.fileName,
  )
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/admin/memes',
    payload: body.payload,
    headers: {
      'content-type': body.contentType,
      ...(options.token !== null && { cookie: `${SESSION_COOKIE}=${options.token ?? adminToken}` }),
    },
  })
}

function get(url: string, token?: string, headers: Record<string, string> = {}) {
  return t.app.inject({
    url,
    headers: { ...headers, ...(token && { cookie: `${SESSION_COOKIE}=${token}` }) },
  })
}

function post(url: string, body?: object) {
  return t.app.inject({
    method: 'POST',
    url,
    payload: body,
    headers: { cookie: `${SESSION_COOKIE}=${adminToken}` },
  })
}

describe('authentication', () => {
  it('requires an admin to upload and to review', async () => {
    const png = await scenePng(1920, 1080, 1)
    expect((await upload(png, { token: '' })).statusCode).toBe(401)
    const asUser = await upload(png, { token: userToken })
    expect(asUser.statusCode).toBe(403)
    expect((await get('/api/v1/admin/memes', userToken)).statusCode).toBe(403)
    expect(await memes.list(undefined, 10)).toHaveLength(0)
  })
})

describe('an upload', () => {
  let id: string

  it('is validated, stored and queued, then transformed, checked and sent to review', async () => {
    const res = await upload(await scenePng(1920, 1080, 42))
    expect(res.statusCode).toBe(201)
    const created = res.json()
    id = created.id
    expect(created).toMatchObject({
      state: 'validated',
      title: 'A meme',
      tags: ['funny', 'cats'],
      creator: { address: creator, identityKey: null },
      original: { width: 1920, height: 1080, format: 'png' },
      problems: [],
      animation: null,
    })

    expect(await worker.runOnce()).toBe(true)
    const reviewed = (await get(`/api/v1/admin/memes/${id}`, adminToken)).json()
    expect(reviewed).toMatchObject({ state: 'in_review', attempts: 1, problems: [] })
    expect(reviewed.animation).toMatchObject({
      width: 256,
      height: 144,
      fps: 30,
      frameCount: 30,
      engine: 'local',
    })
    expect(reviewed.animation.quality.ok).toBe(true)
    expect(reviewed.animation.quality.smoothness).toBeGreaterThanOrEqual(0.95)
  })

  it('serves the animation to admins, to signed links, in byte ranges, and to nobody else', async () => {
    const meme = (await get(`/api/v1/admin/memes/${id}`, adminToken)).json()
    const url: string = meme.animation.url
    const asAdmin = await get(url, adminToken)
    expect(asAdmin.statusCode).toBe(200)
    expect(asAdmin.headers['content-type']).toBe('image/webp')
    expect((await sharp(asAdmin.rawPayload, { animated: true }).metadata()).pages).toBe(30)

    const anonymous = await get(url)
    expect(anonymous.statusCode).toBe(403)
    expect(anonymous.json().error.code).toBe('MEDIA_TOKEN_INVALID')
    const sha256 = parseMediaFileName(url.split('/').pop()!)!.sha256
    expect((await get(`${url}?token=${tokens.issue(sha256, 60)}`)).statusCode).toBe(200)
    expect((await get(`${url}?token=${tokens.issue('0'.repeat(64), 60)}`)).statusCode).toBe(403)

    const ranged = await get(url, adminToken, { range: 'bytes=0-99' })
    expect(ranged.statusCode).toBe(206)
    expect(ranged.headers['content-range']).toBe(`bytes 0-99/${asAdmin.rawPayload.length}`)
    expect(ranged.rawPayload.equals(asAdmin.rawPayload.subarray(0, 100))).toBe(true)
    expect((await get(url, adminToken, { range: `bytes=${asAdmin.rawPayload.length}-` })).statusCode).toBe(
      416,
    )
    // The poster is not public until the meme is approved.
    expect((await get(meme.animation.posterUrl)).statusCode).toBe(403)
  })

  it('is approved into the round queue, which makes its poster public', async () => {
    const approved = await post(`/api/v1/admin/memes/${id}/approve`)
    expect(approved.json()).toMatchObject({ state: 'approved', queuePosition: 1 })
    const queue = (await get('/api/v1/memes/queue')).json()
    expect(queue).toMatchObject({ memesPerRound: 20, memes: [{ id, position: 1 }] })
    expect((await get(queue.memes[0].posterUrl)).statusCode).toBe(200)
    // A decision is final: approving again or retrying is refused.
    expect((await post(`/api/v1/admin/memes/${id}/approve`)).json().error.code).toBe('MEME_NOT_REVIEWABLE')
    expect((await post(`/api/v1/admin/memes/${id}/retry`)).json().error.code).toBe('MEME_NOT_REVIEWABLE')
  })

  it('refuses the same image again, and flags a re-encoded copy as a near-duplicate', async () => {
    const png = await scenePng(1920, 1080, 42)
    const again = await upload(png)
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('DUPLICATE_MEME')
    const jpeg = await sharp(png).jpeg({ quality: 70 }).toBuffer()
    const near = await upload(jpeg, { fileName: 'copy.jpg' })
    expect(near.statusCode).toBe(201)
    expect(near.json()).toMatchObject({ problems: ['near_duplicate'], nearDuplicateOf: id })
    const rejected = await post(`/api/v1/admin/memes/${near.json().id}/reject`, { reason: 'a copy' })
    // Still transforming, so not reviewable yet; the worker finishes it first.
    expect(rejected.json().error.code).toBe('MEME_NOT_REVIEWABLE')
    await worker.runOnce()
    const done = await post(`/api/v1/admin/memes/${near.json().id}/reject`, { reason: 'a copy' })
    expect(done.json()).toMatchObject({ state: 'rejected', reviewReason: 'a copy' })
  })
})

describe('bad uploads leave nothing behind', () => {
  const uploadsDir = () => path.join(dataDir, 'uploads')
  const cases: Array<[string, () => Promise<Buffer | undefined>, number, string, string?]> = [
    ['no file', async () => undefined, 400, 'FILE_MISSING'],
    ['zero bytes', async () => Buffer.alloc(0), 422, 'FILE_EMPTY'],
    [
      '10 MB + 1 byte',
      async () => Buffer.concat([await scenePng(1920, 1080, 3), Buffer.alloc(MAX_UPLOAD_BYTES)]),
      413,
      'FILE_TOO_LARGE',
    ],
    ['a truncated PNG', async () => truncated(await scenePng(1920, 1080, 4)), 422, 'IMAGE_CORRUPT'],
    [
      'a truncated JPEG',
      async () =>
        truncated(
          await sharp(await scenePng(1920, 1080, 5))
            .jpeg()
            .toBuffer(),
        ),
      422,
      'IMAGE_CORRUPT',
    ],
    ['a truncated GIF', async () => truncated(gifWithFrames(1080, 1080, 3)), 422, 'IMAGE_CORRUPT'],
    [
      'a polyglot',
      async () =>
        Buffer.concat([
          Buffer.from('GIF89a'),
          Buffer.from([0x38, 0x04, 0x38, 0x04, 0, 0, 0]),
          Buffer.from('<html></html>'),
        ]),
      422,
      'IMAGE_CORRUPT',
    ],
    [
      'huge dimensions in a tiny file',
      async () => pngClaimingSize(100_000, 100_000),
      422,
      'IMAGE_TOO_MANY_PIXELS',
    ],
    ['a GIF with thousands of frames', async () => gifWithFrames(1080, 1080, 3000), 422, 'TOO_MANY_FRAMES'],
    ['a small image', async () => scenePng(1000, 1000, 6), 422, 'IMAGE_TOO_SMALL'],
    ['a 3:2 image', async () => scenePng(1620, 1080, 7), 422, 'ASPECT_RATIO_UNSUPPORTED'],
    ['a text file', async () => Buffer.from('just words, no picture'.repeat(10)), 415, 'UNSUPPORTED_TYPE'],
    [
      'a WebP',
      async () =>
        sharp(await scenePng(1920, 1080, 8))
          .webp()
          .toBuffer(),
      415,
      'UNSUPPORTED_TYPE',
    ],
    ['a bad creator', async () => scenePng(1920, 1080, 9), 400, 'CREATOR_INVALID', 'creator'],
    ['an empty title', async () => scenePng(1920, 1080, 10), 400, 'TITLE_INVALID', 'title'],
    ['too many tags', async () => scenePng(1920, 1080, 11), 400, 'TAGS_INVALID', 'tags'],
  ]
  it.each(cases)('%s', async (_name, make, status, code, badField) => {
    const before = (await memes.list(undefined, 100)).length
    const mediaBefore = readdirSync(path.join(dataDir, 'media'), { recursive: true }).length
    const fields: Record<string, string> = { creator, title: 'Bad', tags: 'x' }
    if (badField === 'creator') fields.creator = 'not-an-address'
    if (badField === 'title') fields.title = '   '
    if (badField === 'tags') fields.tags = Array.from({ length: 11 }, (_, i) => `t${i}`).join(',')
    const res = await upload(await make(), { fields, fileName: 'image.gif' })
    expect(res.statusCode).toBe(status)
    expect(res.json().error.code).toBe(code)
    expect((await memes.list(undefined, 100)).length).toBe(before)
    expect(readdirSync(uploadsDir())).toEqual([])
    expect(readdirSync(path.join(dataDir, 'media'), { recursive: true }).length).toBe(mediaBefore)
  })

  it('accepts a PNG named .gif: the type is judged by content', async () => {
    const res = await upload(await scenePng(1080, 1080, 12), { fileName: 'really-a-png.gif' })
    expect(res.statusCode).toBe(201)
    expect(res.json().original.format).toBe('png')
  })
})
