/**
 * Writes a clean copy of a validated upload: the same picture with no EXIF (GPS, camera,
 * owner), XMP, IPTC, ICC profile or comments (SPEC 4: "Metadata (EXIF, GPS) is stripped").
 *
 * sharp drops all metadata on output unless told to keep it, so a plain re-encode is the
 * stripping. The picture is turned upright by its EXIF orientation first, because the tag that
 * said how to turn it is among what is dropped; colours are converted to sRGB for the same
 * reason (the ICC profile goes). Animated GIFs stay animated, with their frame delays and loop.
 *
 * The copy is written to a temporary name beside the target and renamed into place, so a reader
 * never sees a half-written file and a failure leaves nothing behind.
 */
import { randomUUID } from 'node:crypto'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import sharp, { type Sharp } from 'sharp'
import { DECODE_FAIL_ON, DEFAULT_VALIDATION_OPTIONS, type ImageFormat } from './validate-image.ts'

/**
 * A JPEG is decoded and encoded again, which costs a generation of quality; at 92 the loss is
 * not visible and the file stays within the upload budget.
 */
export const STRIPPED_JPEG_QUALITY = 92

export interface StripOptions {
  /** The validated format; the copy keeps it. */
  format: ImageFormat
  timeoutSeconds?: number
  /** Defaults to the validation limits; raise both together. */
  maxInputPixels?: number
}

function encode(image: Sharp, format: ImageFormat): Sharp {
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality: STRIPPED_JPEG_QUALITY })
    case 'png':
      return image.png()
    case 'gif':
      return image.gif()
  }
}

/** Writes the clean copy of `inputPath` to `outputPath` and returns `outputPath`. */
export async function stripMetadata(
  inputPath: string,
  outputPath: string,
  options: StripOptions,
): Promise<string> {
  const limits = DEFAULT_VALIDATION_OPTIONS
  const image = sharp(inputPath, {
    autoOrient: true,
    animated: options.format === 'gif',
    failOn: DECODE_FAIL_ON,
    limitInputPixels: options.maxInputPixels ?? Math.max(limits.maxPixels, limits.maxTotalPixels),
  }).timeout({ seconds: options.timeoutSeconds ?? limits.decodeTimeoutSeconds })
  const encoded = encode(image, options.format)
  const temporaryPath = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.tmp`)
  try {
    await encoded.toFile(temporaryPath)
    await rename(temporaryPath, outputPath)
  } catch (error) {
    await rm(temporaryPath, { force: true })
    throw error
  }
  return outputPath
}
