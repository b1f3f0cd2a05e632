/**
 * Reads the facts a TransformResult needs (size, frame count, duration) from an MP4's boxes
 * (ISO/IEC 14496-12), without a video decoder: no ffprobe is assumed on the machine.
 *
 * Only the video track is read: `tkhd` gives the display size (16.16 fixed point, its last 8
 * bytes), `mdhd` the timescale and duration, `stsz`/`stz2` the sample (= frame) count. A file
 * where any of these is missing or out of bounds is not a usable MP4, and the answer is undefined.
 */
import { open } from 'node:fs/promises'

export interface Mp4Info {
  width: number
  height: number
  frameCount: number
  durationMs: number
  fps: number
}

/** `moov` holds only tables; even an hour of video keeps it to a few megabytes. */
const MAX_MOOV_BYTES = 16 * 1024 * 1024
const BOX_HEADER_BYTES = 8
const LARGE_BOX_HEADER_BYTES = 16
const FIXED_16_16 = 65_536
const MS_PER_SECOND = 1000

interface Box {
  type: string
  /** Offset of the payload (after the header). */
  start: number
  end: number
}

/** The boxes in `bytes[start, end)`; stops at the first malformed header. */
function* boxes(bytes: Buffer, start: number, end: number): Generator<Box> {
  let offset = start
  while (offset + BOX_HEADER_BYTES <= end) {
    let size = bytes.readUInt32BE(offset)
    let headerBytes = BOX_HEADER_BYTES
    if (size === 1) {
      if (offset + LARGE_BOX_HEADER_BYTES > end) return
      size = Number(bytes.readBigUInt64BE(offset + BOX_HEADER_BYTES))
      headerBytes = LARGE_BOX_HEADER_BYTES
    } else if (size === 0) {
      size = end - offset
    }
    if (size < headerBytes || offset + size > end) return
    yield {
      type: bytes.toString('latin1', offset + 4, offset + 8),
      start: offset + headerBytes,
      end: offset + size,
    }
    offset += size
  }
}

function child(bytes: Buffer, parent: Box | undefined, type: string): Box | undefined {
  if (parent === undefined) return undefined
  for (const box of boxes(bytes, parent.start, parent.end)) if (box.type === type) return box
  return undefined
}

/** The payload of the file's `moov` box, read into memory; undefined when there is none. */
async function readMoovPayload(path: string): Promise<Buffer | undefined> {
  const file = await open(path, 'r')
  try {
    const { size: fileBytes } = await file.stat()
    const header = Buffer.alloc(LARGE_BOX_HEADER_BYTES)
    let offset = 0
    while (offset + LARGE_BOX_HEADER_BYTES <= fileBytes) {
      await file.read(header, 0, LARGE_BOX_HEADER_BYTES, offset)
      // Top-level boxes (mdat above all) are far larger than this header buffer, so `boxes`
      // cannot walk them: 1 means a 64-bit size follows, 0 means "to the end of the file".
      const size32 = header.readUInt32BE(0)
      let size = size32
      let headerBytes = BOX_HEADER_BYTES
      if (size32 === 1) {
        size = Number(header.readBigUInt64BE(BOX_HEADER_BYTES))
        headerBytes = LARGE_BOX_HEADER_BYTES
      } else if (size32 === 0) {
        size = fileBytes - offset
      }
      if (size < headerBytes || offset + size > fileBytes) return undefined
      if (header.toString('latin1', 4, 8) === 'moov') {
        if (size > MAX_MOOV_BYTES) return undefined
        const payload = Buffer.alloc(size - headerBytes)
        await file.read(payload, 0, payload.length, offset + headerBytes)
        return payload
      }
      offset += size
    }
    return undefined
  } finally {
    await file.close()
  }
}

/** Facts of the first video track of the MP4 at `path`; undefined when it is not a usable MP4. */
export async function readMp4Info(path: string): Promise<Mp4Info | undefined> {
  const moov = await readMoovPayload(path)
  if (moov === undefined) return undefined
  try {
    for (const trak of boxes(moov, 0, moov.length)) {
      if (trak.type !== 'trak') continue
      const info = videoTrackInfo(moov, trak)
      if (info !== undefined) return info
    }
    return undefined
  } catch (error) {
    // A box shorter than its fields: reading past it is a malformed file, not a bug.
    if (error instanceof RangeError) return undefined
    throw error
  }
}

function videoTrackInfo(bytes: Buffer, trak: Box): Mp4Info | undefined {
  const mdia = child(bytes, trak, 'mdia')
  const hdlr = child(bytes, mdia, 'hdlr')
  // hdlr: version/flags (4), pre_defined (4), handler_type (4).
  if (hdlr === undefined || bytes.toString('latin1', hdlr.start + 8, hdlr.start + 12) !== 'vide') {
    return undefined
  }
  const tkhd = child(bytes, trak, 'tkhd')
  const mdhd = child(bytes, mdia, 'mdhd')
  const stbl = child(bytes, child(bytes, mdia, 'minf'), 'stbl')
  const stsz = child(bytes, stbl, 'stsz') ?? child(bytes, stbl, 'stz2')
  if (tkhd === undefined || mdhd === undefined || stsz === undefined) return undefined
  const width = Math.round(bytes.readUInt32BE(tkhd.end - 8) / FIXED_16_16)
  const height = Math.round(bytes.readUInt32BE(tkhd.end - 4) / FIXED_16_16)
  // mdhd version 1 has 64-bit creation/modification times and duration.
  const version1 = bytes[mdhd.start] === 1
  const timescale = bytes.readUInt32BE(mdhd.start + (version1 ? 20 : 12))
  const duration = version1
    ? Number(bytes.readBigUInt64BE(mdhd.start + 24))
    : bytes.readUInt32BE(mdhd.start + 16)
  // stsz: version/flags (4), sample_size (4), sample_count (4); stz2 has the count at the same place.
  const frameCount = bytes.readUInt32BE(stsz.start + 8)
  if (width <= 0 || height <= 0 || timescale <= 0 || duration <= 0 || frameCount <= 0) return undefined
  const durationSeconds = duration / timescale
  return {
    width,
    height,
    frameCount,
    durationMs: Math.round(durationSeconds * MS_PER_SECOND),
    fps: frameCount / durationSeconds,
  }
}
