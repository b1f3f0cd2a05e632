/**
 * Proves the MP4 box reader finds the video track's size, frame count and duration (also when
 * mdat comes before moov, and through a 64-bit box size), and answers undefined, without
 * throwing, for files that are not usable MP4s: no moov, a truncated moov, no video track, HTML.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tinyMp4 } from '../../../test/support/fake-aitubo.ts'
import { readMp4Info } from './mp4-info.ts'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memepool-mp4-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function infoOf(name: string, bytes: Buffer) {
  const path = join(dir, name)
  await writeFile(path, bytes)
  return readMp4Info(path)
}

/** Splits tinyMp4's output into its three top-level boxes: ftyp, moov, mdat. */
function topLevelBoxes(mp4: Buffer): Buffer[] {
  const result: Buffer[] = []
  for (let offset = 0; offset < mp4.length; offset += mp4.readUInt32BE(offset)) {
    result.push(mp4.subarray(offset, offset + mp4.readUInt32BE(offset)))
  }
  return result
}

describe('readMp4Info', () => {
  it('reads size, frames, duration and rate of the video track', async () => {
    const info = await infoOf('a.mp4', tinyMp4({ width: 1080, height: 1920, fps: 30, frameCount: 150 }))
    expect(info).toEqual({ width: 1080, height: 1920, frameCount: 150, durationMs: 5000, fps: 30 })
  })

  it('finds moov after a large mdat with a 64-bit size', async () => {
    const [ftyp, moov] = topLevelBoxes(tinyMp4({ width: 1920, height: 1080, fps: 24, frameCount: 48 }))
    const payload = Buffer.alloc(100_000, 1)
    const header = Buffer.alloc(16)
    header.writeUInt32BE(1, 0)
    header.write('mdat', 4, 'latin1')
    header.writeBigUInt64BE(BigInt(16 + payload.length), 8)
    const info = await infoOf('b.mp4', Buffer.concat([ftyp!, header, payload, moov!]))
    expect(info).toMatchObject({ width: 1920, height: 1080, frameCount: 48, durationMs: 2000, fps: 24 })
  })

  it('answers undefined for files that are not usable MP4s', async () => {
    const mp4 = tinyMp4({ width: 1920, height: 1080, fps: 30, frameCount: 90 })
    const [ftyp, moov, mdat] = topLevelBoxes(mp4)
    const noVideo = Buffer.from(moov!)
    noVideo.write('soun', noVideo.indexOf('vide'), 'latin1')
    expect(await infoOf('no-moov.mp4', Buffer.concat([ftyp!, mdat!]))).toBeUndefined()
    expect(
      await infoOf('cut.mp4', Buffer.concat([ftyp!, moov!.subarray(0, moov!.length - 20)])),
    ).toBeUndefined()
    expect(await infoOf('audio.mp4', Buffer.concat([ftyp!, noVideo, mdat!]))).toBeUndefined()
    expect(
      await infoOf('page.mp4', Buffer.from('<html><body>Just a moment...</body></html>')),
    ).toBeUndefined()
    expect(await infoOf('empty.mp4', Buffer.alloc(0))).toBeUndefined()
  })
})
