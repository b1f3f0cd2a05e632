/**
 * Test support for the validation tests (imported only by *.test.ts): images generated with
 * sharp at run time, so no binary fixture is committed, and hand-built byte streams for the
 * attacks a generator would never produce (lying headers, bombs, polyglots).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'

/** A scratch folder in the OS temp dir; `cleanup` removes it. */
export async function scratchDir(): Promise<{
  dir: string
  write(name: string, bytes: Buffer): Promise<string>
  cleanup(): Promise<void>
}> {
  const dir = await mkdtemp(join(tmpdir(), 'memepool-validation-'))
  return {
    dir,
    async write(name, bytes) {
      const path = join(dir, name)
      await writeFile(path, bytes)
      return path
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

/** A deterministic pseudo-random sequence (mulberry32), so scenes are the same on every run. */
function randomSequence(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/**
 * A PNG "picture" with structure at every scale (a gradient sky, blobs, bars), different for each
 * seed: perceptual hashes of flat or noisy images say little, real pictures look like this.
 */
export async function scenePng(widthPx: number, heightPx: number, seed: number): Promise<Buffer> {
  const random = randomSequence(seed)
  const shapes: string[] = []
  for (let i = 0; i < 12; i++) {
    const x = Math.round(random() * widthPx)
    const y = Math.round(random() * heightPx)
    const r = Math.round((0.05 + random() * 0.2) * Math.min(widthPx, heightPx))
    const grey = Math.round(random() * 255)
    shapes.push(
      `<circle cx="${x}" cy="${y}" r="${r}" fill="rgb(${grey},${255 - grey},${(grey * 7) % 256})"/>`,
    )
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}">` +
    `<defs><linearGradient id="g" x2="${random().toFixed(2)}" y2="1"><stop offset="0" stop-color="#123"/>` +
    `<stop offset="1" stop-color="#fd8"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>${shapes.join('')}</svg>`
  return sharp(Buffer.from(svg)).png().toBuffer()
}

/** A solid-colour image in the given format; GIFs get `frames` frames of different colours. */
export async function solidImage(
  format: 'png' | 'jpeg' | 'gif',
  widthPx: number,
  heightPx: number,
  frames = 1,
): Promise<Buffer> {
  const frameBytes = widthPx * heightPx * 3
  const raw = Buffer.alloc(frameBytes * frames)
  for (let frame = 0; frame < frames; frame++) {
    raw.fill(Buffer.from([40 * frame, 120, 200 - 40 * frame]), frame * frameBytes, (frame + 1) * frameBytes)
  }
  const image = sharp(raw, {
    raw: { width: widthPx, height: heightPx * frames, channels: 3, pageHeight: heightPx },
  })
  // One delay per frame: from raw input, sharp 0.35 gives a single number to the first frame only.
  if (format === 'gif') return image.gif({ delay: Array(frames).fill(100), loop: 0 }).toBuffer()
  return format === 'png' ? image.png().toBuffer() : image.jpeg().toBuffer()
}

/** CRC-32 (ISO-HDLC, the PNG chunk checksum), computed here rather than borrowed from zlib. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const checksum = Buffer.alloc(4)
  checksum.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, checksum])
}

/**
 * A PNG of a few dozen bytes whose IHDR (with a valid CRC) claims `widthPx` x `heightPx` RGB
 * pixels: a decompression bomb's header. The image data is a few meaningless bytes; decoding would fail, so a
 * validator must refuse it from the header alone.
 */
export function pngClaimingSize(widthPx: number, heightPx: number): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(widthPx, 0)
  header.writeUInt32BE(heightPx, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/**
 * A GIF with a `widthPx` x `heightPx` canvas and `frames` frames, each a single pixel: a few
 * bytes per frame in the file, a whole canvas per frame once decoded.
 */
export function gifWithFrames(widthPx: number, heightPx: number, frames: number): Buffer {
  const screen = Buffer.alloc(7)
  screen.writeUInt16LE(widthPx, 0)
  screen.writeUInt16LE(heightPx, 2)
  screen[4] = 0x80 // a global colour table of 2 entries
  const parts = [Buffer.from('GIF89a'), screen, Buffer.from([0, 0, 0, 255, 255, 255])]
  // NETSCAPE2.0 application extension: loop forever.
  parts.push(Buffer.from([0x21, 0xff, 0x0b]), Buffer.from('NETSCAPE2.0'), Buffer.from([3, 1, 0, 0, 0]))
  // Graphic control extension (100 ms), then a 1 x 1 image whose LZW data is clear, 0, end.
  const frame = Buffer.from([
    0x21, 0xf9, 4, 0, 10, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0,
  ])
  for (let i = 0; i < frames; i++) parts.push(frame)
  parts.push(Buffer.from([0x3b]))
  return Buffer.concat(parts)
}

/** The first `fraction` of the bytes: what an interrupted upload leaves. */
export function truncated(bytes: Buffer, fraction = 0.6): Buffer {
  return bytes.subarray(0, Math.floor(bytes.length * fraction))
}
