/**
 * The contract between the content pipeline and its animation engines (SPEC 4): the local engine
 * in this folder, which needs no network and is the default, and the AITubo client. The pipeline
 * picks one, calls `transform`, and quality-checks the result; it never depends on which engine
 * ran except to record `engine`.
 */

export type MotionStyle = 'orbit' | 'gentle'

export interface TransformSettings {
  /** Frames per second of the output; SPEC 4 asks for 30. */
  fps: number
  /** Length of one loop of the animation, in seconds. */
  durationSeconds: number
  /** Short side of the output in pixels (1080 for 1080p); the long side follows the source aspect. */
  outputShortSidePx: number
  /** Lossy encoder quality, 1..100. */
  quality: number
  /** Encoder effort, 0 (fastest) .. 6 (smallest file). */
  encodeEffort: number
  /** 'orbit' is the full 3D swing; 'gentle' halves it, for sources the full swing renders poorly. */
  motion: MotionStyle
}

/**
 * Encoder effort 1: measured on 1080p frames of this engine, effort 2 costs about 40% more CPU
 * per frame (72 against 52 ms) for a file about 10% smaller, and effort 0 is no faster than 1.
 */
export const DEFAULT_TRANSFORM_SETTINGS: Readonly<TransformSettings> = Object.freeze({
  fps: 30,
  durationSeconds: 3,
  outputShortSidePx: 1080,
  quality: 80,
  encodeEffort: 1,
  motion: 'orbit',
})

/**
 * Used for the retry after a failed quality check: smaller angles change less per frame, so
 * what made frames uneven is less likely to recur, and a lower quality makes a smaller file
 * (encoding time barely depends on quality, so that is the cheaper encode available).
 */
export const FALLBACK_TRANSFORM_SETTINGS: Readonly<TransformSettings> = Object.freeze({
  ...DEFAULT_TRANSFORM_SETTINGS,
  quality: 70,
  motion: 'gentle',
})

export interface TransformInput {
  /** A validated still image (PNG, JPEG or GIF; only the first frame of a GIF is used). */
  sourcePath: string
  /** Source size in pixels, as validation measured it. */
  width: number
  height: number
  /**
   * Where the finished files appear, all at once: the engine creates this directory, so it
   * must not exist yet (or be empty). Nothing is left in it when the transform fails or aborts.
   */
  outputDir: string
  signal?: AbortSignal
  settings?: TransformSettings
  /** Called with a fraction in [0, 1] that never decreases; 1 once the files are in place. */
  onProgress?(fraction: number): void
}

export interface TransformResult {
  /** Animated WebP, looping forever. */
  animationPath: string
  /** H.264 MP4, or null when this engine has no encoder for it. */
  mp4Path: string | null
  /** A still frame (JPEG) at full output size. */
  posterPath: string
  thumbnailPaths: { small: string; medium: string }
  width: number
  height: number
  fps: number
  frameCount: number
  durationMs: number
  engine: 'local' | 'aitubo'
  processingMs: number
}

export interface Transformer {
  readonly kind: 'local' | 'aitubo'
  transform(input: TransformInput): Promise<TransformResult>
}

/** File names inside `outputDir`, the same for every engine so that stored paths are predictable. */
export const OUTPUT_FILE_NAMES = Object.freeze({
  animation: 'animation.webp',
  mp4: 'animation.mp4',
  poster: 'poster.jpg',
  thumbnailSmall: 'thumb-small.jpg',
  thumbnailMedium: 'thumb-medium.jpg',
})

/** Thumbnail widths in pixels; the heights follow the output aspect. */
export const THUMBNAIL_WIDTHS_PX = Object.freeze({ small: 240, medium: 480 })

/**
 * Output size for a source: the short side becomes `shortSidePx`, the long side keeps the
 * source aspect, rounded to an even number because H.264 with 4:2:0 chroma needs even sides
 * (1920x1080 for 16:9, 1440x1080 for 4:3, 1080x1080 for 1:1, and the portrait variants).
 */
export function outputSize(
  sourceWidth: number,
  sourceHeight: number,
  shortSidePx: number,
): { width: number; height: number } {
  const short = Math.min(sourceWidth, sourceHeight)
  const long = Math.max(sourceWidth, sourceHeight)
  const longPx = 2 * Math.round((shortSidePx * long) / short / 2)
  return sourceWidth >= sourceHeight
    ? { width: longPx, height: shortSidePx }
    : { width: shortSidePx, height: longPx }
}

/** Settings come from code and config, never from users: anything out of range is a bug. */
export function assertTransformSettings(settings: TransformSettings): void {
  const problems: string[] = []
  if (!Number.isInteger(settings.fps) || settings.fps < 1 || settings.fps > 60) problems.push('fps')
  if (!(settings.durationSeconds > 0) || settings.durationSeconds > 30) problems.push('durationSeconds')
  const short = settings.outputShortSidePx
  if (!Number.isInteger(short) || short % 2 !== 0 || short < 16 || short > 4320) {
    problems.push('outputShortSidePx')
  }
  if (!Number.isInteger(settings.quality) || settings.quality < 1 || settings.quality > 100) {
    problems.push('quality')
  }
  const effort = settings.encodeEffort
  if (!Number.isInteger(effort) || effort < 0 || effort > 6) problems.push('encodeEffort')
  if (settings.motion !== 'orbit' && settings.motion !== 'gentle') problems.push('motion')
  if (frameCountOf(settings) < 2) problems.push('fps × durationSeconds')
  if (problems.length > 0) throw new Error(`invalid transform settings: ${problems.join(', ')}`)
}

/** Frames in one loop; a whole number so that the loop closes exactly. */
export function frameCountOf(settings: TransformSettings): number {
  return Math.round(settings.fps * settings.durationSeconds)
}

/**
 * Display time of each frame in whole milliseconds (what WebP stores). 1000/30 is not whole, so
 * frame k lasts round((k+1)·T) − round(k·T) with T = 1000/fps: 33, 34, 33, ... at 30 fps. The
 * running total never drifts more than half a millisecond from true time, and 30 frames take
 * exactly 1000 ms.
 */
export function frameDelaysMs(fps: number, frameCount: number): number[] {
  const frameMs = 1000 / fps
  return Array.from({ length: frameCount }, (_, k) => Math.round((k + 1) * frameMs) - Math.round(k * frameMs))
}

/** Length of one loop in whole milliseconds: the sum of frameDelaysMs, which never drifts. */
export function loopDurationMs(fps: number, frameCount: number): number {
  return Math.round((frameCount * 1000) / fps)
}
