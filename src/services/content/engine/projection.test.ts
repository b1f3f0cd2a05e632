/**
 * Proves the camera maths: at rest the card is an upright rectangle of its texture size in the
 * middle of the frame; turned, it is a true perspective quad (the nearer edge is taller, which
 * no affine warp can do); the inverse homography really inverts; poses loop exactly; and over
 * a whole loop the card stays inside the frame and the parallax background covers it.
 */
import { describe, expect, it } from 'vitest'
import {
  applyHomography,
  backgroundMapping,
  backgroundTextureSize,
  cardGeometry,
  cardHomography,
  framePlan,
  invert,
  MOTION_AMPLITUDES_RAD,
  multiply,
  poseAt,
  projectCardCorners,
} from './projection.ts'

const geometry = cardGeometry(1920, 1080)
const FRAME_COUNT = 90

function edgeHeights(corners: Array<{ x: number; y: number }>) {
  const [topLeft, topRight, bottomRight, bottomLeft] = corners as [
    { x: number; y: number },
    { x: number; y: number },
    { x: number; y: number },
    { x: number; y: number },
  ]
  return { left: bottomLeft.y - topLeft.y, right: bottomRight.y - topRight.y }
}

describe('card homography', () => {
  it('shows the unrotated card as an upright rectangle of its own size, centred', () => {
    const [topLeft, , bottomRight] = projectCardCorners({ yawRad: 0, pitchRad: 0 }, geometry)
    expect(bottomRight!.x - topLeft!.x).toBeCloseTo(geometry.cardWidth, 9)
    expect(bottomRight!.y - topLeft!.y).toBeCloseTo(geometry.cardHeight, 9)
    expect((topLeft!.x + bottomRight!.x) / 2).toBeCloseTo((1920 - 1) / 2, 9)
    expect((topLeft!.y + bottomRight!.y) / 2).toBeCloseTo((1080 - 1) / 2, 9)
  })

  it('projects a yawed card in perspective: the nearer edge is taller than the farther one', () => {
    const yawRad = MOTION_AMPLITUDES_RAD.orbit.yaw
    const turned = edgeHeights(projectCardCorners({ yawRad, pitchRad: 0 }, geometry))
    // Positive yaw brings the right edge closer to the camera.
    expect(turned.right / turned.left).toBeGreaterThan(1.1)
    const mirrored = edgeHeights(projectCardCorners({ yawRad: -yawRad, pitchRad: 0 }, geometry))
    expect(mirrored.left).toBeCloseTo(turned.right, 6)
  })

  it('makes the nearer edge taller in some frame of every motion style', () => {
    for (const motion of ['orbit', 'gentle'] as const) {
      const ratios = Array.from({ length: FRAME_COUNT }, (_, k) => {
        const { left, right } = edgeHeights(projectCardCorners(poseAt(k, FRAME_COUNT, motion), geometry))
        return Math.max(left / right, right / left)
      })
      expect(Math.max(...ratios)).toBeGreaterThan(motion === 'orbit' ? 1.1 : 1.05)
    }
  })

  it('has an inverse that maps screen points back to the card points they show', () => {
    const homography = cardHomography({ yawRad: 0.15, pitchRad: -0.08 }, geometry)
    const product = multiply(homography, invert(homography))
    const scale = product[8]
    product.forEach((value, i) => {
      expect(value / scale).toBeCloseTo(i % 4 === 0 ? 1 : 0, 9)
    })
    const screen = applyHomography(homography, 123.25, 456.5)
    const back = applyHomography(invert(homography), screen.x, screen.y)
    expect(back.x).toBeCloseTo(123.25, 6)
    expect(back.y).toBeCloseTo(456.5, 6)
  })

  it('refuses to invert a singular matrix', () => {
    expect(() => invert([1, 2, 3, 2, 4, 6, 0, 0, 1])).toThrow(/singular/)
  })
})

describe('motion over a loop', () => {
  it('returns to its first pose one loop later, so the seam is an ordinary step', () => {
    for (const motion of ['orbit', 'gentle'] as const) {
      const first = poseAt(0, FRAME_COUNT, motion)
      const afterLoop = poseAt(FRAME_COUNT, FRAME_COUNT, motion)
      expect(afterLoop.yawRad).toBeCloseTo(first.yawRad, 12)
      expect(afterLoop.pitchRad).toBeCloseTo(first.pitchRad, 12)
    }
  })

  it('never stops: yaw and pitch are a quarter period apart, so one moves while the other turns', () => {
    const steps = Array.from({ length: FRAME_COUNT }, (_, k) => {
      const a = poseAt(k, FRAME_COUNT, 'orbit')
      const b = poseAt(k + 1, FRAME_COUNT, 'orbit')
      return Math.hypot(b.yawRad - a.yawRad, b.pitchRad - a.pitchRad)
    })
    expect(Math.min(...steps) / Math.max(...steps)).toBeGreaterThan(0.5)
  })

  it('keeps the card inside the frame and the background over the whole frame in every pose', () => {
    for (const [width, height] of [
      [1920, 1080],
      [1080, 1920],
      [1440, 1080],
      [1080, 1080],
      [64, 36],
      [16, 16],
    ] as const) {
      const frame = cardGeometry(width, height)
      const texture = backgroundTextureSize(width, height)
      for (let k = 0; k < FRAME_COUNT; k++) {
        const pose = poseAt(k, FRAME_COUNT, 'orbit')
        for (const corner of projectCardCorners(pose, frame)) {
          expect(corner.x).toBeGreaterThan(0)
          expect(corner.x).toBeLessThan(width - 1)
          expect(corner.y).toBeGreaterThan(0)
          expect(corner.y).toBeLessThan(height - 1)
        }
        const mapping = backgroundMapping(pose, frame, texture)
        expect(mapping.originX).toBeGreaterThanOrEqual(0)
        expect(mapping.originY).toBeGreaterThanOrEqual(0)
        expect((width - 1) * mapping.scale + mapping.originX).toBeLessThanOrEqual(texture.width - 1)
        expect((height - 1) * mapping.scale + mapping.originY).toBeLessThanOrEqual(texture.height - 1)
      }
    }
  })

  it('plans each frame with the inverse of its pose homography', () => {
    const plan = framePlan(7, FRAME_COUNT, 'gentle', geometry, backgroundTextureSize(1920, 1080))
    const direct = cardHomography(poseAt(7, FRAME_COUNT, 'gentle'), geometry)
    const centre = applyHomography(plan.screenToCard, 959.5, 539.5)
    const there = applyHomography(direct, centre.x, centre.y)
    expect(there.x).toBeCloseTo(959.5, 6)
    expect(there.y).toBeCloseTo(539.5, 6)
  })
})
