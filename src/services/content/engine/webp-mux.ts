/**
 * Assembles an animated WebP from frames that sharp encoded one by one as still WebPs.
 *
 * Why not let sharp encode the animation from stacked frames: libwebp's animation encoder runs
 * one frame after another on one thread, and for every frame it also diffs against the previous
 * canvas to find a sub-rectangle. Our frames change everywhere (the whole picture moves), so
 * that work buys nothing, and measured on the 2-core target it took about twice as long as
 * encoding the same frames as stills (about 9 s against 4.5 s for 90 frames at 1080p, one
 * thread). Stills can also be encoded as each frame is rendered, in parallel, without holding
 * all frames in memory. A lossy WebP animation frame is an ordinary still bitstream wrapped in
 * an ANMF chunk, so nothing is lost by encoding the stills separately.
 *
 * Container layout from the WebP Container Specification (developers.google.com/speed/webp/
 * docs/riff_container, also published as RFC 9649), extended format with animation:
 *   RIFF <size> WEBP
 *     VP8X  flags (animation, alpha), canvas width−1, height−1 (24 bits each)
 *     ANIM  background colour (4 bytes), loop count (16 bits, 0 = forever)
 *     ANMF  x/2, y/2, width−1, height−1, duration ms (24 bits each), flags; then the frame's
 *           ALPH (if any) and VP8/VP8L chunks, copied from the still
 * All integers are little-endian, and a chunk with an odd payload size is followed by one
 * padding byte that its size does not count.
 */

const CHUNK_HEADER_BYTES = 8
const MAX_24_BIT = 0xff_ffff
const VP8X_ANIMATION_FLAG = 0x02
const VP8X_ALPHA_FLAG = 0x10
/** ANMF flags: bit 1 set = do not blend with the previous canvas; bit 0 clear = do not dispose. */
const ANMF_NO_BLEND = 0x02
/** Opaque white in ANIM's [blue, green, red, alpha] order; every frame covers the canvas anyway. */
const BACKGROUND_BGRA = 0xffff_ffff

export interface AnimationFrame {
  /** The still's image chunks (from `frameChunksOf`), headers and padding included. */
  chunks: Buffer
  hasAlpha: boolean
  durationMs: number
}

/** The image chunks of a still WebP (simple or extended format), as an animation frame needs them. */
export function frameChunksOf(still: Buffer): { chunks: Buffer; hasAlpha: boolean } {
  if (still.toString('latin1', 0, 4) !== 'RIFF' || still.toString('latin1', 8, 12) !== 'WEBP') {
    throw new Error('not a WebP file')
  }
  const kept: Buffer[] = []
  let images = 0
  let hasAlpha = false
  for (let offset = 12; offset < still.length; ) {
    const fourCc = still.toString('latin1', offset, offset + 4)
    const payloadBytes = still.readUInt32LE(offset + 4)
    const end = offset + CHUNK_HEADER_BYTES + payloadBytes + (payloadBytes % 2)
    if (end > still.length) throw new Error(`WebP chunk ${fourCc} overruns the file`)
    if (fourCc === 'VP8 ' || fourCc === 'VP8L') images++
    if (fourCc === 'ALPH') hasAlpha = true
    if (fourCc === 'VP8 ' || fourCc === 'VP8L' || fourCc === 'ALPH') kept.push(still.subarray(offset, end))
    offset = end
  }
  if (images !== 1) throw new Error(`a still WebP has one image chunk, found ${images}`)
  return { chunks: Buffer.concat(kept), hasAlpha }
}

export function muxAnimatedWebp(
  frames: readonly AnimationFrame[],
  canvasWidth: number,
  canvasHeight: number,
  loopCount = 0,
): Buffer {
  if (frames.length === 0) throw new Error('an animation needs at least one frame')
  assert24Bit(canvasWidth - 1, 'canvas width')
  assert24Bit(canvasHeight - 1, 'canvas height')
  const vp8x = Buffer.alloc(10)
  vp8x.writeUInt8(VP8X_ANIMATION_FLAG | (frames.some((f) => f.hasAlpha) ? VP8X_ALPHA_FLAG : 0), 0)
  vp8x.writeUIntLE(canvasWidth - 1, 4, 3)
  vp8x.writeUIntLE(canvasHeight - 1, 7, 3)
  const anim = Buffer.alloc(6)
  anim.writeUInt32LE(BACKGROUND_BGRA, 0)
  anim.writeUInt16LE(loopCount, 4)
  const body = [chunk('VP8X', [vp8x]), chunk('ANIM', [anim])]
  for (const frame of frames) {
    assert24Bit(frame.durationMs, 'frame duration')
    const header = Buffer.alloc(16)
    // Bytes 0..5 (x/2, y/2) stay 0: every frame covers the whole canvas.
    header.writeUIntLE(canvasWidth - 1, 6, 3)
    header.writeUIntLE(canvasHeight - 1, 9, 3)
    header.writeUIntLE(frame.durationMs, 12, 3)
    header.writeUInt8(ANMF_NO_BLEND, 15)
    body.push(chunk('ANMF', [header, frame.chunks]))
  }
  const riff = Buffer.alloc(12)
  riff.write('RIFF', 0, 'latin1')
  riff.writeUInt32LE(4 + body.reduce((sum, part) => sum + part.length, 0), 4)
  riff.write('WEBP', 8, 'latin1')
  return Buffer.concat([riff, ...body])
}

function chunk(fourCc: string, parts: Buffer[]): Buffer {
  const payloadBytes = parts.reduce((sum, part) => sum + part.length, 0)
  const header = Buffer.alloc(CHUNK_HEADER_BYTES)
  header.write(fourCc, 0, 'latin1')
  header.writeUInt32LE(payloadBytes, 4)
  const padding = payloadBytes % 2 === 1 ? [Buffer.alloc(1)] : []
  return Buffer.concat([header, ...parts, ...padding])
}

function assert24Bit(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_24_BIT)
    throw new Error(`${what} does not fit WebP`)
}
