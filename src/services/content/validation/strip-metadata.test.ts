/**
 * Proves the clean copy carries no metadata (EXIF with GPS, XMP, ICC profile) yet looks the same:
 * a sideways JPEG comes out upright, a PNG stays a PNG, an animated GIF keeps its frames and
 * timing. And that the copy appears atomically: no temporary file is left, on success or failure.
 */
import { readdir } from 'node:fs/promises'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stripMetadata } from './strip-metadata.ts'
import { scratchDir, solidImage, truncated } from './test-images.ts'

let scratch: Awaited<ReturnType<typeof scratchDir>>

beforeAll(async () => {
  scratch = await scratchDir()
})

afterAll(async () => {
  await scratch.cleanup()
})

/** A JPEG with camera EXIF, GPS coordinates, an XMP packet and a Display P3 ICC profile. */
async function jpegWithMetadata(orientation?: number): Promise<Buffer> {
  let image = sharp(await solidImage('jpeg', 1920, 1080))
    .withExif({
      IFD0: { Make: 'PhoneCo', Model: 'Snap 9', Copyright: 'Jane Doe' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 0/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 0/1',
      },
    })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>')
    .withIccProfile('p3')
  if (orientation !== undefined) image = image.withMetadata({ orientation })
  return image.jpeg().toBuffer()
}

describe('stripMetadata', () => {
  it('removes EXIF (GPS included), XMP and the ICC profile from a JPEG', async () => {
    const input = await scratch.write('gps.jpg', await jpegWithMetadata())
    const before = await sharp(input).metadata()
    expect(before.exif?.toString('latin1')).toContain('PhoneCo')
    expect(before.xmp).toBeDefined()
    expect(before.icc).toBeDefined()

    const output = await stripMetadata(input, `${scratch.dir}/gps-clean.jpg`, { format: 'jpeg' })
    const after = await sharp(output).metadata()
    expect(after).toMatchObject({ format: 'jpeg', width: 1920, height: 1080 })
    expect(after.exif).toBeUndefined()
    expect(after.xmp).toBeUndefined()
    expect(after.icc).toBeUndefined()
  })

  it('turns a sideways photo upright before dropping its orientation tag', async () => {
    const input = await scratch.write('sideways.jpg', await jpegWithMetadata(6))
    expect(await sharp(input).metadata()).toMatchObject({ width: 1920, height: 1080, orientation: 6 })

    const output = await stripMetadata(input, `${scratch.dir}/upright.jpg`, { format: 'jpeg' })
    const after = await sharp(output).metadata()
    expect(after).toMatchObject({ width: 1080, height: 1920 })
    expect(after.orientation).toBeUndefined()
  })

  it('keeps a PNG a PNG, without its EXIF', async () => {
    const png = await sharp(await solidImage('png', 1080, 1080))
      .withExif({ IFD0: { Artist: 'Jane Doe' } })
      .png()
      .toBuffer()
    const input = await scratch.write('exif.png', png)
    expect((await sharp(input).metadata()).exif).toBeDefined()

    const after = await sharp(
      await stripMetadata(input, `${scratch.dir}/clean.png`, { format: 'png' }),
    ).metadata()
    expect(after).toMatchObject({ format: 'png', width: 1080, height: 1080 })
    expect(after.exif).toBeUndefined()
  })

  it('keeps an animated GIF animated, with its frame delays and loop', async () => {
    const input = await scratch.write('animated.gif', await solidImage('gif', 1080, 1080, 3))
    const after = await sharp(
      await stripMetadata(input, `${scratch.dir}/clean.gif`, { format: 'gif' }),
    ).metadata()
    expect(after).toMatchObject({ format: 'gif', width: 1080, height: 1080, pages: 3, loop: 0 })
    expect(after.delay).toEqual([100, 100, 100])
  })

  it('leaves only the finished copy behind, and nothing when the input is corrupt', async () => {
    const before = await readdir(scratch.dir)
    const input = await scratch.write('broken.jpg', truncated(await solidImage('jpeg', 1920, 1080)))
    await expect(
      stripMetadata(input, `${scratch.dir}/broken-clean.jpg`, { format: 'jpeg' }),
    ).rejects.toThrow()
    expect((await readdir(scratch.dir)).sort()).toEqual([...before, 'broken.jpg'].sort())
    expect((await readdir(scratch.dir)).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })
})
