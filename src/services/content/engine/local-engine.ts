/**
 * The local animation engine (SPEC 4): turns a still into a seamlessly looping animation of the
 * image as a card swinging in 3D over a blurred parallax copy of itself, with no network and no
 * binary outside npm. Output: animated WebP (always), MP4 (when an ffmpeg binary is given), a
 * poster frame and two thumbnails.
 *
 * The work is a pipeline over frames. Worker threads render frames (render-pool.ts); as each
 * arrives, sharp encodes it as a still WebP on libuv's thread pool and, if there is an MP4, it
 * is piped to ffmpeg. A fixed number of frames is in flight at once ("lanes"), which keeps both
 * cores busy while memory stays at a few frames. At the end the stills are wrapped into one
 * animation (webp-mux.ts explains why this beats sharp's animation encoder).
 *
 * Files are written into a staging directory beside `outputDir` and renamed into place only
 * when all of them are complete, so `outputDir` either holds a full set or does not exist.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { Mp4Writer } from './ffmpeg.ts'
import { type CardGeometry, cardGeometry, framePlan } from './projection.ts'
import { RenderPool, type Scene } from './render-pool.ts'
import { loadTextures } from './textures.ts'
import {
  assertTransformSettings,
  DEFAULT_TRANSFORM_SETTINGS,
  frameCountOf,
  frameDelaysMs,
  loopDurationMs,
  OUTPUT_FILE_NAMES,
  outputSize,
  THUMBNAIL_WIDTHS_PX,
  type Transformer,
  type TransformInput,
  type TransformResult,
  type TransformSettings,
} from './transformer.ts'
import { BYTES_PER_PIXEL } from './warp.ts'
import { type AnimationFrame, frameChunksOf, muxAnimatedWebp } from './webp-mux.ts'

export interface LocalEngineOptions {
  /** An ffmpeg binary (see `findFfmpeg`); without one no MP4 is made. */
  ffmpegPath?: string | null
  /** Render threads; one per core of the 2-core target by default. */
  workerCount?: number
}

const DEFAULT_WORKER_COUNT = 2
/**
 * Frames in flight beyond one per render thread. Two lets sharp encode two frames while the
 * workers render the next ones; more would only queue (and hold 8 MB per 1080p frame).
 */
const EXTRA_LANES = 2
const POSTER_JPEG_QUALITY = 85
const THUMBNAIL_JPEG_QUALITY = 80
/** Progress milestones: textures ready, then frames up to this, then 1 once published. */
const TEXTURES_READY_PROGRESS = 0.05
const FRAMES_DONE_PROGRESS = 0.95

/** What one transform needs, gathered once. */
interface Job {
  sourcePath: string
  stagingDir: string
  settings: TransformSettings
  geometry: CardGeometry
  frameCount: number
  /** Frames in flight at once. */
  laneCount: number
  ffmpegPath: string | null
  signal: AbortSignal | undefined
  progress(fraction: number): void
}

export class LocalEngine implements Transformer {
  readonly kind = 'local' as const
  private pool: RenderPool | null = null

  constructor(private readonly options: LocalEngineOptions = {}) {}

  /** Stops the render threads; a later transform starts new ones. */
  async close(): Promise<void> {
    const pool = this.pool
    this.pool = null
    await pool?.close()
  }

  /** The engine's render threads, started on first use and replaced if one has died. */
  private renderPool(): RenderPool {
    if (!this.pool || this.pool.broken) {
      this.pool = new RenderPool(this.options.workerCount ?? DEFAULT_WORKER_COUNT)
    }
    return this.pool
  }

  async transform(input: TransformInput): Promise<TransformResult> {
    const startedMs = performance.now()
    const settings = input.settings ?? DEFAULT_TRANSFORM_SETTINGS
    assertTransformSettings(settings)
    input.signal?.throwIfAborted()
    const { width, height } = outputSize(input.width, input.height, settings.outputShortSidePx)
    const frameCount = frameCountOf(settings)
    const ffmpegPath = this.options.ffmpegPath ?? null
    const stagingDir = await makeStagingDir(input.outputDir)
    const job: Job = {
      sourcePath: input.sourcePath,
      stagingDir,
      settings,
      geometry: cardGeometry(width, height),
      frameCount,
      laneCount: (this.options.workerCount ?? DEFAULT_WORKER_COUNT) + EXTRA_LANES,
      ffmpegPath,
      signal: input.signal,
      progress: monotonic(input.onProgress),
    }
    try {
      await renderAnimation(job, this.renderPool())
      input.signal?.throwIfAborted()
      await rename(stagingDir, input.outputDir)
    } catch (error) {
      await rm(stagingDir, { recursive: true, force: true })
      throw error
    }
    job.progress(1)
    const output = (name: string) => path.join(input.outputDir, name)
    return {
      animationPath: output(OUTPUT_FILE_NAMES.animation),
      mp4Path: ffmpegPath ? output(OUTPUT_FILE_NAMES.mp4) : null,
      posterPath: output(OUTPUT_FILE_NAMES.poster),
      thumbnailPaths: {
        small: output(OUTPUT_FILE_NAMES.thumbnailSmall),
        medium: output(OUTPUT_FILE_NAMES.thumbnailMedium),
      },
      width,
      height,
      fps: settings.fps,
      frameCount,
      durationMs: loopDurationMs(settings.fps, frameCount),
      engine: 'local',
      processingMs: Math.round(performance.now() - startedMs),
    }
  }
}

/**
 * A fresh directory beside `outputDir` (same filesystem, so the final rename is atomic). A crash
 * can leave one behind; its name starts with a dot and ends in `.partial-` plus random letters.
 */
async function makeStagingDir(outputDir: string): Promise<string> {
  const target = path.resolve(outputDir)
  await mkdir(path.dirname(target), { recursive: true })
  return mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.partial-`))
}

/** Wraps the caller's progress callback so that it only ever sees a rising fraction. */
function monotonic(onProgress: ((fraction: number) => void) | undefined): (fraction: number) => void {
  let reported = 0
  return (fraction) => {
    if (fraction <= reported) return
    reported = fraction
    onProgress?.(fraction)
  }
}

async function renderAnimation(job: Job, pool: RenderPool): Promise<void> {
  const { frameWidth, frameHeight } = job.geometry
  const mp4 = job.ffmpegPath
    ? new Mp4Writer(
        job.ffmpegPath,
        frameWidth,
        frameHeight,
        job.settings.fps,
        path.join(job.stagingDir, OUTPUT_FILE_NAMES.mp4),
      )
    : null
  // The render pool drops this job's frames on abort by itself; ffmpeg has to be told.
  const stopMp4 = () => mp4?.kill()
  job.signal?.addEventListener('abort', stopMp4, { once: true })
  try {
    const textures = await loadTextures(job.sourcePath, job.geometry)
    job.signal?.throwIfAborted()
    job.progress(TEXTURES_READY_PROGRESS)
    const scene: Scene = { ...textures, frameWidth, frameHeight }
    const frames = await renderAndEncodeFrames(job, pool, scene, mp4)
    const animation = muxAnimatedWebp(frames, frameWidth, frameHeight)
    await writeFile(path.join(job.stagingDir, OUTPUT_FILE_NAMES.animation), animation)
    await mp4?.finish()
  } catch (error) {
    mp4?.kill()
    throw error
  } finally {
    job.signal?.removeEventListener('abort', stopMp4)
  }
}

async function renderAndEncodeFrames(
  job: Job,
  pool: RenderPool,
  scene: Scene,
  mp4: Mp4Writer | null,
): Promise<AnimationFrame[]> {
  const { frameCount, settings } = job
  const delaysMs = frameDelaysMs(settings.fps, frameCount)
  const frames: AnimationFrame[] = new Array(frameCount)
  let nextFrameIndex = 0
  let framesDone = 0
  let failed = false
  const lane = async () => {
    while (nextFrameIndex < frameCount && !failed) {
      job.signal?.throwIfAborted()
      const frameIndex = nextFrameIndex++
      const plan = framePlan(frameIndex, frameCount, settings.motion, job.geometry, scene.background)
      const pixels = await pool.render({ scene, plan, frameIndex }, job.signal)
      const rgba = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength)
      const [still] = await Promise.all([
        encodeStill(rgba, scene, settings),
        mp4?.write(frameIndex, rgba),
        frameIndex === 0 ? writePosterAndThumbnails(rgba, scene, job.stagingDir) : undefined,
      ])
      frames[frameIndex] = { ...frameChunksOf(still), durationMs: delaysMs[frameIndex]! }
      framesDone++
      const share = framesDone / frameCount
      job.progress(TEXTURES_READY_PROGRESS + (FRAMES_DONE_PROGRESS - TEXTURES_READY_PROGRESS) * share)
    }
  }
  // One failed frame fails the animation, so the other lanes stop after their current frame.
  const stopOnFailure = (error: unknown) => {
    failed = true
    throw error
  }
  const outcomes = await Promise.allSettled(
    Array.from({ length: job.laneCount }, () => lane().catch(stopOnFailure)),
  )
  // After an abort some lanes may fail with what the abort broke (ffmpeg's pipe); the abort is
  // the real reason.
  job.signal?.throwIfAborted()
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason
  return frames
}

function rawInput(scene: Scene) {
  return {
    raw: { width: scene.frameWidth, height: scene.frameHeight, channels: BYTES_PER_PIXEL },
  } as const
}

function encodeStill(rgba: Buffer, scene: Scene, settings: TransformSettings): Promise<Buffer> {
  return sharp(rgba, rawInput(scene))
    .webp({ quality: settings.quality, effort: settings.encodeEffort })
    .toBuffer()
}

/** The first frame, as it is what a player shows before the animation loads. */
async function writePosterAndThumbnails(rgba: Buffer, scene: Scene, dir: string): Promise<void> {
  const opaque = () => sharp(rgba, rawInput(scene)).removeAlpha()
  await Promise.all([
    opaque().jpeg({ quality: POSTER_JPEG_QUALITY }).toFile(path.join(dir, OUTPUT_FILE_NAMES.poster)),
    opaque()
      .resize({ width: THUMBNAIL_WIDTHS_PX.medium })
      .jpeg({ quality: THUMBNAIL_JPEG_QUALITY })
      .toFile(path.join(dir, OUTPUT_FILE_NAMES.thumbnailMedium)),
    opaque()
      .resize({ width: THUMBNAIL_WIDTHS_PX.small })
      .jpeg({ quality: THUMBNAIL_JPEG_QUALITY })
      .toFile(path.join(dir, OUTPUT_FILE_NAMES.thumbnailSmall)),
  ])
}
