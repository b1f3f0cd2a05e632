/**
 * The camera maths of the local engine: where the image (a flat "card") sits in 3D in each
 * frame, and the 3x3 homography that maps it onto the screen.
 *
 * A plane seen by a pinhole camera maps to the image by a homography: a card point (X, Y, 0) in
 * card coordinates lands at K·[r1 r2 t]·(X, Y, 1), where r1 and r2 are the first two columns of
 * the card's rotation, t its position and K the camera intrinsics (Zhang, "A flexible new
 * technique for camera calibration", IEEE TPAMI 2000, section 2.2; Hartley & Zisserman,
 * "Multiple View Geometry", chapter 8). Rendering needs the reverse question (which
 * card point does this screen pixel show?), so the renderer uses the inverse matrix. Its terms
 * are linear in the screen x and y, which is what makes the per-row increments of warp.ts work.
 *
 * All lengths are in output pixels. The camera sits at distance f from the card and has focal
 * length f, so an unrotated card appears at exactly its texture size: the texture is then
 * sampled about 1:1 and stays sharp.
 */
import type { MotionStyle } from './transformer.ts'

/** Row-major 3x3 matrix. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number]

export interface Pose {
  /** Rotation about the card's vertical axis, radians; positive brings the right edge closer. */
  yawRad: number
  /** Rotation about the card's horizontal axis, radians; positive turns the bottom edge away. */
  pitchRad: number
}

export interface CardGeometry {
  /** Output frame size. */
  frameWidth: number
  frameHeight: number
  /** Card (texture) size at rest. */
  cardWidth: number
  cardHeight: number
  /** Focal length = camera distance. */
  focalPx: number
}

const DEGREE_RAD = Math.PI / 180

/**
 * Swing amplitudes. Yaw and pitch run a quarter period apart, so the card's normal traces an
 * ellipse (an orbit) rather than a line: on a line the motion would stop at both turning points
 * and those frames would look frozen. On the ellipse the angular speed only varies between the
 * two amplitudes (here less than 2:1), which the smoothness check allows, because the change
 * between neighbouring frames is still even.
 */
export const MOTION_AMPLITUDES_RAD: Readonly<Record<MotionStyle, { yaw: number; pitch: number }>> =
  Object.freeze({
    orbit: { yaw: 12 * DEGREE_RAD, pitch: 7 * DEGREE_RAD },
    gentle: { yaw: 6 * DEGREE_RAD, pitch: 3.5 * DEGREE_RAD },
  })

/** Share of the frame the card fills at rest; the rest shows the parallax background. */
const CARD_SCALE = 0.8

/**
 * Focal length as a multiple of the frame's long side. With the card at 0.8 of the long side,
 * a 12° yaw makes its near edge about 15% taller than its far edge: clearly 3D without the
 * fish-eye look of a short lens.
 */
const FOCAL_PER_LONG_SIDE = 1.2

export function cardGeometry(frameWidth: number, frameHeight: number): CardGeometry {
  return {
    frameWidth,
    frameHeight,
    cardWidth: Math.round(frameWidth * CARD_SCALE),
    cardHeight: Math.round(frameHeight * CARD_SCALE),
    focalPx: FOCAL_PER_LONG_SIDE * Math.max(frameWidth, frameHeight),
  }
}

/**
 * Pose of frame k of n. The angles are sines of the loop phase 2πk/n, so frame n would equal
 * frame 0: the step from the last frame back to the first is an ordinary step and the loop has
 * no seam.
 */
export function poseAt(frameIndex: number, frameCount: number, motion: MotionStyle): Pose {
  const phaseRad = (2 * Math.PI * frameIndex) / frameCount
  const amplitude = MOTION_AMPLITUDES_RAD[motion]
  return { yawRad: amplitude.yaw * Math.sin(phaseRad), pitchRad: amplitude.pitch * Math.cos(phaseRad) }
}

/**
 * Card texture coordinates (u, v) → screen pixel (x, y), both with pixel centres on integers.
 * The card is centred on the screen; u, v are shifted so that the card's centre is the 3D origin.
 */
export function cardHomography(pose: Pose, geometry: CardGeometry): Mat3 {
  const { frameWidth, frameHeight, cardWidth, cardHeight, focalPx: f } = geometry
  const cy = Math.cos(pose.yawRad)
  const sy = Math.sin(pose.yawRad)
  const cp = Math.cos(pose.pitchRad)
  const sp = Math.sin(pose.pitchRad)
  // R = Rx(pitch)·Ry(yaw); r1 = R·(1,0,0), r2 = R·(0,1,0). The card's centre is at (0, 0, f).
  const r1 = [cy, sp * sy, -cp * sy] as const
  const r2 = [0, cp, sp] as const
  const cx = (frameWidth - 1) / 2
  const cyScreen = (frameHeight - 1) / 2
  // K·[r1 r2 t] with K = [[f,0,cx],[0,f,cy],[0,0,1]], t = (0,0,f).
  const projection: Mat3 = [
    f * r1[0] + cx * r1[2],
    f * r2[0] + cx * r2[2],
    cx * f,
    f * r1[1] + cyScreen * r1[2],
    f * r2[1] + cyScreen * r2[2],
    cyScreen * f,
    r1[2],
    r2[2],
    f,
  ]
  const centreCard: Mat3 = [1, 0, -(cardWidth - 1) / 2, 0, 1, -(cardHeight - 1) / 2, 0, 0, 1]
  return multiply(projection, centreCard)
}

export function multiply(a: Mat3, b: Mat3): Mat3 {
  const out: number[] = []
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) {
      out.push(a[row * 3]! * b[col]! + a[row * 3 + 1]! * b[3 + col]! + a[row * 3 + 2]! * b[6 + col]!)
    }
  }
  return out as unknown as Mat3
}

/** Inverse by the adjugate; a homography of a visible plane is never singular. */
export function invert(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m
  const cofactor00 = e * i - f * h
  const cofactor01 = f * g - d * i
  const cofactor02 = d * h - e * g
  const determinant = a * cofactor00 + b * cofactor01 + c * cofactor02
  if (!(Math.abs(determinant) > 1e-12)) throw new Error('homography is singular')
  const s = 1 / determinant
  return [
    cofactor00 * s,
    (c * h - b * i) * s,
    (b * f - c * e) * s,
    cofactor01 * s,
    (a * i - c * g) * s,
    (c * d - a * f) * s,
    cofactor02 * s,
    (b * g - a * h) * s,
    (a * e - b * d) * s,
  ]
}

export function applyHomography(m: Mat3, x: number, y: number): { x: number; y: number } {
  const w = m[6] * x + m[7] * y + m[8]
  return { x: (m[0] * x + m[1] * y + m[2]) / w, y: (m[3] * x + m[4] * y + m[5]) / w }
}

/** Screen positions of the card's outer corners: top-left, top-right, bottom-right, bottom-left. */
export function projectCardCorners(pose: Pose, geometry: CardGeometry): Array<{ x: number; y: number }> {
  const h = cardHomography(pose, geometry)
  const right = geometry.cardWidth - 0.5
  const bottom = geometry.cardHeight - 0.5
  return [
    applyHomography(h, -0.5, -0.5),
    applyHomography(h, right, -0.5),
    applyHomography(h, right, bottom),
    applyHomography(h, -0.5, bottom),
  ]
}

/**
 * The background is the same image, blurred, behind the card. It slides against the card's
 * turn: a far layer moving opposite to a near one is motion parallax, the strongest depth cue a
 * flat picture can give. It is zoomed past the frame so the slide never uncovers an edge.
 */
const BACKGROUND_ZOOM = 1.1
/** Background shift per radian of card rotation, as a fraction of the frame side it moves along. */
const BACKGROUND_SHIFT_PER_RAD = 0.15
/**
 * The background texture has a quarter of the frame's resolution: it is blurred, so more
 * texels would add nothing but memory, and bilinear upsampling of a blurred image is smooth.
 */
const BACKGROUND_TEXELS_PER_PIXEL = 1 / 4
/** Texels added to each side beyond the zoom, for pixel-centre offsets and rounding. */
const BACKGROUND_SLACK_TEXELS = 1

/** Size of the background texture for a frame: the zoomed frame at a quarter resolution, plus slack. */
export function backgroundTextureSize(
  frameWidth: number,
  frameHeight: number,
): { width: number; height: number } {
  const side = (framePx: number) =>
    Math.ceil(framePx * BACKGROUND_ZOOM * BACKGROUND_TEXELS_PER_PIXEL) + 2 * BACKGROUND_SLACK_TEXELS
  return { width: side(frameWidth), height: side(frameHeight) }
}

/** Screen pixel (x, y) → background texture (x·scale + originX, y·scale + originY). */
export interface BackgroundMapping {
  scale: number
  originX: number
  originY: number
}

/** Centres the frame, shifted for parallax, on the centre of a texture from backgroundTextureSize. */
export function backgroundMapping(
  pose: Pose,
  geometry: CardGeometry,
  texture: { width: number; height: number },
): BackgroundMapping {
  const shiftXPx = -BACKGROUND_SHIFT_PER_RAD * geometry.frameWidth * pose.yawRad
  const shiftYPx = BACKGROUND_SHIFT_PER_RAD * geometry.frameHeight * pose.pitchRad
  const scale = BACKGROUND_TEXELS_PER_PIXEL
  return {
    scale,
    originX: (texture.width - 1) / 2 - ((geometry.frameWidth - 1) / 2 + shiftXPx) * scale,
    originY: (texture.height - 1) / 2 - ((geometry.frameHeight - 1) / 2 + shiftYPx) * scale,
  }
}

export interface FramePlan {
  /** Screen pixel → card texture coordinates (the inverse of the card's homography). */
  screenToCard: Mat3
  background: BackgroundMapping
}

/** Everything the renderer needs to know about frame k of n besides the textures. */
export function framePlan(
  frameIndex: number,
  frameCount: number,
  motion: MotionStyle,
  geometry: CardGeometry,
  background: { width: number; height: number },
): FramePlan {
  const pose = poseAt(frameIndex, frameCount, motion)
  return {
    screenToCard: invert(cardHomography(pose, geometry)),
    background: backgroundMapping(pose, geometry, background),
  }
}
