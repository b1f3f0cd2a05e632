/**
 * Proves the AITubo engine against a fake AITubo that speaks the real HTTP API
 * (test/support/fake-aitubo.ts): the happy path creates a job with the Bearer key, polls it to
 * completion, downloads the video and cover without the key and leaves exactly the output files;
 * transient faults (5xx, 429 with Retry-After, Cloudflare 403 pages, slow answers) are retried
 * and, when they persist, end in their own code; answers that will not change (401, code != 0,
 * garbage) are not retried; failed and never-finishing jobs, oversized downloads and non-MP4
 * results are refused; the circuit breaker opens, short-circuits without a request and recovers
 * after its cool-down; an abort stops everything; and the API key is never in an error message.
 */
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  AituboClient,
  type AituboClientOptions,
  parseRetryAfterMs,
  resultUrl,
} from '../../src/adapters/aitubo/aitubo-client.ts'
import {
  AituboTransformer,
  type AituboTransformerOptions,
} from '../../src/adapters/aitubo/aitubo-transformer.ts'
import { CircuitBreaker } from '../../src/adapters/aitubo/circuit-breaker.ts'
import { AituboError, type AituboErrorCode } from '../../src/adapters/aitubo/errors.ts'
import { FakeAitubo, type FakeAnswer, json, tinyMp4 } from '../support/fake-aitubo.ts'

const API_KEY = 'api-0123456789abcdef0123456789abcdef'
const TIMEOUT_MS = 300

let fake: FakeAitubo
let dir: string
let sourcePath: string
let outputs = 0

beforeAll(async () => {
  fake = await FakeAitubo.start(API_KEY)
  dir = await mkdtemp(join(tmpdir(), 'memepool-aitubo-'))
  sourcePath = join(dir, 'source.png')
  await sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#2060a0' } })
    .png()
    .toFile(sourcePath)
})

afterAll(async () => {
  await fake.close()
  await rm(dir, { recursive: true, force: true })
})

beforeEach(() => {
  fake.reset()
})

function client(overrides: Partial<AituboClientOptions> = {}): AituboClient {
  return new AituboClient({
    baseUrl: fake.baseUrl,
    apiKey: API_KEY,
    timeoutMs: TIMEOUT_MS,
    maxAttempts: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 40,
    maxRetryAfterMs: 1_500,
    // Out of the way unless a test is about it.
    breaker: new CircuitBreaker({ failureThreshold: 100, coolDownMs: 1_000 }),
    ...overrides,
  })
}

function transformer(overrides: Partial<AituboTransformerOptions> = {}): AituboTransformer {
  return new AituboTransformer({
    client: client(),
    imageUrlFor: async (path) => `https://memepool.test/signed/${basename(path)}?sig=abc`,
    prompt: 'slow parallax orbit',
    pollIntervalMs: 20,
    jobDeadlineMs: 1_000,
    ...overrides,
  })
}

function transformInput(onProgress?: (fraction: number) => void) {
  outputs += 1
  return { sourcePath, width: 1920, height: 1080, outputDir: join(dir, `out-${outputs}`), onProgress }
}

/** The AituboError a promise rejects with; also proves the key is not in its message. */
async function caught(promise: Promise<unknown>): Promise<AituboError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(AituboError)
  expect((error as Error).message).not.toContain(API_KEY)
  return error as AituboError
}

async function expectCode(promise: Promise<unknown>, code: AituboErrorCode): Promise<AituboError> {
  const error = await caught(promise)
  expect(error.code, error.message).toBe(code)
  return error
}

/** Nothing half-made is left: no staging directory, no partial download. */
async function expectNoLeftovers(): Promise<void> {
  const names = await readdir(dir)
  expect(names.filter((name) => name.includes('staging') || name.endsWith('.part'))).toEqual([])
}

const ok = (id = 'job-x'): FakeAnswer => json(200, { code: 0, data: { id } })
const serverError: FakeAnswer = { status: 500, body: 'oops', headers: { 'content-type': 'text/plain' } }

describe('AituboTransformer, happy path', () => {
  it('creates, polls and downloads, and leaves exactly the output files', async () => {
    const progress: number[] = []
    const input = transformInput((fraction) => progress.push(fraction))
    const result = await transformer().transform(input)

    const out = input.outputDir
    expect(result).toMatchObject({
      engine: 'aitubo',
      mp4Path: join(out, 'animation.mp4'),
      // No ffmpeg configured: the animation is the MP4 itself.
      animationPath: join(out, 'animation.mp4'),
      posterPath: join(out, 'poster.jpg'),
      thumbnailPaths: { small: join(out, 'thumb-small.jpg'), medium: join(out, 'thumb-medium.jpg') },
      width: 1920,
      height: 1080,
      fps: 30,
      frameCount: 90,
      durationMs: 3000,
    })
    expect(result.processingMs).toBeGreaterThan(0)
    expect((await readdir(out)).sort()).toEqual([
      'animation.mp4',
      'poster.jpg',
      'thumb-medium.jpg',
      'thumb-small.jpg',
    ])
    expect(await readFile(result.mp4Path!)).toEqual(fake.video)
    expect(await sharp(result.posterPath).metadata()).toMatchObject({
      format: 'jpeg',
      width: 1920,
      height: 1080,
    })
    expect((await sharp(result.thumbnailPaths.small).metadata()).width).toBe(240)
    expect((await sharp(result.thumbnailPaths.medium).metadata()).width).toBe(480)
    expect(progress.every((fraction, i) => i === 0 || fraction > progress[i - 1]!)).toBe(true)
    expect(progress.at(-1)).toBe(1)
    await expectNoLeftovers()
  })

  it('sends the Bearer key and the image URL to the API, and no key to the file host', async () => {
    await transformer().transform(transformInput())

    const [create] = fake.requestsTo('create-video')
    expect(create?.method).toBe('POST')
    expect(create?.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(create?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(create?.body ?? '')).toEqual({
      image: 'https://memepool.test/signed/source.png?sig=abc',
      prompt: 'slow parallax orbit',
    })
    const polls = fake.requestsTo('get-video')
    expect(polls).toHaveLength(3)
    expect(polls.every((poll) => poll.headers.authorization === `Bearer ${API_KEY}`)).toBe(true)
    const files = fake.requestsTo('files')
    expect(files.map((file) => file.url)).toEqual(['/files/video/job-1.mp4', '/files/cover/job-1.png'])
    expect(files.every((file) => file.headers.authorization === undefined)).toBe(true)
  })

  it('makes the poster from the source image when the result has no cover', async () => {
    fake.withCover = false
    const result = await transformer().transform(transformInput())
    expect(fake.requestsTo('files')).toHaveLength(1)
    expect(await sharp(result.posterPath).metadata()).toMatchObject({ width: 1920, height: 1080 })
  })

  it('converts the MP4 to animated WebP when given an ffmpeg binary', async () => {
    // A stand-in ffmpeg: records its arguments and writes a prepared WebP to the output path.
    const webp = join(dir, 'prepared.webp')
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } })
      .webp()
      .toFile(webp)
    const ffmpegPath = join(dir, 'ffmpeg')
    const argsPath = join(dir, 'ffmpeg-args.txt')
    await writeFile(
      ffmpegPath,
      `#!/bin/sh\necho "$@" > '${argsPath}'\nfor last; do :; done\ncp '${webp}' "$last"\n`,
    )
    await chmod(ffmpegPath, 0o755)

    const result = await transformer({ ffmpegPath }).transform(transformInput())
    expect(basename(result.animationPath)).toBe('animation.webp')
    expect((await sharp(result.animationPath).metadata()).format).toBe('webp')
    expect(await readFile(argsPath, 'utf8')).toContain('-c:v libwebp_anim')
  })
})

describe('AituboClient, transient faults', () => {
  it('retries 500s for the first calls, then succeeds', async () => {
    fake.queue('create-video', serverError, serverError)
    const result = await transformer().transform(transformInput())
    expect(result.frameCount).toBe(90)
    expect(fake.requestsTo('create-video')).toHaveLength(3)
  })

  it('gives up with AITUBO_UNAVAILABLE when every attempt gets a 500', async () => {
    fake.queue('create-video', serverError, serverError, serverError)
    const error = await expectCode(
      client().createVideoJob({ imageUrl: 'https://x.test/a.png' }),
      'AITUBO_UNAVAILABLE',
    )
    expect(error.retryable).toBe(true)
    expect(fake.requestsTo('create-video')).toHaveLength(3)
  })

  it('waits for Retry-After after a 429', async () => {
    fake.queue('create-video', { status: 429, headers: { 'retry-after': '1' } })
    expect(await client().createVideoJob({ imageUrl: 'https://x.test/a.png' })).toBe('job-1')
    const [first, second] = fake.requestsTo('create-video')
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(950)
  })

  it('gives up with AITUBO_RATE_LIMITED when the 429s go on', async () => {
    const limited: FakeAnswer = { status: 429, headers: { 'retry-after': '0' } }
    fake.queue('get-video', limited, limited, limited)
    await expectCode(client().getVideoJob('job-1'), 'AITUBO_RATE_LIMITED')
    expect(fake.requestsTo('get-video')).toHaveLength(3)
  })

  it('retries a Cloudflare 403 page (not an AITubo answer)', async () => {
    fake.queue('create-video', {
      status: 403,
      body: '<!DOCTYPE html><title>Attention Required! | Cloudflare</title>',
      headers: { 'content-type': 'text/html', server: 'cloudflare' },
    })
    expect(await client().createVideoJob({ imageUrl: 'https://x.test/a.png' })).toBe('job-1')
    expect(fake.requestsTo('create-video')).toHaveLength(2)
  })

  it('retries a slow answer, and gives up with AITUBO_TIMEOUT when all are slow', async () => {
    fake.queue('create-video', { ...ok(), delayMs: 3 * TIMEOUT_MS })
    expect(await client().createVideoJob({ imageUrl: 'https://x.test/a.png' })).toBe('job-1')

    const slow = { ...ok(), delayMs: 3 * TIMEOUT_MS }
    fake.queue('create-video', slow, slow, slow)
    await expectCode(client().createVideoJob({ imageUrl: 'https://x.test/a.png' }), 'AITUBO_TIMEOUT')
    expect(fake.requestsTo('create-video')).toHaveLength(5)
  })
})

describe('AituboClient, answers that are not retried', () => {
  it('a refused key: AITUBO_UNAUTHORIZED, once, without the key in the message', async () => {
    const wrongKey = 'api-ffffffffffffffffffffffffffffffff'
    const error = await expectCode(
      client({ apiKey: wrongKey }).createVideoJob({ imageUrl: 'https://x.test/a.png' }),
      'AITUBO_UNAUTHORIZED',
    )
    // The fake echoes the header it got; the client must not repeat it.
    expect(error.message).not.toContain(wrongKey)
    expect(error.message).toContain('[redacted]')
    expect(error.retryable).toBe(false)
    expect(fake.requestsTo('create-video')).toHaveLength(1)
  })

  it.each([
    ['message', { code: 2003, message: 'insufficient credits' }, 'insufficient credits'],
    ['info', { code: 5, info: 'image could not be fetched' }, 'image could not be fetched'],
  ])('code != 0 (text in %s): AITUBO_REJECTED with the server text', async (_field, body, text) => {
    fake.queue('create-video', json(200, body))
    const error = await expectCode(
      client().createVideoJob({ imageUrl: 'https://x.test/a.png' }),
      'AITUBO_REJECTED',
    )
    expect(error.message).toContain(text)
    expect(error.retryable).toBe(false)
    expect(fake.requestsTo('create-video')).toHaveLength(1)
  })

  it.each<[string, FakeAnswer]>([
    [
      'an HTML page',
      {
        status: 200,
        body: '<html><body>Maintenance</body></html>',
        headers: { 'content-type': 'text/html' },
      },
    ],
    [
      'truncated JSON',
      { status: 200, body: '{"code":0,"data":{"id":"jo', headers: { 'content-type': 'application/json' } },
    ],
    ['a string code', json(200, { code: '0', data: { id: 'job-1' } })],
    ['a numeric id', json(200, { code: 0, data: { id: 17 } })],
    ['no data', json(200, { code: 0 })],
  ])('garbage (%s): AITUBO_BAD_RESPONSE, not retried', async (_name, answer) => {
    fake.queue('create-video', answer)
    await expectCode(client().createVideoJob({ imageUrl: 'https://x.test/a.png' }), 'AITUBO_BAD_RESPONSE')
    expect(fake.requestsTo('create-video')).toHaveLength(1)
  })

  it.each<[string, unknown]>([
    ['a string status', { code: 0, data: { status: '2' } }],
    ['a completed job without a result', { code: 0, data: { status: 2 } }],
    [
      'a video URL that is not http',
      { code: 0, data: { status: 2, result: { data: { domain: 'file:', video: '/etc/passwd' } } } },
    ],
  ])('a poll answer with %s: AITUBO_BAD_RESPONSE', async (_name, body) => {
    fake.queue('get-video', json(200, body))
    await expectCode(client().getVideoJob('job-1'), 'AITUBO_BAD_RESPONSE')
  })
})

describe('AituboTransformer, jobs and results that fail', () => {
  it('a job that fails (status 3): AITUBO_JOB_FAILED with AITubo reason, nothing left behind', async () => {
    fake.jobStatuses = [0, 3]
    const input = transformInput()
    const error = await expectCode(transformer().transform(input), 'AITUBO_JOB_FAILED')
    expect(error.message).toContain(fake.failureInfo)
    await expect(readdir(input.outputDir)).rejects.toThrow(/ENOENT/)
    await expectNoLeftovers()
  })

  it('a job that never finishes: AITUBO_JOB_TIMEOUT at the deadline', async () => {
    fake.jobStatuses = [1]
    const startedMs = performance.now()
    await expectCode(transformer({ jobDeadlineMs: 300 }).transform(transformInput()), 'AITUBO_JOB_TIMEOUT')
    expect(performance.now() - startedMs).toBeLessThan(1_000)
    expect(fake.requestsTo('get-video').length).toBeGreaterThan(3)
    await expectNoLeftovers()
  })

  it.each([
    ['with a Content-Length', true],
    ['streamed without one', false],
  ])('a video over the byte cap (%s): AITUBO_RESULT_TOO_LARGE', async (_name, sendContentLength) => {
    fake.sendContentLength = sendContentLength
    fake.video = Buffer.alloc(64 * 1024, 7)
    const error = await expectCode(
      transformer({ maxVideoBytes: 1024 }).transform(transformInput()),
      'AITUBO_RESULT_TOO_LARGE',
    )
    expect(error.retryable).toBe(false)
    expect(fake.requestsTo('files')).toHaveLength(1)
    await expectNoLeftovers()
  })

  it.each([
    ['not an MP4', Buffer.from('<html>Just a moment...</html>')],
    [
      'an MP4 claiming 20000 x 20000 pixels',
      tinyMp4({ width: 20_000, height: 20_000, fps: 30, frameCount: 90 }),
    ],
  ])('a result that is %s: AITUBO_BAD_RESPONSE', async (_name, video) => {
    fake.video = video
    await expectCode(transformer().transform(transformInput()), 'AITUBO_BAD_RESPONSE')
    await expectNoLeftovers()
  })

  it('stops at once when aborted, with the caller reason, leaving nothing', async () => {
    fake.jobStatuses = [1]
    const controller = new AbortController()
    const input = { ...transformInput(), signal: controller.signal }
    setTimeout(() => controller.abort(), 100)
    await expect(transformer({ jobDeadlineMs: 10_000 }).transform(input)).rejects.toMatchObject({
      name: 'AbortError',
    })
    await expectNoLeftovers()
  })
})

describe('AituboClient circuit breaker', () => {
  it('opens after N failures, refuses without a request, and half-opens after the cool-down', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 300 })
    const aitubo = client({ breaker })
    fake.queue('create-video', serverError, serverError, serverError)
    await expectCode(aitubo.createVideoJob({ imageUrl: 'https://x.test/a.png' }), 'AITUBO_UNAVAILABLE')
    expect(breaker.state).toBe('open')
    expect(fake.requestsTo('create-video')).toHaveLength(3)

    await expectCode(aitubo.createVideoJob({ imageUrl: 'https://x.test/a.png' }), 'AITUBO_CIRCUIT_OPEN')
    await expectCode(aitubo.getVideoJob('job-1'), 'AITUBO_CIRCUIT_OPEN')
    expect(fake.requests).toHaveLength(3)

    await new Promise((resolve) => setTimeout(resolve, 350))
    expect(breaker.state).toBe('half-open')
    expect(await aitubo.createVideoJob({ imageUrl: 'https://x.test/a.png' })).toBe('job-1')
    expect(breaker.state).toBe('closed')
    expect(fake.requestsTo('create-video')).toHaveLength(4)
  })

  it('does not count answers such as a refused key as failures', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 60_000 })
    const aitubo = client({ breaker, apiKey: 'api-wrong' })
    await expectCode(aitubo.createVideoJob({ imageUrl: 'https://x.test/a.png' }), 'AITUBO_UNAUTHORIZED')
    expect(breaker.state).toBe('closed')
  })
})

describe('URL and header helpers', () => {
  it.each([
    ['https://file.aitubo.ai/', 'video/a.mp4', 'https://file.aitubo.ai/video/a.mp4'],
    ['https://file.aitubo.ai', '/video/a.mp4', 'https://file.aitubo.ai/video/a.mp4'],
    ['https://file.aitubo.ai//', '//video/a.mp4', 'https://file.aitubo.ai/video/a.mp4'],
    ['https://file.aitubo.ai/', 'https://cdn.test/v.mp4', 'https://cdn.test/v.mp4'],
    ['', 'video/a.mp4', undefined],
    ['javascript:', 'alert(1)', undefined],
  ])('resultUrl(%s, %s) = %s', (domain, path, expected) => {
    expect(resultUrl(domain, path)).toBe(expected)
  })

  it('parseRetryAfterMs reads seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('3')).toBe(3_000)
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(
      10_000,
    )
    expect(parseRetryAfterMs(null)).toBeUndefined()
    expect(parseRetryAfterMs('soon')).toBeUndefined()
  })
})
