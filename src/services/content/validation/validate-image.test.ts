/**
 * Proves upload validation accepts exactly what SPEC 4 allows and names the broken rule for
 * everything else: PNG, JPEG and animated GIF in every accepted aspect ratio and orientation
 * (within the 1% tolerance) pass with the facts the pipeline needs; empty, oversized, truncated,
 * mistyped, polyglot, undersized, wrongly shaped files and decompression bombs (pixel and frame)
 * are refused with their code, the bombs from the header alone.
 */
import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gifWithFrames, pngClaimingSize, scratchDir, solidImage, truncated } from './test-images.ts'
import { DEFAULT_VALIDATION_OPTIONS, type ValidationCode, validateImage } from './validate-image.ts'

let scratch: Awaited<ReturnType<typeof scratchDir>>

beforeAll(async () => {
  scratch = await scratchDir()
})

afterAll(async () => {
  await scratch.cleanup()
})

async function validateBytes(name: string, bytes: Buffer, options = {}) {
  return validateImage(await scratch.write(name, bytes), options)
}

async function expectRefused(name: string, bytes: Buffer, code: ValidationCode) {
  const result = await validateBytes(name, bytes)
  expect(result.ok ? 'accepted' : result.code, result.ok ? '' : result.detail).toBe(code)
  return result
}

const EXTENSION = { png: 'png', jpeg: 'jpg', gif: 'gif' } as const

describe('validateImage accepts', () => {
  // Exact ratios, then sizes about 0.8-0.9% off their ratio (inside the 1% tolerance).
  const shapes = [
    { widthPx: 1920, heightPx: 1080, aspect: '16:9', orientation: 'landscape' },
    { widthPx: 1080, heightPx: 1920, aspect: '16:9', orientation: 'portrait' },
    { widthPx: 1440, heightPx: 1080, aspect: '4:3', orientation: 'landscape' },
    { widthPx: 1080, heightPx: 1440, aspect: '4:3', orientation: 'portrait' },
    { widthPx: 1080, heightPx: 1080, aspect: '1:1', orientation: 'square' },
    { widthPx: 1937, heightPx: 1080, aspect: '16:9', orientation: 'landscape' },
    { widthPx: 1080, heightPx: 1937, aspect: '16:9', orientation: 'portrait' },
    { widthPx: 1429, heightPx: 1080, aspect: '4:3', orientation: 'landscape' },
    { widthPx: 1080, heightPx: 1429, aspect: '4:3', orientation: 'portrait' },
    { widthPx: 1090, heightPx: 1080, aspect: '1:1', orientation: 'square' },
  ] as const
  const cases = (['png', 'jpeg', 'gif'] as const).flatMap((format) =>
    shapes.map((shape) => ({ format, ...shape })),
  )

  it.each(cases)('$format $widthPx x $heightPx as $aspect $orientation', async (c) => {
    const frames = c.format === 'gif' ? 3 : 1
    const bytes = await solidImage(c.format, c.widthPx, c.heightPx, frames)
    const result = await validateBytes(`ok-${c.widthPx}x${c.heightPx}.${EXTENSION[c.format]}`, bytes)
    expect(result).toEqual({
      ok: true,
      image: {
        format: c.format,
        width: c.widthPx,
        height: c.heightPx,
        animated: frames > 1,
        frameCount: frames,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        byteSize: bytes.length,
        aspect: c.aspect,
        orientation: c.orientation,
      },
    })
  })

  it('a PNG named .gif, as a PNG: the type comes from the content', async () => {
    const result = await validateBytes('named-wrong.gif', await solidImage('png', 1920, 1080))
    expect(result.ok && result.image.format).toBe('png')
  })

  it('a JPEG stored sideways with EXIF orientation 6, by its upright size', async () => {
    const sideways = await sharp(await solidImage('jpeg', 1920, 1080))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer()
    const result = await validateBytes('sideways.jpg', sideways)
    expect(result.ok && result.image).toMatchObject({ width: 1080, height: 1920, orientation: 'portrait' })
  })

  it('a file of exactly the byte limit', async () => {
    const png = await solidImage('png', 1920, 1080)
    // Bytes after a PNG's IEND chunk are ignored by decoders, so padding keeps it valid.
    const padded = Buffer.concat([png, Buffer.alloc(DEFAULT_VALIDATION_OPTIONS.maxBytes - png.length)])
    const result = await validateBytes('exactly-10mb.png', padded)
    expect(result.ok && result.image.byteSize).toBe(DEFAULT_VALIDATION_OPTIONS.maxBytes)
  })
})

describe('validateImage refuses', () => {
  it('an empty file: FILE_EMPTY', async () => {
    await expectRefused('empty.png', Buffer.alloc(0), 'FILE_EMPTY')
  })

  it('one byte over 10 MB: FILE_TOO_LARGE', async () => {
    const png = await solidImage('png', 1920, 1080)
    const padded = Buffer.concat([png, Buffer.alloc(DEFAULT_VALIDATION_OPTIONS.maxBytes + 1 - png.length)])
    await expectRefused('too-big.png', padded, 'FILE_TOO_LARGE')
  })

  it.each(['png', 'jpeg', 'gif'] as const)('a truncated %s: IMAGE_CORRUPT', async (format) => {
    const bytes = await solidImage(format, 1920, 1080, format === 'gif' ? 3 : 1)
    await expectRefused(`truncated.${EXTENSION[format]}`, truncated(bytes), 'IMAGE_CORRUPT')
  })

  it('a text file named .png: UNSUPPORTED_TYPE', async () => {
    await expectRefused(
      'notes.png',
      Buffer.from('just some words, not a picture\n'.repeat(50)),
      'UNSUPPORTED_TYPE',
    )
  })

  it('a WebP (SPEC 4 takes PNG, JPEG and GIF only): UNSUPPORTED_TYPE', async () => {
    const webp = await sharp(await solidImage('png', 1920, 1080))
      .webp()
      .toBuffer()
    await expectRefused('picture.png', webp, 'UNSUPPORTED_TYPE')
  })

  it('a ZIP archive named .png: UNSUPPORTED_TYPE', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]), Buffer.alloc(200, 1)])
    await expectRefused('archive.png', zip, 'UNSUPPORTED_TYPE')
  })

  it('a polyglot with a GIF header and an HTML payload: IMAGE_CORRUPT', async () => {
    const screen = Buffer.from([0x38, 0x04, 0x38, 0x04, 0, 0, 0]) // 1080 x 1080, no colour table
    const html = Buffer.from('<html><script>alert(document.cookie)</script></html>')
    await expectRefused('polyglot.gif', Buffer.concat([Buffer.from('GIF89a'), screen, html]), 'IMAGE_CORRUPT')
  })

  it('a file that file-type calls JPEG-LS while sharp sniffs JPEG: UNSUPPORTED_TYPE', async () => {
    // FF D8 FF F7 is a JPEG-LS start of frame; libvips' JPEG check looks at the first two bytes only.
    const jpeg = await solidImage('jpeg', 1920, 1080)
    const disguised = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xf7]), jpeg.subarray(4)])
    await expectRefused('disguised.jpg', disguised, 'UNSUPPORTED_TYPE')
  })

  it('a tiny PNG whose header claims 100000 x 100000 pixels: IMAGE_TOO_MANY_PIXELS, before decoding', async () => {
    const bomb = pngClaimingSize(100_000, 100_000)
    expect(bomb.length).toBeLessThan(100)
    // Its image data is a few meaningless bytes, so had the validator decoded it the answer would be IMAGE_CORRUPT.
    const result = await expectRefused('bomb.png', bomb, 'IMAGE_TOO_MANY_PIXELS')
    expect(!result.ok && result.detail).toContain('10000000000 pixels')
  })

  it('a GIF with 3000 frames: TOO_MANY_FRAMES', async () => {
    await expectRefused('frames.gif', gifWithFrames(1080, 1080, 3000), 'TOO_MANY_FRAMES')
  })

  it('a GIF whose frames together decode to too many pixels: IMAGE_TOO_MANY_PIXELS', async () => {
    // 100 frames (under the frame limit) of 2048 x 2048 (under the pixel limit) make 419 MP. The
    // decoder draws every frame on the whole canvas; it only distrusts canvases over 2048 px.
    await expectRefused('wide-frames.gif', gifWithFrames(2048, 2048, 100), 'IMAGE_TOO_MANY_PIXELS')
  })

  it.each([
    [1079, 1079],
    [1918, 1079],
  ])('a %i x %i image: IMAGE_TOO_SMALL', async (widthPx, heightPx) => {
    await expectRefused(`small-${widthPx}.png`, await solidImage('png', widthPx, heightPx), 'IMAGE_TOO_SMALL')
  })

  it.each([
    ['3:2', 1620, 1080],
    ['1:1 off by 1.1%', 1092, 1080],
    ['21:9', 2520, 1080],
  ])('a %s image: ASPECT_RATIO_UNSUPPORTED', async (_name, widthPx, heightPx) => {
    const png = await solidImage('png', widthPx, heightPx)
    await expectRefused(`shape-${widthPx}.png`, png, 'ASPECT_RATIO_UNSUPPORTED')
  })

  it('limits from options, not only the defaults', async () => {
    const result = await validateBytes('small-limit.png', await solidImage('png', 1080, 1080), {
      maxBytes: 100,
    })
    expect(!result.ok && result.code).toBe('FILE_TOO_LARGE')
  })
})
