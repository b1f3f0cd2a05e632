/**
 * The smoothness score of SPEC 4 ("frame-to-frame change stays even, no frozen or jumping
 * frames"), a number in [0, 1] that must reach 0.95. Our design, built on the mean absolute
 * frame difference (the L1 cousin of ITU-T P.910's temporal information).
 *
 * Input: the frames as displayed, in order, as small greyscale images. Animations loop, so the
 * step from the last frame back to the first (the seam) is a transition like any other.
 *
 *   d_i   = mean over pixels of |F_{i+1} − F_i| in luma levels (0..255), i = 0..n−1, F_n = F_0
 *   m     = median of all d_i
 *   r_i   = median of the four neighbours d_{i−2}, d_{i−1}, d_{i+1}, d_{i+2} (indices mod n)
 *   ρ_i   = (d_i + ε) / (r_i + ε), the change relative to its neighbourhood, with ε = 0.02
 *           levels keeping it finite when neighbours are frozen
 *
 * A transition is a glitch when it is
 *   frozen:   d_i < m / 4                 (a repeated frame; also a held frame, see below)
 *   a jump:   d_i > 3·m                   (a cut or a big skip, wherever it happens)
 *   uneven:   ρ_i > 1.8 or ρ_i < 1/1.8    (a skipped or doubled step among even neighbours)
 *
 *   evenness   = 1 − mean_i min(1, max(0, |ln ρ_i| − ln 1.1))
 *   smoothness = max(0, evenness − 0.06 × glitches)
 *
 * and 0 outright when m < ε (nothing moves) or there are fewer than 5 frames.
 *
 * Why local rather than global evenness: an eased motion (a sine swing) legitimately changes
 * speed over the loop, so the coefficient of variation of all d_i can be 0.3 or more for motion
 * that looks perfectly smooth. What the eye catches is a step that differs from the steps just
 * before and after it, and for a smooth motion d_i is within a few percent of its neighbours
 * (the neighbours' median matches a smooth curve to second order). The penalty per glitch is
 * fixed, not a share of the frame count: one stutter is seen on every loop however long the
 * loop is, so a single glitch fails the 0.95 bar. A frame held for two intervals is shown to
 * the viewer twice, and callers pass it twice, so it counts as frozen too.
 *
 * Why the 10% allowance in evenness: every frame of a lossy animation carries its own coding
 * noise, and on small frames (a fraction of a luma level of change per pixel) that makes
 * d_i wobble by several percent around a perfectly smooth curve; measured on the local
 * engine's output, it alone cost up to 0.09 of score for the gentle motion. Speed differences
 * that small between one step and the next are also hard to see, so little that shows is forgiven.
 */

/**
 * Below this median change, in luma levels, nothing is moving: the animation is static. Identical
 * frames decode identically (0 exactly), the slowest real motion measured was above 0.1.
 */
export const STATIC_CHANGE_LEVELS = 0.02
const MIN_FRAMES = 5
const FROZEN_SHARE_OF_MEDIAN = 0.25
const JUMP_MULTIPLE_OF_MEDIAN = 3
const UNEVEN_RATIO = 1.8
/** Neighbouring changes within this ratio of each other count as perfectly even. */
const EVEN_ENOUGH_RATIO = 1.1
const GLITCH_PENALTY = 0.06

/** d_i of the header: mean absolute difference of each frame to the next, the last to the first. */
export function frameChanges(frames: readonly Uint8Array[]): number[] {
  return frames.map((frame, i) => {
    const next = frames[(i + 1) % frames.length]!
    if (next.length !== frame.length) throw new Error('frames differ in size')
    let sum = 0
    for (let p = 0; p < frame.length; p++) sum += Math.abs(next[p]! - frame[p]!)
    return sum / frame.length
  })
}

export function smoothnessOf(changes: readonly number[]): number {
  const n = changes.length
  if (n < MIN_FRAMES) return 0
  const medianChange = median(changes)
  if (medianChange < STATIC_CHANGE_LEVELS) return 0
  let glitches = 0
  let unevenness = 0
  for (let i = 0; i < n; i++) {
    const change = changes[i]!
    const neighbours = [-2, -1, 1, 2].map((offset) => changes[(i + offset + n) % n]!)
    const ratio = (change + STATIC_CHANGE_LEVELS) / (median(neighbours) + STATIC_CHANGE_LEVELS)
    const frozen = change < FROZEN_SHARE_OF_MEDIAN * medianChange
    const jump = change > JUMP_MULTIPLE_OF_MEDIAN * medianChange
    const uneven = ratio > UNEVEN_RATIO || ratio < 1 / UNEVEN_RATIO
    if (frozen || jump || uneven) glitches++
    unevenness += Math.min(1, Math.max(0, Math.abs(Math.log(ratio)) - Math.log(EVEN_ENOUGH_RATIO)))
  }
  return Math.max(0, 1 - unevenness / n - GLITCH_PENALTY * glitches)
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
