/**
 * The quality check of SPEC 4: the animation decodes, has the expected size, frame rate and
 * length, and a smoothness score of at least 95%. It reads only the file, so it checks either
 * engine's output the same way, and it never throws for a bad file: every problem is a failure
 * code in the report.
 */
import sharp from 'sharp'
import {
  frameCountOf,
  loopDurationMs,
  outputSize,
  type TransformResult,
  type TransformSettings,
} from '../engine/transformer.ts'
import { frameChanges, smoothnessOf } from './smoothness.ts'

export const SMOOTHNESS_THRESHOLD = 0.95
/** Measured and expected frame rates may differ this much (whole-millisecond delays round). */
const FRAME_RATE_TOLERANCE_FPS = 0.5
/** Reported frame rates are rounded to this many decimals (29.999999 would only confuse). */
const FPS_DECIMALS = 3
/**
 * A delay within this share of the median delay is one frame interval; longer delays are frames
 * held for several intervals, which the smoothness score counts as frozen.
 */
const SINGLE_FRAME_DELAY_SHARE = 0.25
/**
 * Frames are compared at this width: cheap to diff, yet with enough pixels that the rounding of
 * each to a whole luma level averages out (at 128 px it still made the score noticeably noisier).
 */
const LUMA_WIDTH_PX = 256
/** Decoding refuses files with more pixels over all frames (about 32 s of 1080p at 30 fps). */
const MAX_DECODED_PIXELS = 2_000_000_000

export type QualityFailureCode =
  | 'DECODE_FAILED'
  | 'WRONG_RESOLUTION'
  | 'WRONG_FRAME_RATE'
  | 'TOO_SHORT'
  | 'NOT_SMOOTH'

export interface QualityFailure {
  code: QualityFailureCode
  detail: string
}

export interface QualityExpectations {
  width: number
  height: number
  fps: number
  minDurationMs: number
}

export interface QualityMetrics {
  width: number
  height: number
  /** 1000 / mean delay of single-interval frames; 0 for a still. */
  fps: number
  /** Frames stored in the file. */
  frameCount: number
  durationMs: number
  /** See smoothness.ts; 0..1. */
  smoothness: number
  /** Mean luma change between consecutive displayed frames, in levels of 255. */
  meanChange: number
  /** Luma change from the last frame back to the first (the loop seam), in levels of 255. */
  seamChange: number
}

export interface QualityReport {
  ok: boolean
  failures: QualityFailure[]
  metrics: QualityMetrics
}

/** What a transform was asked to produce for a source, independent of what the engine claims. */
export function expectationsFor(
  source: { width: number; height: number },
  settings: TransformSettings,
): QualityExpectations {
  return {
    ...outputSize(source.width, source.height, settings.outputShortSidePx),
    fps: settings.fps,
    minDurationMs: loopDurationMs(settings.fps, frameCountOf(settings)),
  }
}

/**
 * Checks an engine's animation. Without `expected` the file is held to what the engine says it
 * made, which catches a broken encoder but not a wrong request; the pipeline passes
 * `expectationsFor(source, settings)`.
 */
export function checkTransformResult(
  result: TransformResult,
  expected: QualityExpectations = {
    width: result.width,
    height: result.height,
    fps: result.fps,
    minDurationMs: result.durationMs,
  },
): Promise<QualityReport> {
  return checkAnimation(result.animationPath, expected)
}

export async function checkAnimation(path: string, expected: QualityExpectations): Promise<QualityReport> {
  let decoded: DecodedAnimation
  try {
    decoded = await decode(path)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return { ok: false, failures: [{ code: 'DECODE_FAILED', detail }], metrics: EMPTY_METRICS }
  }
  const metrics = measure(decoded)
  const failures = compare(metrics, expected)
  return { ok: failures.length === 0, failures, metrics }
}

const EMPTY_METRICS: QualityMetrics = Object.freeze({
  width: 0,
  height: 0,
  fps: 0,
  frameCount: 0,
  durationMs: 0,
  smoothness: 0,
  meanChange: 0,
  seamChange: 0,
})

interface DecodedAnimation {
  width: number
  height: number
  delaysMs: number[]
  /** One small greyscale frame per stored frame. */
  luma: Uint8Array[]
}

async function decode(path: string): Promise<DecodedAnimation> {
  const options = { animated: true, limitInputPixels: MAX_DECODED_PIXELS } as const
  const metadata = await sharp(path, options).metadata()
  const pageCount = metadata.pages ?? 1
  const height = metadata.pageHeight ?? metadata.height
  // Decoding every frame, shrunk, also proves the frame data is intact (not just the header).
  const { data, info } = await sharp(path, options)
    .resize({ width: LUMA_WIDTH_PX, withoutEnlargement: true })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const lumaHeight = info.pageHeight ?? info.height
  const lumaBytes = info.width * lumaHeight
  if (info.channels !== 1 || data.length !== lumaBytes * pageCount) {
    throw new Error(`decoded ${data.length} bytes, expected ${pageCount} frames of ${lumaBytes}`)
  }
  const luma = Array.from({ length: pageCount }, (_, i) => data.subarray(i * lumaBytes, (i + 1) * lumaBytes))
  const delaysMs = metadata.delay ?? []
  if (pageCount > 1 && delaysMs.length !== pageCount) throw new Error('frame delays are missing')
  return { width: metadata.width, height, delaysMs: pageCount > 1 ? delaysMs : [], luma }
}

function measure(decoded: DecodedAnimation): QualityMetrics {
  const { delaysMs, luma } = decoded
  const singleFrameMs = singleFrameDelayMs(delaysMs)
  // What a viewer sees: a frame held for k intervals is k identical frames in a row.
  const intervalsOf = (delayMs: number) =>
    singleFrameMs > 0 ? Math.max(1, Math.round(delayMs / singleFrameMs)) : 1
  const displayed = luma.flatMap((frame, i) =>
    new Array<Uint8Array>(intervalsOf(delaysMs[i] ?? 0)).fill(frame),
  )
  const changes = luma.length > 1 ? frameChanges(displayed) : []
  return {
    width: decoded.width,
    height: decoded.height,
    fps: singleFrameMs > 0 ? roundTo(1000 / singleFrameMs, FPS_DECIMALS) : 0,
    frameCount: luma.length,
    durationMs: delaysMs.reduce((sum, ms) => sum + ms, 0),
    smoothness: smoothnessOf(changes),
    meanChange: changes.length > 0 ? changes.reduce((sum, d) => sum + d, 0) / changes.length : 0,
    seamChange: changes.at(-1) ?? 0,
  }
}

function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals
  return Math.round(value * scale) / scale
}

/** Mean delay of the frames shown for one interval (see SINGLE_FRAME_DELAY_SHARE); 0 if none. */
function singleFrameDelayMs(delaysMs: readonly number[]): number {
  if (delaysMs.length === 0) return 0
  const sorted = [...delaysMs].sort((a, b) => a - b)
  const medianMs = sorted[Math.floor(sorted.length / 2)]!
  const single = delaysMs.filter((ms) => Math.abs(ms - medianMs) <= SINGLE_FRAME_DELAY_SHARE * medianMs)
  return single.reduce((sum, ms) => sum + ms, 0) / single.length
}

function compare(metrics: QualityMetrics, expected: QualityExpectations): QualityFailure[] {
  const failures: QualityFailure[] = []
  if (metrics.width !== expected.width || metrics.height !== expected.height) {
    failures.push({
      code: 'WRONG_RESOLUTION',
      detail: `${metrics.width}x${metrics.height}, expected ${expected.width}x${expected.height}`,
    })
  }
  if (Math.abs(metrics.fps - expected.fps) > FRAME_RATE_TOLERANCE_FPS) {
    failures.push({
      code: 'WRONG_FRAME_RATE',
      detail: `${metrics.fps.toFixed(2)} fps, expected ${expected.fps}`,
    })
  }
  if (metrics.durationMs < expected.minDurationMs) {
    failures.push({
      code: 'TOO_SHORT',
      detail: `${metrics.durationMs} ms, expected ${expected.minDurationMs} ms`,
    })
  }
  if (metrics.smoothness < SMOOTHNESS_THRESHOLD) {
    failures.push({
      code: 'NOT_SMOOTH',
      detail: `smoothness ${metrics.smoothness.toFixed(3)}, at least ${SMOOTHNESS_THRESHOLD} needed`,
    })
  }
  return failures
}
