/**
 * The per-pixel work of the local engine: one output frame from the card texture (warped by an
 * inverse homography) over the background texture (shifted for parallax), both sampled
 * bilinearly. This is the hot loop (about 190 million pixels for 90 frames at 1080p), so it is
 * written for V8: typed arrays only, no allocation per pixel, small helpers V8 inlines, and
 * every term that is linear along a row is advanced by adding its step instead of recomputed.
 *
 * Pixels are 4 bytes (RGBA, alpha always 255) read and written as one 32-bit word. Interpolation
 * works on two bytes at once: masking a word with 0x00ff00ff leaves bytes 0 and 2 in separate
 * 16-bit lanes, and a 7-bit weight (0..128) times a byte stays below 2^15, so one multiplication
 * interpolates two channels and the sums never leave the int32 range V8 computes fastest in.
 * The same formula runs on every byte, so it does not matter here which byte is which channel.
 * Opaque alpha costs nothing downstream: libwebp drops an alpha plane that is 255 everywhere.
 */
import type { BackgroundMapping, FramePlan, Mat3 } from './projection.ts'

export const BYTES_PER_PIXEL = 4

/**
 * An RGBA image with one extra column on the right and one extra row at the bottom, copies of
 * the last ones. Bilinear sampling reads the pixel right of and below the sample point; the
 * padding keeps that read inside the image for samples on the last column or row, so the loop
 * needs no bounds checks. `width` and `height` are the size without the padding.
 */
export interface PaddedTexture {
  pixels: Int32Array
  width: number
  height: number
}

/** Fixed-point weights have 7 fractional bits (hence the shifts by 7): 128 is a weight of 1. */
const WEIGHT_ONE = 128
const EVEN_BYTES = 0x00ff00ff
/** Half of WEIGHT_ONE in each lane, so that the shift rounds to nearest instead of down. */
const ROUND_HALF = 0x00400040

/**
 * A fraction in [0, 1] as a weight in 0..128, rounded to nearest: the sample position is then
 * off by at most 1/256 texel, about one level even where neighbouring texels differ by 255.
 */
function toWeight(fraction: number): number {
  return (fraction * WEIGHT_ONE + 0.5) | 0
}

export function paddedPixelCount(width: number, height: number): number {
  return (width + 1) * (height + 1)
}

/** Per-byte mix of two packed pixels: weight 0 gives `from`, WEIGHT_ONE gives `to`. */
function mix(from: number, to: number, weight: number): number {
  const keep = WEIGHT_ONE - weight
  const even = (((from & EVEN_BYTES) * keep + (to & EVEN_BYTES) * weight + ROUND_HALF) >>> 7) & EVEN_BYTES
  const odd =
    ((((from >>> 8) & EVEN_BYTES) * keep + ((to >>> 8) & EVEN_BYTES) * weight + ROUND_HALF) >>> 7) &
    EVEN_BYTES
  return even | (odd << 8)
}

/**
 * Bilinear sample at pixel index `i` of `pixels` plus the weights (0..128) right and down.
 * Written out rather than built from `mix`: V8 stops inlining before six nested calls per pixel.
 */
function sample(pixels: Int32Array, i: number, stride: number, weightX: number, weightY: number): number {
  const p00 = pixels[i]!
  const p01 = pixels[i + 1]!
  const p10 = pixels[i + stride]!
  const p11 = pixels[i + stride + 1]!
  const keepX = WEIGHT_ONE - weightX
  const keepY = WEIGHT_ONE - weightY
  const topEven =
    (((p00 & EVEN_BYTES) * keepX + (p01 & EVEN_BYTES) * weightX + ROUND_HALF) >>> 7) & EVEN_BYTES
  const bottomEven =
    (((p10 & EVEN_BYTES) * keepX + (p11 & EVEN_BYTES) * weightX + ROUND_HALF) >>> 7) & EVEN_BYTES
  const even = ((topEven * keepY + bottomEven * weightY + ROUND_HALF) >>> 7) & EVEN_BYTES
  const q00 = (p00 >>> 8) & EVEN_BYTES
  const q01 = (p01 >>> 8) & EVEN_BYTES
  const q10 = (p10 >>> 8) & EVEN_BYTES
  const q11 = (p11 >>> 8) & EVEN_BYTES
  const topOdd = ((q00 * keepX + q01 * weightX + ROUND_HALF) >>> 7) & EVEN_BYTES
  const bottomOdd = ((q10 * keepX + q11 * weightX + ROUND_HALF) >>> 7) & EVEN_BYTES
  const odd = ((topOdd * keepY + bottomOdd * weightY + ROUND_HALF) >>> 7) & EVEN_BYTES
  return even | (odd << 8)
}

/**
 * Renders one frame into `out` (frameWidth × frameHeight words).
 *
 * Card coverage is anti-aliased: `edge` is how far inside the card a pixel's sample point lies,
 * in texels (negative outside), and a pixel counts as covered by edge + ½ of itself, clamped to
 * [0, 1]. At this scale a texel is about a pixel, so that approximates the share of the pixel
 * the card's edge cuts off, which removes the staircase a hard inside/outside test would crawl
 * along the rotating edges.
 */
export function renderFrame(
  card: PaddedTexture,
  background: PaddedTexture,
  plan: FramePlan,
  frameWidth: number,
  frameHeight: number,
  out: Int32Array,
): void {
  if (out.length !== frameWidth * frameHeight) throw new Error('output buffer has the wrong size')
  assertBackgroundCoversFrame(background, plan.background, frameWidth, frameHeight)
  assertCardInFront(plan.screenToCard, frameWidth, frameHeight)
  const frame: FrameContext = {
    card,
    background,
    m: plan.screenToCard,
    mapping: plan.background,
    frameWidth,
    out,
  }
  for (let y = 0; y < frameHeight; y++) {
    const { coverStart, fullStart, fullEnd, coverEnd } = cardSpans(frame, y)
    drawBackground(frame, y, 0, coverStart)
    drawCardEdge(frame, y, coverStart, fullStart)
    drawCardInterior(frame, y, fullStart, fullEnd)
    drawCardEdge(frame, y, fullEnd, coverEnd)
    drawBackground(frame, y, coverEnd, frameWidth)
  }
}

/** Per-frame constants, gathered so each span loop can copy what it needs into locals. */
interface FrameContext {
  card: PaddedTexture
  background: PaddedTexture
  /** Screen → card texture homography. */
  m: Mat3
  mapping: BackgroundMapping
  frameWidth: number
  out: Int32Array
}

/**
 * Splits row y into spans: [0, coverStart) and [coverEnd, width) miss the card; [fullStart,
 * fullEnd) lies wholly on it; the rest is the card's anti-aliased edge. Each test "u ≥ L" is
 * uw − L·w ≥ 0 with w > 0, which is linear in x, so each span end is the root of a linear
 * function. The interior is shrunk and the cover grown by a pixel to absorb rounding; that only
 * moves a pixel to the slower general edge loop, which is right for every pixel.
 */
function cardSpans(
  frame: FrameContext,
  y: number,
): { coverStart: number; fullStart: number; fullEnd: number; coverEnd: number } {
  const { m, card, frameWidth } = frame
  const uw0 = m[1] * y + m[2]
  const vw0 = m[4] * y + m[5]
  const w0 = m[7] * y + m[8]
  const within = (low: number, high: number, lowV: number, highV: number): [number, number] => {
    let from = Number.NEGATIVE_INFINITY
    let to = Number.POSITIVE_INFINITY
    // Each constraint a·x + b ≥ 0 keeps a half-line of x.
    for (const [a, b] of [
      [m[0] - low * m[6], uw0 - low * w0],
      [high * m[6] - m[0], high * w0 - uw0],
      [m[3] - lowV * m[6], vw0 - lowV * w0],
      [highV * m[6] - m[3], highV * w0 - vw0],
    ] as const) {
      if (a > 0) from = Math.max(from, -b / a)
      else if (a < 0) to = Math.min(to, -b / a)
      else if (b < 0) return [1, 0]
    }
    return [from, to]
  }
  const uMax = card.width - 1
  const vMax = card.height - 1
  // Any coverage: edge > −½, i.e. the sample point within one texel outside the outer texels.
  const [coverFrom, coverTo] = within(-1, uMax + 1, -1, vMax + 1)
  const coverStart = coverFrom > coverTo ? frameWidth : clamp(Math.floor(coverFrom) - 1, 0, frameWidth)
  const coverEnd = coverFrom > coverTo ? frameWidth : clamp(Math.ceil(coverTo) + 2, coverStart, frameWidth)
  // Full coverage: edge ≥ ½, i.e. the sample point between the outer texel centres.
  const [fullFrom, fullTo] = within(0, uMax, 0, vMax)
  const fullStart = fullFrom > fullTo ? coverStart : clamp(Math.ceil(fullFrom) + 1, coverStart, coverEnd)
  const fullEnd = fullFrom > fullTo ? coverStart : clamp(Math.floor(fullTo), fullStart, coverEnd)
  return { coverStart, fullStart, fullEnd, coverEnd }
}

function drawBackground(frame: FrameContext, y: number, xStart: number, xEnd: number): void {
  const { background, out } = frame
  const { scale, originX, originY } = frame.mapping
  const pixels = background.pixels
  const stride = background.width + 1
  const v = y * scale + originY
  const row = v | 0
  const weightY = toWeight(v - row)
  const rowStart = row * stride
  let o = y * frame.frameWidth + xStart
  for (let x = xStart; x < xEnd; x++, o++) {
    const u = x * scale + originX
    const column = u | 0
    out[o] = sample(pixels, rowStart + column, stride, toWeight(u - column), weightY)
  }
}

/** Pixels wholly on the card: no coverage test, no background. */
function drawCardInterior(frame: FrameContext, y: number, xStart: number, xEnd: number): void {
  const { m, card, out } = frame
  const pixels = card.pixels
  const stride = card.width + 1
  // (u·w, v·w, w) = M·(x, y, 1) is linear in x: start at xStart and add M's first column per pixel.
  let uw = m[0] * xStart + m[1] * y + m[2]
  let vw = m[3] * xStart + m[4] * y + m[5]
  let w = m[6] * xStart + m[7] * y + m[8]
  const uwStep = m[0]
  const vwStep = m[3]
  const wStep = m[6]
  let o = y * frame.frameWidth + xStart
  for (let x = xStart; x < xEnd; x++, o++, uw += uwStep, vw += vwStep, w += wStep) {
    const inverseW = 1 / w
    const u = uw * inverseW
    const v = vw * inverseW
    const column = u | 0
    const row = v | 0
    out[o] = sample(pixels, row * stride + column, stride, toWeight(u - column), toWeight(v - row))
  }
}

/** Any pixel, done fully: the card's edge, blended over the background by coverage. */
function drawCardEdge(frame: FrameContext, y: number, xStart: number, xEnd: number): void {
  const { m, card, background, out } = frame
  const { scale, originX, originY } = frame.mapping
  const cardStride = card.width + 1
  const backgroundStride = background.width + 1
  const backgroundV = y * scale + originY
  const backgroundRow = backgroundV | 0
  const backgroundWeightY = toWeight(backgroundV - backgroundRow)
  const uMax = card.width - 1
  const vMax = card.height - 1
  for (let x = xStart; x < xEnd; x++) {
    const w = m[6] * x + m[7] * y + m[8]
    let u = (m[0] * x + m[1] * y + m[2]) / w
    let v = (m[3] * x + m[4] * y + m[5]) / w
    // Distance inside the nearest card edge (edges at −½ and size − ½), in texels.
    const edge = Math.min(u + 0.5, v + 0.5, uMax + 0.5 - u, vMax + 0.5 - v)
    const backgroundU = x * scale + originX
    const backgroundColumn = backgroundU | 0
    const backgroundPixel = sample(
      background.pixels,
      backgroundRow * backgroundStride + backgroundColumn,
      backgroundStride,
      toWeight(backgroundU - backgroundColumn),
      backgroundWeightY,
    )
    const coverage = edge >= 0.5 ? WEIGHT_ONE : edge <= -0.5 ? 0 : toWeight(edge + 0.5)
    // Sample the nearest point on the card; the padding covers u = uMax exactly.
    u = clamp(u, 0, uMax)
    v = clamp(v, 0, vMax)
    const column = u | 0
    const row = v | 0
    const cardPixel = sample(
      card.pixels,
      row * cardStride + column,
      cardStride,
      toWeight(u - column),
      toWeight(v - row),
    )
    out[y * frame.frameWidth + x] = mix(backgroundPixel, cardPixel, coverage)
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high)
}

/**
 * The background mapping is affine, so if the frame's four corners land inside the texture,
 * every pixel does: one check per frame instead of a clamp per pixel.
 */
function assertBackgroundCoversFrame(
  texture: PaddedTexture,
  mapping: BackgroundMapping,
  frameWidth: number,
  frameHeight: number,
): void {
  const lowX = mapping.originX
  const lowY = mapping.originY
  const highX = (frameWidth - 1) * mapping.scale + mapping.originX
  const highY = (frameHeight - 1) * mapping.scale + mapping.originY
  if (lowX < 0 || lowY < 0 || highX > texture.width - 1 || highY > texture.height - 1) {
    throw new Error('background texture does not cover the frame')
  }
}

/**
 * w (the projective depth) is linear in x and y, so it is positive everywhere on screen iff it
 * is positive at the four corners. Positive means every pixel looks at the front of the card's
 * plane; a zero would divide by zero and a negative would show the plane behind the camera.
 */
function assertCardInFront(m: Mat3, frameWidth: number, frameHeight: number): void {
  for (const [x, y] of [
    [0, 0],
    [frameWidth - 1, 0],
    [0, frameHeight - 1],
    [frameWidth - 1, frameHeight - 1],
  ] as const) {
    if (!(m[6] * x + m[7] * y + m[8] > 0)) throw new Error('card plane is not in front of the camera')
  }
}
