/**
 * Walks a GIF's block structure (GIF89a spec, sections 17-27) without decoding any pixels.
 *
 * libvips' GIF loader is lenient: a GIF cut off in the middle of a frame decodes without an
 * error, showing fewer frames or a half-drawn one. A truncated upload must still be refused as
 * corrupt, so validation walks the blocks itself: every block must be complete and the stream
 * must end with the trailer byte. Bytes after the trailer are ignored (the upload is re-encoded
 * before anything is stored, so they never reach a viewer).
 */

const HEADER_BYTES = 6
const LOGICAL_SCREEN_DESCRIPTOR_BYTES = 7
const IMAGE_DESCRIPTOR_BYTES = 9
const EXTENSION_INTRODUCER = 0x21
const IMAGE_SEPARATOR = 0x2c
const TRAILER = 0x3b
const COLOR_TABLE_FLAG = 0x80
const COLOR_TABLE_SIZE_MASK = 0x07

export type GifStructure = { ok: true; frameCount: number } | { ok: false; detail: string }

/** Bytes of a colour table announced by a packed-fields byte: 3 * 2^(N+1), or 0 when absent. */
function colorTableBytes(packedFields: number): number {
  if ((packedFields & COLOR_TABLE_FLAG) === 0) return 0
  return 3 * 2 ** ((packedFields & COLOR_TABLE_SIZE_MASK) + 1)
}

/** Skips a chain of data sub-blocks (length byte, data, ..., zero); returns the offset after it. */
function skipSubBlocks(bytes: Uint8Array, start: number): number | undefined {
  let offset = start
  while (offset < bytes.length) {
    const length = bytes[offset]!
    offset += 1
    if (length === 0) return offset
    offset += length
  }
  return undefined
}

export function readGifStructure(bytes: Uint8Array): GifStructure {
  const header = Buffer.from(bytes.subarray(0, HEADER_BYTES)).toString('latin1')
  if (header !== 'GIF87a' && header !== 'GIF89a') return { ok: false, detail: 'no GIF87a/GIF89a header' }
  const screenEnd = HEADER_BYTES + LOGICAL_SCREEN_DESCRIPTOR_BYTES
  if (bytes.length < screenEnd) return { ok: false, detail: 'the logical screen descriptor is cut off' }
  let offset = screenEnd + colorTableBytes(bytes[screenEnd - 3]!)
  let frameCount = 0
  while (offset < bytes.length) {
    const introducer = bytes[offset]!
    if (introducer === TRAILER) return { ok: true, frameCount }
    let next: number | undefined
    if (introducer === EXTENSION_INTRODUCER) {
      // Introducer and label, then the extension's sub-blocks.
      next = skipSubBlocks(bytes, offset + 2)
    } else if (introducer === IMAGE_SEPARATOR) {
      frameCount += 1
      const descriptorEnd = offset + 1 + IMAGE_DESCRIPTOR_BYTES
      if (descriptorEnd > bytes.length) break
      const tableEnd = descriptorEnd + colorTableBytes(bytes[descriptorEnd - 1]!)
      // The LZW minimum code size byte comes before the image data sub-blocks.
      next = skipSubBlocks(bytes, tableEnd + 1)
    } else {
      return { ok: false, detail: `unexpected block 0x${introducer.toString(16)} at byte ${offset}` }
    }
    if (next === undefined) break
    offset = next
  }
  return {
    ok: false,
    detail: `the file ends after ${frameCount} frame(s) without the GIF trailer (truncated)`,
  }
}
