/**
 * Upload validation (SPEC 4): decides whether a file an admin uploaded may enter the content
 * pipeline, and if not, which rule it breaks.
 *
 * The type comes from the content, never the name: file-type reads the magic bytes, and sharp's
 * own format sniffing must agree, so a polyglot that one reader takes for an image and the other
 * for something else is refused. Everything that can be checked from the header (pixel count,
 * frame count, size, aspect ratio) is checked before a single pixel is decoded, which is what
 * stops decompression bombs: a 100 KB file may claim 100000 x 100000 pixels. Only then is the
 * whole image decoded, with sharp failing on any decoder warning (truncated data included) and
 * a time limit.
 *
 * Every outcome a user can cause is a value with a stable code; the function throws only when
 * the file cannot be read at all (a missing path is the caller's bug, not bad input).
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { fileTypeFromBuffer } from 'file-type'
import sharp, { type Metadata } from 'sharp'
import { type AspectRatio, matchAspect, type Orientation } from './aspect.ts'
import { readGifStructure } from './gif-structure.ts'

export type ImageFormat = 'png' | 'jpeg' | 'gif'

export type ValidationCode =
  | 'FILE_EMPTY'
  | 'FILE_TOO_LARGE'
  | 'UNSUPPORTED_TYPE'
  | 'IMAGE_CORRUPT'
  | 'IMAGE_DECODE_TIMEOUT'
  | 'IMAGE_TOO_SMALL'
  | 'ASPECT_RATIO_UNSUPPORTED'
  | 'IMAGE_TOO_MANY_PIXELS'
  | 'TOO_MANY_FRAMES'

export interface ValidatedImage {
  format: ImageFormat
  /** As displayed, i.e. after EXIF orientation (a portrait phone photo is taller than wide). */
  width: number
  height: number
  animated: boolean
  frameCount: number
  /** SHA-256 of the uploaded bytes, hex: the exact-duplicate key. */
  sha256: string
  byteSize: number
  aspect: AspectRatio
  orientation: Orientation
}

export type ValidationResult =
  | { ok: true; image: ValidatedImage }
  | { ok: false; code: ValidationCode; detail: string }

export interface ValidationOptions {
  maxBytes: number
  /** SPEC 4: "at least 1080 px on the short side (config)". */
  minShortSidePx: number
  /** Pixels of one frame, read from the header before decoding. */
  maxPixels: number
  maxFrames: number
  /** Pixels of all frames together (width x height x frames): what decoding a GIF costs. */
  maxTotalPixels: number
  /** Upper bound on the full decode; libvips counts whole seconds. */
  decodeTimeoutSeconds: number
}

const MEGABYTE = 1024 * 1024
const MEGAPIXEL = 1_000_000

export const DEFAULT_VALIDATION_OPTIONS: Readonly<ValidationOptions> = Object.freeze({
  maxBytes: 10 * MEGABYTE,
  minShortSidePx: 1080,
  // 40 MP covers every phone and most camera sensors; libvips' own default (268 MP) would let a
  // single upload claim over a gigabyte of decode memory.
  maxPixels: 40 * MEGAPIXEL,
  // 10 s of animation at 30 fps, which is more than a meme loop needs.
  maxFrames: 300,
  // About 200 frames at 1080 x 1080 (1.6 GB of RGBA if held at once).
  maxTotalPixels: 400 * MEGAPIXEL,
  decodeTimeoutSeconds: 10,
})

/** sharp's strictest level: a decoder warning, such as "premature end of data", is a failure. */
export const DECODE_FAIL_ON = 'warning' as const

/**
 * The full decode resizes to this size: every compressed byte is still read (so truncation and
 * corruption surface) but nothing large is kept in memory.
 */
const DECODE_PROBE_PX = 64

/** file-type's extension for each accepted format, and sharp's name for it. */
const FORMAT_BY_FILE_TYPE: Readonly<Record<string, ImageFormat>> = { png: 'png', jpg: 'jpeg', gif: 'gif' }

type Refusal = { ok: false; code: ValidationCode; detail: string }

function refuse(code: ValidationCode, detail: string): Refusal {
  return { ok: false, code, detail }
}

export async function validateImage(
  filePath: string,
  overrides: Partial<ValidationOptions> = {},
): Promise<ValidationResult> {
  const options = { ...DEFAULT_VALIDATION_OPTIONS, ...overrides }
  // The size is checked before reading (an oversized file is never loaded) and again on the
  // bytes read, which are then the only thing every later check looks at.
  const sizeBefore = checkSize((await stat(filePath)).size, options.maxBytes)
  if (sizeBefore !== undefined) return sizeBefore
  const bytes = await readFile(filePath)
  const sizeRead = checkSize(bytes.length, options.maxBytes)
  if (sizeRead !== undefined) return sizeRead
  const typed = await detectFormat(bytes)
  if (!typed.ok) return typed
  const { format, metadata } = typed
  const header = checkHeader(format, metadata, options)
  if (!header.ok) return header
  const decoded = await checkDecodes(bytes, format, header.frameCount, options)
  if (!decoded.ok) return decoded
  return {
    ok: true,
    image: {
      format,
      width: header.width,
      height: header.height,
      animated: header.frameCount > 1,
      frameCount: header.frameCount,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      byteSize: bytes.length,
      aspect: header.aspect,
      orientation: header.orientation,
    },
  }
}

function checkSize(byteCount: number, maxBytes: number): Refusal | undefined {
  if (byteCount === 0) return refuse('FILE_EMPTY', 'the file is empty')
  if (byteCount > maxBytes) {
    return refuse('FILE_TOO_LARGE', `the file has ${byteCount} bytes; at most ${maxBytes} are accepted`)
  }
  return undefined
}

type Detected = { ok: true; format: ImageFormat; metadata: Metadata } | Refusal

/** The format by magic bytes, confirmed by sharp's header reader. */
async function detectFormat(bytes: Buffer): Promise<Detected> {
  // file-type is a best-effort sniffer; if one of its parsers chokes, the type is unknown.
  const sniffed = await fileTypeFromBuffer(bytes).catch(() => undefined)
  const format = sniffed === undefined ? undefined : FORMAT_BY_FILE_TYPE[sniffed.ext]
  if (format === undefined) {
    const what = sniffed === undefined ? 'an unrecognised type' : sniffed.mime
    return refuse('UNSUPPORTED_TYPE', `the content is ${what}; only PNG, JPEG and GIF are accepted`)
  }
  let metadata: Metadata
  try {
    // No pixel limit here: the header is all that is read, and the limit is checked below so
    // that the refusal names the right rule.
    metadata = await sharp(bytes, { limitInputPixels: false, failOn: DECODE_FAIL_ON }).metadata()
  } catch (error) {
    return refuse(
      'IMAGE_CORRUPT',
      `the content starts like ${format} but its header cannot be read: ${reason(error)}`,
    )
  }
  if (metadata.format !== format) {
    return refuse(
      'UNSUPPORTED_TYPE',
      `the magic bytes say ${format} but the decoder reads ${metadata.format}`,
    )
  }
  return { ok: true, format, metadata }
}

type HeaderFacts = {
  ok: true
  width: number
  height: number
  frameCount: number
  aspect: AspectRatio
  orientation: Orientation
}

/** The rules that need only the header, cheapest and most dangerous first. */
function checkHeader(
  format: ImageFormat,
  metadata: Metadata,
  options: ValidationOptions,
): HeaderFacts | Refusal {
  // For a GIF, width x height is one frame: the canvas every frame is drawn on when decoded
  // (the GIF decoder replaces a canvas over 2048 px with the extent of the frames themselves).
  const framePixels = metadata.width * metadata.height
  if (framePixels > options.maxPixels) {
    return refuse(
      'IMAGE_TOO_MANY_PIXELS',
      `${metadata.width} x ${metadata.height} is ${framePixels} pixels; at most ${options.maxPixels} are accepted`,
    )
  }
  const frameCount = format === 'gif' ? (metadata.pages ?? 1) : 1
  if (frameCount > options.maxFrames) {
    return refuse(
      'TOO_MANY_FRAMES',
      `the GIF has ${frameCount} frames; at most ${options.maxFrames} are accepted`,
    )
  }
  const totalPixels = framePixels * frameCount
  if (totalPixels > options.maxTotalPixels) {
    return refuse(
      'IMAGE_TOO_MANY_PIXELS',
      `${frameCount} frames of ${metadata.width} x ${metadata.height} decode to ${totalPixels} pixels; ` +
        `at most ${options.maxTotalPixels} are accepted`,
    )
  }
  const { width, height } = metadata.autoOrient
  const shortSidePx = Math.min(width, height)
  if (shortSidePx < options.minShortSidePx) {
    return refuse(
      'IMAGE_TOO_SMALL',
      `the short side is ${shortSidePx} px; at least ${options.minShortSidePx} px is required`,
    )
  }
  const match = matchAspect(width, height)
  if (match === undefined) {
    return refuse(
      'ASPECT_RATIO_UNSUPPORTED',
      `${width} x ${height} is not 16:9, 4:3 or 1:1 (within 1%, either orientation)`,
    )
  }
  return { ok: true, width, height, frameCount, ...match }
}

/** Decodes every pixel of every frame; any decoder complaint means the file is corrupt. */
async function checkDecodes(
  bytes: Buffer,
  format: ImageFormat,
  frameCount: number,
  options: ValidationOptions,
): Promise<{ ok: true } | Refusal> {
  if (format === 'gif') {
    const structure = readGifStructure(bytes)
    if (!structure.ok) return refuse('IMAGE_CORRUPT', structure.detail)
  }
  try {
    await sharp(bytes, {
      failOn: DECODE_FAIL_ON,
      // sharp applies the limit to all frames stacked; the per-frame and total limits already
      // passed, so this only guards against a header that changes between reads.
      limitInputPixels: Math.max(options.maxPixels, options.maxTotalPixels),
      animated: frameCount > 1,
    })
      .timeout({ seconds: options.decodeTimeoutSeconds })
      .resize(DECODE_PROBE_PX, DECODE_PROBE_PX, { fit: 'fill' })
      .raw()
      .toBuffer()
    return { ok: true }
  } catch (error) {
    const message = reason(error)
    if (/timeout/i.test(message)) {
      return refuse('IMAGE_DECODE_TIMEOUT', `decoding took longer than ${options.decodeTimeoutSeconds} s`)
    }
    return refuse('IMAGE_CORRUPT', `the image cannot be decoded: ${message}`)
  }
}

/** The decoder's complaint, on one line and short enough for an admin to read. */
function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n')[0]!.slice(0, 200)
}
