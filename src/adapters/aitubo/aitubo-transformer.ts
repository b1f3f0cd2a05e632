/**
 * The AITubo engine behind the content pipeline's Transformer interface (SPEC 4: "the AITubo
 * service (API key, job create, poll, download)"): it hands AITubo a URL of the source image,
 * polls the job until it completes, fails or runs past the deadline, downloads the MP4 and the
 * cover image, and derives the poster and thumbnails from the cover with sharp.
 *
 * What AITubo gives is an MP4, so `mp4Path` is always set. The animated WebP the platform plays
 * needs a converter: with `ffmpegPath` the MP4 is converted (see mp4-to-webp.ts); WITHOUT IT,
 * `animationPath` IS THE MP4 ITSELF, and anything that decodes `animationPath` as WebP (the quality
 * check) must expect that. Size, frame count and duration are read from the MP4's boxes.
 *
 * Unsettled by any source (reference/content.md section 1): which request fields besides `image`
 * the video route takes, so only `image` and an optional `prompt` are sent and the transform
 * settings (fps, length, size) cannot be passed on; what AITubo produces is checked afterwards
 * by the quality check like any engine's output. There is no documented way to cancel a job, so
 * a job abandoned at the deadline or on abort runs on at AITubo.
 *
 * Files are built in a staging directory beside `outputDir` and renamed into place at the end,
 * so `outputDir` appears complete or not at all.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import sharp from 'sharp'
import {
  DEFAULT_TRANSFORM_SETTINGS,
  OUTPUT_FILE_NAMES,
  THUMBNAIL_WIDTHS_PX,
  type Transformer,
  type TransformInput,
  type TransformResult,
} from '../../services/content/engine/transformer.ts'
import type { AituboClient } from './aitubo-client.ts'
import { AituboError } from './errors.ts'
import { readMp4Info } from './mp4-info.ts'
import { convertMp4ToWebp } from './mp4-to-webp.ts'

/** Callers poll every 1-5 s (reference section 1); image-to-video takes about 2 minutes. */
export const DEFAULT_AITUBO_POLL_INTERVAL_MS = 3_000
/** The video service in the reference gives up after 5 minutes. */
export const DEFAULT_AITUBO_JOB_DEADLINE_MS = 5 * 60_000
/** A few seconds of 1080p H.264 is a few megabytes; far more is not a meme loop. */
export const DEFAULT_AITUBO_MAX_VIDEO_BYTES = 64 * 1024 * 1024
export const DEFAULT_AITUBO_MAX_COVER_BYTES = 20 * 1024 * 1024
const POSTER_JPEG_QUALITY = 85
const THUMBNAIL_JPEG_QUALITY = 80
/**
 * An 8K frame, far above what AITubo returns: the limit for decoding the cover and for the size
 * the video claims (the poster is rendered at that size, so a lying MP4 must not set it).
 */
const MAX_FRAME_PIXELS = 7680 * 4320
const COVER_FILE_NAME = 'cover.download'

/** Progress milestones; polling moves between `created` and `completed` as time passes. */
const PROGRESS = Object.freeze({ created: 0.1, completed: 0.7, downloaded: 0.8, derived: 0.95, done: 1 })

export interface AituboTransformerOptions {
  client: AituboClient
  /** A URL at which AITubo can fetch the (validated, metadata-free) source image, e.g. a signed URL. */
  imageUrlFor(sourcePath: string): Promise<string>
  prompt?: string
  pollIntervalMs?: number
  /** From the job's creation to its completion. */
  jobDeadlineMs?: number
  maxVideoBytes?: number
  maxCoverBytes?: number
  /** An ffmpeg binary with libwebp; without one, `animationPath` is the MP4. */
  ffmpegPath?: string
  nowMs?: () => number
}

type Completed = { videoUrl: string; coverUrl: string | undefined }

export class AituboTransformer implements Transformer {
  readonly kind = 'aitubo' as const
  private readonly client: AituboClient
  private readonly options: AituboTransformerOptions
  private readonly pollIntervalMs: number
  private readonly jobDeadlineMs: number
  private readonly nowMs: () => number

  constructor(options: AituboTransformerOptions) {
    this.client = options.client
    this.options = options
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_AITUBO_POLL_INTERVAL_MS
    this.jobDeadlineMs = options.jobDeadlineMs ?? DEFAULT_AITUBO_JOB_DEADLINE_MS
    this.nowMs = options.nowMs ?? (() => performance.now())
  }

  async transform(input: TransformInput): Promise<TransformResult> {
    const startedMs = this.nowMs()
    const report = monotonic(input.onProgress)
    const stagingDir = `${input.outputDir}.staging-${randomUUID()}`
    await mkdir(stagingDir, { recursive: true })
    try {
      const imageUrl = await this.options.imageUrlFor(input.sourcePath)
      const jobId = await this.client.createVideoJob({ imageUrl, prompt: this.options.prompt }, input.signal)
      report(PROGRESS.created)
      const job = await this.waitForJob(jobId, input.signal, report)
      report(PROGRESS.completed)
      const files = await this.buildFiles(job, input, stagingDir, report)
      await mkdir(dirname(input.outputDir), { recursive: true })
      await rename(stagingDir, input.outputDir)
      report(PROGRESS.done)
      const inOutput = (name: string) => join(input.outputDir, name)
      return {
        ...files.video,
        animationPath: inOutput(files.animationName),
        mp4Path: inOutput(OUTPUT_FILE_NAMES.mp4),
        posterPath: inOutput(OUTPUT_FILE_NAMES.poster),
        thumbnailPaths: {
          small: inOutput(OUTPUT_FILE_NAMES.thumbnailSmall),
          medium: inOutput(OUTPUT_FILE_NAMES.thumbnailMedium),
        },
        engine: 'aitubo',
        processingMs: Math.round(this.nowMs() - startedMs),
      }
    } finally {
      await rm(stagingDir, { recursive: true, force: true })
    }
  }

  /** Polls until the job completes; a failed job or the deadline ends it with an AituboError. */
  private async waitForJob(jobId: string, signal: AbortSignal | undefined, report: (f: number) => void) {
    const createdMs = this.nowMs()
    for (;;) {
      const job = await this.client.getVideoJob(jobId, signal)
      if (job.state === 'completed') return job
      if (job.state === 'failed') {
        throw new AituboError('AITUBO_JOB_FAILED', `AITubo job ${jobId} failed: ${job.reason}`)
      }
      const elapsedMs = this.nowMs() - createdMs
      if (elapsedMs + this.pollIntervalMs > this.jobDeadlineMs) {
        throw new AituboError(
          'AITUBO_JOB_TIMEOUT',
          `AITubo job ${jobId} was not finished after ${Math.round(elapsedMs)} ms (status ${job.status})`,
        )
      }
      // AITubo reports no progress, so the bar follows the clock towards the deadline.
      report(PROGRESS.created + (PROGRESS.completed - PROGRESS.created) * (elapsedMs / this.jobDeadlineMs))
      await sleep(this.pollIntervalMs, undefined, { signal }).catch((error: unknown) => {
        signal?.throwIfAborted()
        throw error
      })
    }
  }

  /** Downloads the video and cover and writes every output file into `dir`. */
  private async buildFiles(job: Completed, input: TransformInput, dir: string, report: (f: number) => void) {
    const { signal } = input
    const mp4Path = join(dir, OUTPUT_FILE_NAMES.mp4)
    const maxVideoBytes = this.options.maxVideoBytes ?? DEFAULT_AITUBO_MAX_VIDEO_BYTES
    await this.client.download(job.videoUrl, mp4Path, { maxBytes: maxVideoBytes, signal })
    const video = await readMp4Info(mp4Path)
    if (video === undefined) {
      throw new AituboError(
        'AITUBO_BAD_RESPONSE',
        'the AITubo result is not an MP4 with a readable video track',
      )
    }
    if (video.width * video.height > MAX_FRAME_PIXELS) {
      throw new AituboError(
        'AITUBO_BAD_RESPONSE',
        `the AITubo video claims ${video.width} x ${video.height} pixels`,
      )
    }
    report(PROGRESS.downloaded)
    await this.writePoster(job.coverUrl, input.sourcePath, dir, video, signal)
    await writeThumbnails(join(dir, OUTPUT_FILE_NAMES.poster), dir)
    let animationName: string = OUTPUT_FILE_NAMES.mp4
    if (this.options.ffmpegPath !== undefined) {
      const quality = (input.settings ?? DEFAULT_TRANSFORM_SETTINGS).quality
      await convertMp4ToWebp(this.options.ffmpegPath, mp4Path, join(dir, OUTPUT_FILE_NAMES.animation), {
        quality,
        signal,
      })
      animationName = OUTPUT_FILE_NAMES.animation
    }
    report(PROGRESS.derived)
    const { width, height, fps, frameCount, durationMs } = video
    return { animationName, video: { width, height, fps, frameCount, durationMs } }
  }

  /**
   * The poster is AITubo's cover image at the video's size. Without a cover, the source image
   * stands in: an image-to-video clip starts from it.
   */
  private async writePoster(
    coverUrl: string | undefined,
    sourcePath: string,
    dir: string,
    size: { width: number; height: number },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let posterSource = sourcePath
    if (coverUrl !== undefined) {
      posterSource = join(dir, COVER_FILE_NAME)
      const maxBytes = this.options.maxCoverBytes ?? DEFAULT_AITUBO_MAX_COVER_BYTES
      await this.client.download(coverUrl, posterSource, { maxBytes, signal })
    }
    try {
      await sharp(posterSource, { failOn: 'warning', limitInputPixels: MAX_FRAME_PIXELS })
        .resize(size.width, size.height, { fit: 'cover' })
        .jpeg({ quality: POSTER_JPEG_QUALITY })
        .toFile(join(dir, OUTPUT_FILE_NAMES.poster))
    } catch (error) {
      if (coverUrl === undefined) throw error
      throw new AituboError(
        'AITUBO_BAD_RESPONSE',
        `the AITubo cover image cannot be decoded: ${(error as Error).message}`,
      )
    } finally {
      if (coverUrl !== undefined) await rm(posterSource, { force: true })
    }
  }
}

async function writeThumbnails(posterPath: string, dir: string): Promise<void> {
  const sizes = [
    [THUMBNAIL_WIDTHS_PX.small, OUTPUT_FILE_NAMES.thumbnailSmall],
    [THUMBNAIL_WIDTHS_PX.medium, OUTPUT_FILE_NAMES.thumbnailMedium],
  ] as const
  for (const [widthPx, name] of sizes) {
    await sharp(posterPath)
      .resize({ width: widthPx })
      .jpeg({ quality: THUMBNAIL_JPEG_QUALITY })
      .toFile(join(dir, name))
  }
}

/** Reports only increases, so the admin's progress bar never goes back. */
function monotonic(onProgress: ((fraction: number) => void) | undefined): (fraction: number) => void {
  let last = 0
  return (fraction) => {
    const clamped = Math.min(1, Math.max(0, fraction))
    if (clamped <= last) return
    last = clamped
    onProgress?.(clamped)
  }
}
