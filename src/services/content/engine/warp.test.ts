/**
 * Proves the renderer against a plain per-pixel reference (floating-point bilinear sampling and
 * the same coverage rule, no spans, no fixed point): every pixel of turned frames matches within
 * the rounding of 7-bit weights, so the span split and the packed arithmetic change nothing
 * visible. At rest the card reproduces its texture exactly.
 */
import { describe, expect, it } from 'vitest'
import {
  applyHomography,
  backgroundTextureSize,
  cardGeometry,
  type FramePlan,
  framePlan,
} from './projection.ts'
import { packPadded } from './textures.ts'
import { type PaddedTexture, renderFrame } from './warp.ts'

const FRAME_WIDTH = 200
const FRAME_HEIGHT = 100
const geometry = cardGeometry(FRAME_WIDTH, FRAME_HEIGHT)

/** Smooth gradients plus a hash pattern, so that a misplaced sample shows. */
function texture(width: number, height: number, seed: number): PaddedTexture {
  const rgb = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      rgb[i] = (x * 255) / width
      rgb[i + 1] = (y * 255) / height
      rgb[i + 2] = ((x * 7 + y * 13 + seed) * 2654435761) >>> 24
    }
  }
  return packPadded(rgb, width, height)
}

const card = texture(geometry.cardWidth, geometry.cardHeight, 1)
const backgroundSize = backgroundTextureSize(FRAME_WIDTH, FRAME_HEIGHT)
const background = texture(backgroundSize.width, backgroundSize.height, 2)

function channel(word: number, c: number): number {
  return (word >>> (8 * c)) & 0xff
}

function bilinear(t: PaddedTexture, u: number, v: number, c: number): number {
  const column = Math.floor(u)
  const row = Math.floor(v)
  const at = (dx: number, dy: number) => channel(t.pixels[(row + dy) * (t.width + 1) + column + dx]!, c)
  const top = at(0, 0) + (u - column) * (at(1, 0) - at(0, 0))
  const bottom = at(0, 1) + (u - column) * (at(1, 1) - at(0, 1))
  return top + (v - row) * (bottom - top)
}

function referencePixel(plan: FramePlan, x: number, y: number, c: number): number {
  const { x: u, y: v } = applyHomography(plan.screenToCard, x, y)
  const uMax = card.width - 1
  const vMax = card.height - 1
  const edge = Math.min(u + 0.5, v + 0.5, uMax + 0.5 - u, vMax + 0.5 - v)
  const coverage = Math.min(1, Math.max(0, edge + 0.5))
  const { scale, originX, originY } = plan.background
  const behind = bilinear(background, x * scale + originX, y * scale + originY, c)
  const onCard = bilinear(card, Math.min(uMax, Math.max(0, u)), Math.min(vMax, Math.max(0, v)), c)
  return behind + coverage * (onCard - behind)
}

describe('renderFrame', () => {
  it('matches the per-pixel reference everywhere, for poses all round the loop', () => {
    for (const frameIndex of [0, 11, 30, 52, 77]) {
      const plan = framePlan(frameIndex, 90, 'orbit', geometry, background)
      const out = new Int32Array(FRAME_WIDTH * FRAME_HEIGHT)
      renderFrame(card, background, plan, FRAME_WIDTH, FRAME_HEIGHT, out)
      let worst = 0
      let translucent = 0
      for (let y = 0; y < FRAME_HEIGHT; y++) {
        for (let x = 0; x < FRAME_WIDTH; x++) {
          const word = out[y * FRAME_WIDTH + x]!
          for (let c = 0; c < 3; c++) {
            worst = Math.max(worst, Math.abs(channel(word, c) - referencePixel(plan, x, y, c)))
          }
          if (channel(word, 3) !== 255) translucent++
        }
      }
      // Rounded 7-bit weights: ±1/256 texel of position (about one level at the steepest texel
      // step) and ½ level of rounding per interpolation step.
      expect(worst).toBeLessThanOrEqual(2.5)
      expect(translucent).toBe(0)
    }
  })

  it('reproduces the card texture exactly at rest, where texels land on pixel centres', () => {
    const plan = framePlan(0, 90, 'orbit', geometry, background)
    const rest: FramePlan = { ...plan, screenToCard: [1, 0, -20, 0, 1, -10, 0, 0, 1] }
    const out = new Int32Array(FRAME_WIDTH * FRAME_HEIGHT)
    renderFrame(card, background, rest, FRAME_WIDTH, FRAME_HEIGHT, out)
    for (const [u, v] of [
      [0, 0],
      [37, 41],
      [card.width - 1, card.height - 1],
    ] as const) {
      expect(out[(v + 10) * FRAME_WIDTH + u + 20]).toBe(card.pixels[v * (card.width + 1) + u])
    }
  })

  it('refuses an output buffer of the wrong size and a background that does not cover the frame', () => {
    const plan = framePlan(0, 90, 'orbit', geometry, background)
    expect(() => renderFrame(card, background, plan, FRAME_WIDTH, FRAME_HEIGHT, new Int32Array(5))).toThrow(
      /wrong size/,
    )
    const offside = { ...plan, background: { ...plan.background, originX: -1 } }
    const out = new Int32Array(FRAME_WIDTH * FRAME_HEIGHT)
    expect(() => renderFrame(card, background, offside, FRAME_WIDTH, FRAME_HEIGHT, out)).toThrow(/cover/)
  })
})
