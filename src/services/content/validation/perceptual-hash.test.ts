/**
 * Proves the perceptual hash finds the same picture after a JPEG re-encode at quality 70 or a
 * resize (distance within NEAR_DUPLICATE_MAX_DISTANCE) and tells different pictures apart
 * (distance well beyond it), and that the Hamming distance counts differing bits exactly.
 */
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  hammingDistance,
  isNearDuplicate,
  NEAR_DUPLICATE_MAX_DISTANCE,
  perceptualHash,
} from './perceptual-hash.ts'
import { scenePng } from './test-images.ts'

const SEEDS = [1, 2, 3, 4]
const scenes = new Map<number, Buffer>()
const hashes = new Map<number, string>()

beforeAll(async () => {
  for (const seed of SEEDS) {
    const png = await scenePng(1920, 1080, seed)
    scenes.set(seed, png)
    hashes.set(seed, await perceptualHash(png))
  }
})

describe('perceptualHash', () => {
  it('is 16 hex characters and the same for the same picture', async () => {
    const hash = hashes.get(1)!
    expect(hash).toMatch(/^[0-9a-f]{16}$/)
    expect(await perceptualHash(scenes.get(1)!)).toBe(hash)
  })

  it.each(SEEDS)('finds scene %i again after a JPEG re-encode at quality 70', async (seed) => {
    const jpeg = await sharp(scenes.get(seed)!).jpeg({ quality: 70 }).toBuffer()
    const distance = hammingDistance(hashes.get(seed)!, await perceptualHash(jpeg))
    expect(distance).toBeLessThanOrEqual(NEAR_DUPLICATE_MAX_DISTANCE)
  })

  it.each(SEEDS)('finds scene %i again after a resize to 640 px wide', async (seed) => {
    const smaller = await sharp(scenes.get(seed)!).resize({ width: 640 }).png().toBuffer()
    expect(isNearDuplicate(hashes.get(seed)!, await perceptualHash(smaller))).toBe(true)
  })

  it('tells every pair of different scenes apart, with a wide margin', () => {
    for (const a of SEEDS) {
      for (const b of SEEDS.filter((seed) => seed > a)) {
        const distance = hammingDistance(hashes.get(a)!, hashes.get(b)!)
        expect(distance, `scenes ${a} and ${b}`).toBeGreaterThan(2 * NEAR_DUPLICATE_MAX_DISTANCE)
        expect(isNearDuplicate(hashes.get(a)!, hashes.get(b)!)).toBe(false)
      }
    }
  })
})

describe('hammingDistance', () => {
  it('counts differing bits', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0)
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64)
    expect(hammingDistance('0000000000000001', '0000000000000003')).toBe(1)
    expect(hammingDistance('8000000000000000', '0000000000000001')).toBe(2)
  })

  it('refuses anything that is not a 16-hex-character hash (a caller bug)', () => {
    expect(() => hammingDistance('abc', '0000000000000000')).toThrow()
    expect(() => hammingDistance('000000000000000g', '0000000000000000')).toThrow()
  })
})
