/**
 * Proves the hand-built animated WebP container against libwebp itself (through sharp): frames
 * encoded as stills and muxed decode as an animation with the right size, frame count, delays,
 * loop count and pixels; a still with an alpha plane keeps it; and anything that is not a still
 * WebP is refused rather than wrapped.
 */
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { frameChunksOf, muxAnimatedWebp } from './webp-mux.ts'

const WIDTH = 33
const HEIGHT = 17
const COLOURS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
] as const

function stillOf(rgb: readonly [number, number, number], channels: 3 | 4 = 3, alpha = 255): Promise<Buffer> {
  const background = { r: rgb[0], g: rgb[1], b: rgb[2], alpha: alpha / 255 }
  return sharp({ create: { width: WIDTH, height: HEIGHT, channels, background } })
    .webp({ quality: 95 })
    .toBuffer()
}

describe('muxAnimatedWebp', () => {
  it('builds an animation libwebp decodes frame by frame', async () => {
    const stills = await Promise.all(COLOURS.map((colour) => stillOf(colour)))
    const frames = stills.map((still, i) => ({ ...frameChunksOf(still), durationMs: [33, 34, 500][i]! }))
    const animation = muxAnimatedWebp(frames, WIDTH, HEIGHT)

    const metadata = await sharp(animation, { animated: true }).metadata()
    expect(metadata).toMatchObject({ format: 'webp', width: WIDTH, pageHeight: HEIGHT, pages: 3, loop: 0 })
    expect(metadata.delay).toEqual([33, 34, 500])
    const { data } = await sharp(animation, { animated: true })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
    COLOURS.forEach((colour, page) => {
      const centre = (page * HEIGHT * WIDTH + 8 * WIDTH + 16) * 3
      expect(Math.abs(data[centre]! - colour[0])).toBeLessThanOrEqual(3)
      expect(Math.abs(data[centre + 1]! - colour[1])).toBeLessThanOrEqual(3)
      expect(Math.abs(data[centre + 2]! - colour[2])).toBeLessThanOrEqual(3)
    })
  })

  it('keeps an alpha plane and flags it', async () => {
    const translucent = frameChunksOf(await stillOf([10, 20, 30], 4, 128))
    expect(translucent.hasAlpha).toBe(true)
    const animation = muxAnimatedWebp([{ ...translucent, durationMs: 40 }], WIDTH, HEIGHT, 3)
    const metadata = await sharp(animation, { animated: true }).metadata()
    expect(metadata).toMatchObject({ hasAlpha: true, loop: 3 })
  })

  it('refuses what is not a single still WebP, and sizes WebP cannot store', async () => {
    expect(() => frameChunksOf(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toThrow(/not a WebP/)
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#fff' } })
      .png()
      .toBuffer()
    expect(() => frameChunksOf(png)).toThrow(/not a WebP/)
    const truncated = (await stillOf([1, 2, 3])).subarray(0, 30)
    expect(() => frameChunksOf(truncated)).toThrow(/overruns/)
    expect(() => muxAnimatedWebp([], WIDTH, HEIGHT)).toThrow(/at least one frame/)
    const frame = { ...frameChunksOf(await stillOf([1, 2, 3])), durationMs: 2 ** 24 }
    expect(() => muxAnimatedWebp([frame], WIDTH, HEIGHT)).toThrow(/duration/)
  })
})
