/**
 * Perceptual hashes for near-duplicate detection (SPEC 4: "near-duplicates (perceptual hash) go
 * to review").
 *
 * The hash is the classic DCT pHash computed by sharp-phash: the picture in greyscale at 32 x 32,
 * a 2-D DCT, and one bit per coefficient of the 8 x 8 lowest frequencies (DC excluded) saying
 * whether it is above their mean. Low frequencies describe the overall layout of light and dark,
 * which survives re-encoding, resizing and mild colour changes, while a different picture flips
 * about half of the bits. Animated GIFs are hashed by their first frame.
 */
import { createRequire } from 'node:module'
import { DECODE_FAIL_ON, DEFAULT_VALIDATION_OPTIONS } from './validate-image.ts'

// sharp-phash is CommonJS whose typings declare an ES default export; loading it with require
// gives the function itself, typed as its declaration says.
const phash: typeof import('sharp-phash').default = createRequire(import.meta.url)('sharp-phash')

export const PERCEPTUAL_HASH_BITS = 64
const HEX_CHARS = PERCEPTUAL_HASH_BITS / 4
const HASH_PATTERN = /^[0-9a-f]{16}$/

/**
 * Two hashes at most this many bits apart are near-duplicates. Measured on generated scenes
 * (1920 x 1080): a JPEG re-encode at quality 70, a resize to a quarter or a 15% brightness change
 * moves 0-4 bits, a 2-4% crop 2-8, while unrelated scenes differ in 21-44 bits (for independent
 * hashes the count follows Binomial(64, 1/2), and P(<= 8) is about 3e-10). 8 catches re-encodes
 * and light edits with a wide margin below unrelated pictures; a false match only costs an admin
 * a look, because near-duplicates go to review rather than being refused.
 */
export const NEAR_DUPLICATE_MAX_DISTANCE = 8

/** The 64-bit perceptual hash of an image (path or bytes) as 16 lowercase hex characters. */
export async function perceptualHash(input: string | Buffer): Promise<string> {
  const bits = await phash(input, {
    failOn: DECODE_FAIL_ON,
    limitInputPixels: DEFAULT_VALIDATION_OPTIONS.maxPixels,
  })
  if (bits.length !== PERCEPTUAL_HASH_BITS) throw new Error(`sharp-phash returned ${bits.length} bits`)
  let hex = ''
  for (let i = 0; i < PERCEPTUAL_HASH_BITS; i += 4)
    hex += Number.parseInt(bits.slice(i, i + 4), 2).toString(16)
  return hex
}

/** How many of the 64 bits differ between two hashes from `perceptualHash`. */
export function hammingDistance(a: string, b: string): number {
  if (!HASH_PATTERN.test(a) || !HASH_PATTERN.test(b)) {
    throw new Error(`not ${HEX_CHARS}-hex-character perceptual hashes: "${a}", "${b}"`)
  }
  let distance = 0
  for (let i = 0; i < HEX_CHARS; i++) {
    let differing = Number.parseInt(a[i]!, 16) ^ Number.parseInt(b[i]!, 16)
    while (differing !== 0) {
      distance += differing & 1
      differing >>= 1
    }
  }
  return distance
}

export function isNearDuplicate(a: string, b: string): boolean {
  return hammingDistance(a, b) <= NEAR_DUPLICATE_MAX_DISTANCE
}
