/**
 * Proves the local engine end to end on small outputs (a settings override keeps the whole file
 * fast; local-engine.full.test.ts runs the real 1080p size once): the animation decodes with the
 * requested size, frame count and delays and passes the quality check; the loop seam is an
 * ordinary step; portrait and square sources keep their aspect; progress rises to 1; an abort
 * or any failure leaves no file behind; and the MP4 goes through ffmpeg only when a binary is
 * given (a fake one here, which records what it is sent).
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkTransformResult, expectationsFor } from '../quality/quality-check.ts'
import { frameChanges } from '../quality/smoothness.ts'
import { LocalEngine } from './local-engine.ts'
import { type ScratchDir, scratchDir, writeScene } from './test-images.ts'
import { DEFAULT_TRANSFORM_SETTINGS, type TransformSettings } from './transformer.ts'

/** 256x144 for a 16:9 source: 90 real frames, but each tiny. */
const SMALL: TransformSettings = { ...DEFAULT_TRANSFORM_SETTINGS, outputShortSidePx: 144 }
/** Six frames, for tests about files rather than motion. */
const BRIEF: TransformSettings = { ...SMALL, durationSeconds: 0.2 }
const TEST_TIMEOUT_MS = 20_000

let scratch: ScratchDir
let source: string
/** One engine for the file, so its render threads start once. */
const engine = new LocalEngine()

beforeAll(async () => {
  scratch = await scratchDir()
  source = await writeScene(scratch.dir, 640, 360)
})
afterAll(async () => {
  await engine.close()
  await scratch.cleanup()
})

function outputDir(name: string): string {
  return path.join(scratch.dir, name)
}

async function lumaFrames(file: string): Promise<Uint8Array[]> {
  const { data, info } = await sharp(file, { animated: true })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const bytes = info.width * info.pageHeight!
  return Array.from({ length: info.pages! }, (_, i) => data.subarray(i * bytes, (i + 1) * bytes))
}

describe('LocalEngine', () => {
  it(
    'renders a 3 s loop at 30 fps that decodes as requested and passes the quality check',
    async () => {
      const progress: number[] = []
      const result = await engine.transform({
        sourcePath: source,
        width: 640,
        height: 360,
        outputDir: outputDir('small'),
        settings: SMALL,
        onProgress: (fraction) => progress.push(fraction),
      })
      expect(result).toMatchObject({ width: 256, height: 144, fps: 30, frameCount: 90, durationMs: 3000 })
      expect(result).toMatchObject({ engine: 'local', mp4Path: null })
      const metadata = await sharp(result.animationPath, { animated: true }).metadata()
      expect(metadata).toMatchObject({ format: 'webp', width: 256, pageHeight: 144, pages: 90, loop: 0 })
      expect(metadata.delay!.reduce((sum, ms) => sum + ms, 0)).toBe(3000)
      expect(await sharp(result.posterPath).metadata()).toMatchObject({
        format: 'jpeg',
        width: 256,
        height: 144,
      })
      expect((await sharp(result.thumbnailPaths.small).metadata()).width).toBe(240)
      expect((await sharp(result.thumbnailPaths.medium).metadata()).width).toBe(480)
      expect(progress.at(-1)).toBe(1)
      expect(progress).toEqual([...progress].sort((a, b) => a - b))

      const report = await checkTransformResult(result, expectationsFor({ width: 640, height: 360 }, SMALL))
      expect(report.failures).toEqual([])
      expect(report.metrics.smoothness).toBeGreaterThanOrEqual(0.95)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'loops seamlessly: the step from the last frame to the first is like any other',
    async () => {
      const result = await engine.transform({
        sourcePath: source,
        width: 640,
        height: 360,
        outputDir: outputDir('seam'),
        settings: { ...SMALL, motion: 'gentle' },
      })
      const changes = frameChanges(await lumaFrames(result.animationPath))
      const seam = changes.at(-1)!
      const sorted = [...changes].sort((a, b) => a - b)
      const median = sorted[sorted.length >> 1]!
      expect(seam / median).toBeGreaterThan(0.6)
      expect(seam / median).toBeLessThan(1.6)
      // Neighbouring steps of the seam are as large as it is: no jump back to the start.
      expect(seam / changes.at(-2)!).toBeGreaterThan(0.8)
      expect(seam / changes[0]!).toBeLessThan(1.25)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'keeps the aspect of portrait and square sources',
    async () => {
      const portrait = await writeScene(scratch.dir, 360, 640, 'portrait.png')
      const square = await writeScene(scratch.dir, 500, 500, 'square.png')
      const tall = await engine.transform({
        sourcePath: portrait,
        width: 360,
        height: 640,
        outputDir: outputDir('portrait'),
        settings: BRIEF,
      })
      const even = await engine.transform({
        sourcePath: square,
        width: 500,
        height: 500,
        outputDir: outputDir('square'),
        settings: BRIEF,
      })
      expect(await sharp(tall.animationPath, { animated: true }).metadata()).toMatchObject({
        width: 144,
        pageHeight: 256,
        pages: 6,
      })
      expect(await sharp(even.animationPath, { animated: true }).metadata()).toMatchObject({
        width: 144,
        pageHeight: 144,
      })
    },
    TEST_TIMEOUT_MS,
  )
})

describe('LocalEngine failures leave nothing behind', () => {
  async function namesBeside(dir: string): Promise<string[]> {
    return (await scratch.list()).filter((name) => name.includes(path.basename(dir)))
  }

  it(
    'stops on abort part-way, rejecting with the abort and leaving no files',
    async () => {
      const controller = new AbortController()
      const dir = outputDir('aborted')
      const outcome = engine.transform({
        sourcePath: source,
        width: 640,
        height: 360,
        outputDir: dir,
        settings: SMALL,
        signal: controller.signal,
        onProgress: (fraction) => {
          if (fraction > 0.3) controller.abort()
        },
      })
      await expect(outcome).rejects.toMatchObject({ name: 'AbortError' })
      expect(await namesBeside(dir)).toEqual([])
    },
    TEST_TIMEOUT_MS,
  )

  it('does not start when already aborted', async () => {
    const dir = outputDir('never')
    const outcome = engine.transform({
      sourcePath: source,
      width: 640,
      height: 360,
      outputDir: dir,
      signal: AbortSignal.abort(),
    })
    await expect(outcome).rejects.toMatchObject({ name: 'AbortError' })
    expect(await namesBeside(dir)).toEqual([])
  })

  it(
    'fails on a corrupt source and on an output folder that already holds files',
    async () => {
      const corrupt = path.join(scratch.dir, 'corrupt.png')
      await writeFile(corrupt, Buffer.from('\x89PNG\r\n\x1a\nnot really'))
      const broken = outputDir('broken')
      await expect(
        engine.transform({
          sourcePath: corrupt,
          width: 640,
          height: 360,
          outputDir: broken,
          settings: BRIEF,
        }),
      ).rejects.toThrow()
      expect(await namesBeside(broken)).toEqual([])

      const occupied = outputDir('occupied')
      await mkdir(occupied)
      await writeFile(path.join(occupied, 'keep.txt'), 'mine')
      await expect(
        engine.transform({
          sourcePath: source,
          width: 640,
          height: 360,
          outputDir: occupied,
          settings: BRIEF,
        }),
      ).rejects.toThrow()
      expect(await namesBeside(occupied)).toEqual(['occupied'])
      expect(await readFile(path.join(occupied, 'keep.txt'), 'utf8')).toBe('mine')
    },
    TEST_TIMEOUT_MS,
  )
})

describe('LocalEngine MP4', () => {
  async function fakeFfmpeg(name: string, script: string): Promise<string> {
    const file = path.join(scratch.dir, name)
    await writeFile(file, `#!/bin/sh\n${script}\n`)
    await chmod(file, 0o755)
    return file
  }

  /** An engine of its own for the ffmpeg option, with one render thread to start quickly. */
  async function transformWith(ffmpegPath: string, dir: string) {
    const withMp4 = new LocalEngine({ ffmpegPath, workerCount: 1 })
    try {
      return await withMp4.transform({
        sourcePath: source,
        width: 640,
        height: 360,
        outputDir: dir,
        settings: BRIEF,
      })
    } finally {
      await withMp4.close()
    }
  }

  it(
    'pipes every frame in order to ffmpeg as raw RGBA and asks for H.264, yuv420p and faststart',
    async () => {
      // The fake writes its arguments to the output path and the frames it read beside it.
      const ffmpegPath = await fakeFfmpeg(
        'ffmpeg-ok',
        'for last; do :; done\necho "$*" > "$last"\ncat > "$last.frames"',
      )
      const result = await transformWith(ffmpegPath, outputDir('with-mp4'))
      expect(result.mp4Path).toBe(path.join(outputDir('with-mp4'), 'animation.mp4'))
      const args = await readFile(result.mp4Path!, 'utf8')
      expect(args).toContain('-f rawvideo -pix_fmt rgba -s 256x144 -r 30 -i pipe:0')
      expect(args).toContain('-c:v libx264')
      expect(args).toContain('-pix_fmt yuv420p -movflags +faststart')
      expect((await stat(`${result.mp4Path}.frames`)).size).toBe(6 * 256 * 144 * 4)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'fails with ffmpeg’s own message when it fails, leaving no files',
    async () => {
      const ffmpegPath = await fakeFfmpeg('ffmpeg-broken', 'echo "Unknown encoder \'libx264\'" >&2\nexit 1')
      const dir = outputDir('mp4-failed')
      await expect(transformWith(ffmpegPath, dir)).rejects.toThrow(/Unknown encoder 'libx264'/)
      expect((await scratch.list()).filter((name) => name.includes(path.basename(dir)))).toEqual([])
    },
    TEST_TIMEOUT_MS,
  )
})
