/**
 * The aspect ratios SPEC 4 accepts (16:9, 4:3, 1:1, either orientation) and how a picture's
 * size is matched to one of them.
 */

export type AspectRatio = '16:9' | '4:3' | '1:1'
export type Orientation = 'landscape' | 'portrait' | 'square'

/** SPEC 4: "±1%", taken relative to the target ratio (long side over short side). */
export const ASPECT_TOLERANCE = 0.01

const ASPECT_RATIOS: ReadonlyArray<readonly [AspectRatio, number]> = [
  ['16:9', 16 / 9],
  ['4:3', 4 / 3],
  ['1:1', 1],
]

export interface AspectMatch {
  aspect: AspectRatio
  orientation: Orientation
}

/**
 * The accepted ratio that `widthPx` x `heightPx` matches within the tolerance, or undefined.
 * A near-square picture (within 1% of 1:1) counts as square even if one side is a little longer.
 */
export function matchAspect(widthPx: number, heightPx: number): AspectMatch | undefined {
  const longPx = Math.max(widthPx, heightPx)
  const shortPx = Math.min(widthPx, heightPx)
  if (shortPx <= 0) return undefined
  const ratio = longPx / shortPx
  for (const [aspect, target] of ASPECT_RATIOS) {
    if (Math.abs(ratio - target) / target > ASPECT_TOLERANCE) continue
    if (aspect === '1:1') return { aspect, orientation: 'square' }
    return { aspect, orientation: widthPx > heightPx ? 'landscape' : 'portrait' }
  }
  return undefined
}
