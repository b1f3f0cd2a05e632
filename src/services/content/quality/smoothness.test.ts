/**
 * Proves the smoothness score on change series with known shape: even or smoothly eased motion
 * (speed varying 2:1 over the loop, plus a few percent of coding noise) scores at least 0.95;
 * one frozen, doubled or jumping step among 90 drops it below 0.95; nothing moving, or too few
 * frames to judge, scores 0.
 */
import { describe, expect, it } from 'vitest'
import { frameChanges, STATIC_CHANGE_LEVELS, smoothnessOf } from './smoothness.ts'

const FRAME_COUNT = 90
const THRESHOLD = 0.95

/** Speed easing between 0.2 and 0.4 levels per frame over the loop, like a sine-eased orbit. */
const eased = Array.from(
  { length: FRAME_COUNT },
  (_, i) => 0.3 + 0.1 * Math.sin((2 * Math.PI * i) / FRAME_COUNT),
)

/** Deterministic ±amplitude wobble standing in for per-frame coding noise. */
function noisy(changes: number[], amplitude: number): number[] {
  return changes.map((d, i) => d * (1 + amplitude * Math.sin(i * 2.399963)))
}

function withChange(changes: number[], index: number, value: number): number[] {
  return changes.map((d, i) => (i === index ? value : d))
}

describe('smoothnessOf', () => {
  it('scores even and smoothly eased motion at least 0.95, coding noise included', () => {
    expect(smoothnessOf(new Array(FRAME_COUNT).fill(0.3))).toBe(1)
    expect(smoothnessOf(eased)).toBeGreaterThan(0.99)
    expect(smoothnessOf(noisy(eased, 0.05))).toBeGreaterThanOrEqual(THRESHOLD)
  })

  it('fails a single frozen step, a single doubled step (a dropped frame) and a single jump', () => {
    expect(smoothnessOf(withChange(eased, 40, 0))).toBeLessThan(THRESHOLD)
    expect(smoothnessOf(withChange(eased, 40, 2 * eased[40]!))).toBeLessThan(THRESHOLD)
    expect(smoothnessOf(withChange(eased, 40, 12))).toBeLessThan(THRESHOLD)
  })

  it('fails a duplicated frame, seen as a frozen step followed by a double one', () => {
    const duplicated = withChange(withChange(eased, 40, 0), 41, eased[40]! + eased[41]!)
    expect(smoothnessOf(duplicated)).toBeLessThan(0.9)
  })

  it('fails jittery motion that never stops but never keeps its speed either', () => {
    expect(smoothnessOf(noisy(eased, 0.4))).toBeLessThan(THRESHOLD)
  })

  it('scores 0 when nothing moves or there are too few frames to judge', () => {
    expect(smoothnessOf(new Array(FRAME_COUNT).fill(0))).toBe(0)
    expect(smoothnessOf(new Array(FRAME_COUNT).fill(STATIC_CHANGE_LEVELS / 2))).toBe(0)
    expect(smoothnessOf([0.3, 0.3, 0.3, 0.3])).toBe(0)
    expect(smoothnessOf([])).toBe(0)
  })
})

describe('frameChanges', () => {
  it('gives the mean absolute difference to the next frame, the last wrapping to the first', () => {
    const frames = [
      new Uint8Array([0, 10, 20, 30]),
      new Uint8Array([4, 10, 20, 30]),
      new Uint8Array([4, 2, 20, 30]),
    ]
    expect(frameChanges(frames)).toEqual([1, 2, 3])
  })

  it('refuses frames of different sizes', () => {
    expect(() => frameChanges([new Uint8Array(4), new Uint8Array(5)])).toThrow(/size/)
  })
})
