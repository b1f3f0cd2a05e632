/**
 * Proves the quality check on real animated WebPs: a sine-eased 3D rotation rendered by the
 * local engine's own renderer passes with every metric measured; frozen frames, a jump cut and
 * a static animation fail NOT_SMOOTH; the wrong size, frame rate or length fail with their own
 * code and nothing else; and garbage, truncated or missing files give DECODE_FAILED, never a
 * throw. Animations are small (192x108) so the file runs in about a second.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cardGeometry, framePlan } from '../engine/projection.ts'
import { type ScratchDir, scratchDir, writeScene } from '../engine/test-images.ts'
import { loadTextures, type SceneTextures } from '../engine/textures.ts'
import { frameDelaysMs, type TransformResult } from '../engine/transformer.ts'
import { renderFrame } from '../engine/warp.ts'
import { frameChunksOf, muxAnimatedWebp } from '../engine/webp-mux.ts'
import { checkAnimation, checkTransformResult, type QualityExpectations } from './quality-check.ts'

const WIDTH = 192
const HEIGHT = 108
const FRAME_COUNT = 90
const EXPECTED: QualityExpectations = { width: WIDTH, height: HEIGHT, fps: 30, minDurationMs: 3000 }
const geometry = cardGeometry(WIDTH, HEIGHT)

let scratch: ScratchDir
let textures: SceneTextures

beforeAll(async () => {
  scratch = await scratchDir()
  textures = await loadTextures(await writeScene(scratch.dir, 640, 360), geometry)
})
afterAll(() => scratch.cleanup())

/** Frame k of an n-frame loop of the engine's orbit, as raw RGBA. */
function frame(k: number, loopFrames = FRAME_COUNT): Buffer {
  const pixels = new Int32Array(WIDTH * HEIGHT)
  const plan = framePlan(k, loopFrames, 'orbit', geometry, textures.background)
  renderFrame(textures.card, textures.background, plan, WIDTH, HEIGHT, pixels)
  return Buffer.from(pixels.buffer)
}

/**
 * Encodes frames the ordinary way (sharp's animation encoder), as another engine might. Delays
 * go as one per frame: sharp 0.35.5 applies a single number to the first frame only and gives
 * the others 100 ms.
 */
async function animation(name: string, frames: Buffer[], delayMs: number[]): Promise<string> {
  const file = path.join(scratch.dir, name)
  const raw = { width: WIDTH, height: HEIGHT * frames.length, channels: 4 as const, pageHeight: HEIGHT }
  await sharp(Buffer.concat(frames), { raw }).webp({ quality: 80, delay: delayMs, loop: 0 }).toFile(file)
  return file
}

const loop = (loopFrames = FRAME_COUNT) => Array.from({ length: loopFrames }, (_, k) => frame(k, loopFrames))
const delays = frameDelaysMs(30, FRAME_COUNT)

function codes(report: { failures: Array<{ code: string }> }): string[] {
  return report.failures.map((failure) => failure.code)
}

describe('checkAnimation', () => {
  it('passes a smooth sine-eased rotation and measures it', async () => {
    const report = await checkAnimation(await animation('smooth.webp', loop(), delays), EXPECTED)
    expect(report.failures).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.metrics).toMatchObject({ width: WIDTH, height: HEIGHT, frameCount: 90, durationMs: 3000 })
    expect(report.metrics.fps).toBe(30)
    expect(report.metrics.smoothness).toBeGreaterThanOrEqual(0.95)
    expect(report.metrics.meanChange).toBeGreaterThan(0)
    expect(report.metrics.seamChange / report.metrics.meanChange).toBeGreaterThan(0.5)
    expect(report.metrics.seamChange / report.metrics.meanChange).toBeLessThan(2)
  })

  it('fails an animation with a few frozen frames as not smooth, and for nothing else', async () => {
    const frames = loop()
    for (const k of [20, 50, 70]) frames[k] = frames[k - 1]!
    const report = await checkAnimation(await animation('frozen.webp', frames, delays), EXPECTED)
    expect(codes(report)).toEqual(['NOT_SMOOTH'])
  })

  it('fails a jump cut as not smooth', async () => {
    // 90 frames of a 105-frame loop with frames 45..59 cut out: the seam itself stays smooth.
    const all = loop(105)
    const frames = [...all.slice(0, 45), ...all.slice(60)]
    const report = await checkAnimation(await animation('jump.webp', frames, delays), EXPECTED)
    expect(codes(report)).toEqual(['NOT_SMOOTH'])
  })

  it('fails a static animation, whether stored as 90 frames or collapsed by the encoder', async () => {
    const still = frameChunksOf(
      await sharp(frame(0), { raw: { width: WIDTH, height: HEIGHT, channels: 4 } })
        .webp()
        .toBuffer(),
    )
    const frames = delays.map((durationMs) => ({ ...still, durationMs }))
    const stored = path.join(scratch.dir, 'static-90.webp')
    await writeFile(stored, muxAnimatedWebp(frames, WIDTH, HEIGHT))
    const report = await checkAnimation(stored, EXPECTED)
    expect(codes(report)).toEqual(['NOT_SMOOTH'])
    expect(report.metrics).toMatchObject({ frameCount: 90, smoothness: 0, meanChange: 0 })

    const collapsed = await animation('static.webp', new Array(FRAME_COUNT).fill(frame(0)), delays)
    const collapsedReport = await checkAnimation(collapsed, EXPECTED)
    expect(codes(collapsedReport)).toContain('NOT_SMOOTH')
    expect(collapsedReport.ok).toBe(false)
  })

  it('fails the wrong size, frame rate or length with its own code only', async () => {
    const smooth = await animation('smooth-again.webp', loop(), delays)
    const wrongSize = await checkAnimation(smooth, { ...EXPECTED, width: 1920, height: 1080 })
    expect(codes(wrongSize)).toEqual(['WRONG_RESOLUTION'])

    const fifteenFps = await checkAnimation(
      await animation('15fps.webp', loop(), new Array(FRAME_COUNT).fill(66)),
      EXPECTED,
    )
    expect(codes(fifteenFps)).toEqual(['WRONG_FRAME_RATE'])
    expect(fifteenFps.metrics.fps).toBeCloseTo(1000 / 66, 3)

    const oneSecond = await checkAnimation(
      await animation('short.webp', loop(30), frameDelaysMs(30, 30)),
      EXPECTED,
    )
    expect(codes(oneSecond)).toEqual(['TOO_SHORT'])
  })

  it('reports DECODE_FAILED for garbage, truncated and missing files instead of throwing', async () => {
    const garbage = path.join(scratch.dir, 'garbage.webp')
    await writeFile(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 73) & 0xff)))
    const valid = await sharp(path.join(scratch.dir, 'smooth.webp'), { animated: true }).webp().toBuffer()
    const truncated = path.join(scratch.dir, 'truncated.webp')
    await writeFile(truncated, valid.subarray(0, valid.length >> 1))
    for (const file of [garbage, truncated, path.join(scratch.dir, 'missing.webp')]) {
      const report = await checkAnimation(file, EXPECTED)
      expect(report.ok).toBe(false)
      expect(codes(report)).toEqual(['DECODE_FAILED'])
      expect(report.failures[0]!.detail).not.toBe('')
    }
  })
})

describe('checkTransformResult', () => {
  it('holds the file to what the engine claims unless told what was asked for', async () => {
    const file = await animation('claimed.webp', loop(), delays)
    const claimed: TransformResult = {
      animationPath: file,
      mp4Path: null,
      posterPath: '',
      thumbnailPaths: { small: '', medium: '' },
      width: WIDTH,
      height: HEIGHT,
      fps: 30,
      frameCount: 90,
      durationMs: 3000,
      engine: 'aitubo',
      processingMs: 1,
    }
    expect((await checkTransformResult(claimed)).ok).toBe(true)
    expect(codes(await checkTransformResult(claimed, { ...EXPECTED, minDurationMs: 5000 }))).toEqual([
      'TOO_SHORT',
    ])
  })
})
