/**
 * Proves the shared contract's arithmetic: output sizes keep the source aspect with a 1080 short
 * side and even sides, frame delays in whole milliseconds add up to exact seconds, and settings
 * out of range are refused as the bugs they are.
 */
import { describe, expect, it } from 'vitest'
import {
  assertTransformSettings,
  DEFAULT_TRANSFORM_SETTINGS,
  FALLBACK_TRANSFORM_SETTINGS,
  frameCountOf,
  frameDelaysMs,
  loopDurationMs,
  outputSize,
} from './transformer.ts'

describe('outputSize', () => {
  it('gives 1080p in every supported aspect and orientation', () => {
    expect(outputSize(3840, 2160, 1080)).toEqual({ width: 1920, height: 1080 })
    expect(outputSize(2160, 3840, 1080)).toEqual({ width: 1080, height: 1920 })
    expect(outputSize(1600, 1200, 1080)).toEqual({ width: 1440, height: 1080 })
    expect(outputSize(1200, 1600, 1080)).toEqual({ width: 1080, height: 1440 })
    expect(outputSize(2000, 2000, 1080)).toEqual({ width: 1080, height: 1080 })
  })

  it('rounds the long side to an even number, as H.264 with 4:2:0 chroma needs', () => {
    expect(outputSize(1091, 1080, 1080)).toEqual({ width: 1092, height: 1080 })
    expect(outputSize(1920, 1080, 120).width % 2).toBe(0)
  })
})

describe('frameDelaysMs', () => {
  it('lasts exactly one second per 30 frames at 30 fps, each frame 33 or 34 ms', () => {
    const delays = frameDelaysMs(30, 90)
    expect(delays).toHaveLength(90)
    expect(new Set(delays)).toEqual(new Set([33, 34]))
    for (let second = 0; second < 3; second++) {
      expect(delays.slice(second * 30, (second + 1) * 30).reduce((a, b) => a + b, 0)).toBe(1000)
    }
  })

  it('adds up to the loop duration', () => {
    for (const [fps, frameCount] of [
      [30, 90],
      [24, 77],
      [60, 7],
    ] as const) {
      expect(frameDelaysMs(fps, frameCount).reduce((a, b) => a + b, 0)).toBe(loopDurationMs(fps, frameCount))
    }
  })

  it('never drifts more than half a millisecond from true time', () => {
    let elapsedMs = 0
    frameDelaysMs(24, 240).forEach((delayMs, k) => {
      elapsedMs += delayMs
      expect(Math.abs(elapsedMs - ((k + 1) * 1000) / 24)).toBeLessThanOrEqual(0.5)
    })
  })
})

describe('settings', () => {
  it('defaults to 3 s at 30 fps in 1080p, and the fallback swings gentler', () => {
    expect(frameCountOf(DEFAULT_TRANSFORM_SETTINGS)).toBe(90)
    expect(DEFAULT_TRANSFORM_SETTINGS.outputShortSidePx).toBe(1080)
    expect(FALLBACK_TRANSFORM_SETTINGS.motion).toBe('gentle')
    expect(() => assertTransformSettings(DEFAULT_TRANSFORM_SETTINGS)).not.toThrow()
    expect(() => assertTransformSettings(FALLBACK_TRANSFORM_SETTINGS)).not.toThrow()
  })

  it('names every setting that is out of range', () => {
    const bad = {
      ...DEFAULT_TRANSFORM_SETTINGS,
      fps: 0,
      outputShortSidePx: 1081,
      quality: 101,
      encodeEffort: 7,
    }
    expect(() => assertTransformSettings(bad)).toThrow(/fps.*outputShortSidePx.*quality.*encodeEffort/)
  })
})
