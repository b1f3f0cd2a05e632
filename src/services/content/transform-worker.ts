/**
 * Runs transformation jobs (SPEC 4): takes a meme's stored original through the configured engine,
 * stores what it made under content addresses, checks the quality, and moves the meme on through
 * the pipeline's state machine. Progress goes out on the bus as it happens.
 *
 * A job may run more than once (the queue delivers at least once), so every step is a
 * compare-and-set on the state it expects: a stale or repeated job finds the meme moved on and
 * does nothing. A failure retries with backoff; the last one sends the meme to review. A quality
 * check that fails once is retried with the fallback settings; twice, and the meme goes to review.
 */
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { MediaExtension, MediaStore, StoredMedia } from '../../adapters/media/media-store.ts'
import type { Job, JobQueue } from '../../adapters/queue/job-queue.ts'
import type { AppLogger } from '../../logger.ts'
import type { ContentService } from './content.service.ts'
import type { Transformer, TransformResult, TransformSettings } from './engine/transformer.ts'
import type { AnimationRecord, Meme, MemesRepository, QualityRecord } from './memes.repository.ts'
import {
  nextState,
  type PipelineEvent,
  statesFor,
  TRANSFORM_QUEUE,
  type TransformJobPayload,
} from './pipeline.ts'
import { checkTransformResult, expectationsFor } from './quality/quality-check.ts'

/** A claim lasts this long without a heartbeat; heartbeats come three times per lease. */
export const TRANSFORM_LEASE_MS = 90_000
const HEARTBEATS_PER_LEASE = 3
/** Progress is announced in steps of this size, not for every frame. */
const PROGRESS_STEP = 0.05
const IDLE_POLL_MS = 1_000

export interface TransformWorkerOptions {
  jobs: JobQueue
  memes: MemesRepository
  media: MediaStore
  content: ContentService
  transformer: Transformer
  settings: { default: TransformSettings; fallback: TransformSettings }
  workDir: string
  workerId: string
  leaseMs?: number
  logger?: AppLogger
  now?: () => Date
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : 'ENGINE_ERROR'
}

export class TransformWorker {
  private readonly now: () => Date
  private readonly leaseMs: number
  private stopping = false

  constructor(private readonly options: TransformWorkerOptions) {
    this.now = options.now ?? (() => new Date())
    this.leaseMs = options.leaseMs ?? TRANSFORM_LEASE_MS
  }

  /** Runs `concurrency` loops that claim and run jobs until the returned function is called. */
  start(concurrency: number): () => Promise<void> {
    const loops = Array.from({ length: concurrency }, () => this.loop())
    return async () => {
      this.stopping = true
      await Promise.all(loops)
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let worked = false
      try {
        worked = await this.runOnce()
      } catch (error) {
        this.options.logger?.error({ err: error }, 'transform worker failed; carrying on')
      }
      if (!worked) await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS))
    }
  }

  /** Recovers jobs of dead workers, then runs one due job; false when there was none. */
  async runOnce(): Promise<boolean> {
    const { jobs, workerId } = this.options
    for (const deadId of await jobs.recoverExpired()) {
      const dead = await jobs.byId(deadId)
      const payload = (typeof dead?.payload === 'string' ? JSON.parse(dead.payload) : dead?.payload) as
        | TransformJobPayload
        | undefined
      if (payload?.memeId)
        await this.toReview(payload.memeId, 'transform_failed_final', ['transform:WORKER_DIED'])
    }
    const job = await jobs.claim<TransformJobPayload>(TRANSFORM_QUEUE, workerId, this.leaseMs)
    if (!job) return false
    const meme = await this.options.memes.byId(job.payload.memeId)
    if (!meme || !(await this.setState(meme.id, 'transform_started', { attempts: job.attempts }))) {
      // Stale: the meme was rejected, approved or moved on by another run of this job.
      await jobs.complete(job.id, workerId)
      return true
    }
    await this.run(job, meme)
    return true
  }

  private async run(job: Job<TransformJobPayload>, meme: Meme): Promise<void> {
    const { jobs, workerId, content } = this.options
    const settings = this.options.settings[job.payload.settings]
    const outputDir = path.join(this.options.workDir, `${job.id}-${job.attempts}`)
    const heartbeat = setInterval(
      () => void jobs.heartbeat(job.id, workerId, this.leaseMs).catch(() => {}),
      this.leaseMs / HEARTBEATS_PER_LEASE,
    )
    heartbeat.unref()
    let announced = 0
    content.announce(meme.id, 0)
    try {
      await mkdir(this.options.workDir, { recursive: true })
      const result = await this.options.transformer.transform({
        sourcePath: this.options.media.pathOf(meme.stored),
        width: meme.originalWidth,
        height: meme.originalHeight,
        outputDir,
        settings,
        onProgress: (fraction) => {
          if (fraction - announced >= PROGRESS_STEP || fraction === 1) {
            announced = fraction
            content.announce(meme.id, fraction)
          }
        },
      })
      await this.finish(job, meme, result, settings)
      await jobs.complete(job.id, workerId)
    } catch (error) {
      const outcome = await jobs.fail(job, workerId, errorText(error))
      this.options.logger?.warn(
        { err: error, memeId: meme.id, attempt: job.attempts, outcome: outcome.status },
        'transform failed',
      )
      if (outcome.status === 'retrying') await this.setState(meme.id, 'transform_failed_retry', {})
      else await this.toReview(meme.id, 'transform_failed_final', [`transform:${errorCode(error)}`])
    } finally {
      clearInterval(heartbeat)
      await rm(outputDir, { recursive: true, force: true })
      content.announce(meme.id, null)
    }
  }

  /** Stores the files, records them, checks the quality and moves the meme on. */
  private async finish(
    job: Job<TransformJobPayload>,
    meme: Meme,
    result: TransformResult,
    settings: TransformSettings,
  ): Promise<void> {
    const animation = await this.store(result)
    if (!(await this.setState(meme.id, 'transformed', { animation }))) return
    const report = await checkTransformResult(
      result,
      expectationsFor({ width: meme.originalWidth, height: meme.originalHeight }, settings),
    )
    const quality: QualityRecord = {
      ok: report.ok,
      failures: report.failures,
      smoothness: report.metrics.smoothness,
      fps: report.metrics.fps,
      frameCount: report.metrics.frameCount,
      durationMs: report.metrics.durationMs,
      width: report.metrics.width,
      height: report.metrics.height,
    }
    if (report.ok) {
      await this.setState(meme.id, 'quality_passed', { quality })
    } else if (job.payload.settings === 'default') {
      if (await this.setState(meme.id, 'quality_failed_retry', { quality })) {
        await this.options.content.enqueueTransform(meme.id, 'fallback')
      }
    } else {
      const problems = report.failures.map((f) => `quality:${f.code}`)
      await this.toReview(meme.id, 'quality_failed_final', problems, { quality })
    }
  }

  private async store(result: TransformResult): Promise<AnimationRecord> {
    const put = async (filePath: string, ext: MediaExtension): Promise<StoredMedia> => {
      const media = await this.options.media.put(filePath, ext)
      await this.options.memes.recordMedia(
        media,
        'protected',
        (await this.options.media.size(media)) ?? 0,
        this.now(),
      )
      return media
    }
    return {
      animation: await put(
        result.animationPath,
        path.extname(result.animationPath) === '.mp4' ? 'mp4' : 'webp',
      ),
      mp4: result.mp4Path ? await put(result.mp4Path, 'mp4') : null,
      poster: await put(result.posterPath, 'jpg'),
      thumbnailSmall: await put(result.thumbnailPaths.small, 'jpg'),
      thumbnailMedium: await put(result.thumbnailPaths.medium, 'jpg'),
      width: result.width,
      height: result.height,
      fps: result.fps,
      frameCount: result.frameCount,
      durationMs: result.durationMs,
      engine: result.engine,
      processingMs: Math.round(result.processingMs),
    }
  }

  private async setState(
    memeId: string,
    event: PipelineEvent,
    change: Parameters<MemesRepository['update']>[2],
  ): Promise<boolean> {
    const meme = await this.options.memes.byId(memeId)
    const to = meme && nextState(meme.state, event)
    if (!to) return false
    const moved = await this.options.memes.update(
      memeId,
      statesFor(event),
      { ...change, state: to },
      this.now(),
    )
    if (moved) this.options.content.announce(memeId)
    return moved
  }

  /** Sends a meme to review with `problems` added to what it already had. */
  private async toReview(
    memeId: string,
    event: PipelineEvent,
    problems: readonly string[],
    change: Parameters<MemesRepository['update']>[2] = {},
  ): Promise<void> {
    const meme = await this.options.memes.byId(memeId)
    if (!meme) return
    await this.setState(memeId, event, { ...change, problems: [...new Set([...meme.problems, ...problems])] })
  }
}
