/**
 * The one full-size run (SPEC 4): a 1920x1080 source becomes a 1920x1080, 30 fps, 3 s loop of
 * 90 frames within the 60 s limit, and the quality check passes it. Kept in its own file because
 * it takes seconds, not milliseconds; bench/transform.ts measures the same run in detail.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { checkTransformResult, expectationsFor } from '../quality/quality-check.ts'
import { LocalEngine } from './local-engine.ts'
import { type ScratchDir, scratchDir, writeScene } from './test-images.ts'
import { DEFAULT_TRANSFORM_SETTINGS } from './transformer.ts'

const SPEC_LIMIT_MS = 60_000

let scratch: ScratchDir
const engine = new LocalEngine()

beforeAll(async () => {
  scratch = await scratchDir()
})
afterAll(async () => {
  await engine.close()
  await scratch.cleanup()
})

it(
  'turns a 1080p still into a 1080p, 30 fps, 3 s loop that passes the quality check in time',
  async () => {
    const source = await writeScene(scratch.dir, 1920, 1080)
    const result = await engine.transform({
      sourcePath: source,
      width: 1920,
      height: 1080,
      outputDir: `${scratch.dir}/out`,
    })
    expect(result).toMatchObject({ width: 1920, height: 1080, fps: 30, frameCount: 90, durationMs: 3000 })
    expect(result.processingMs).toBeLessThan(SPEC_LIMIT_MS)

    const report = await checkTransformResult(
      result,
      expectationsFor({ width: 1920, height: 1080 }, DEFAULT_TRANSFORM_SETTINGS),
    )
    expect(report.failures).toEqual([])
    expect(report.metrics).toMatchObject({ width: 1920, height: 1080, frameCount: 90, durationMs: 3000 })
    expect(report.metrics.fps).toBe(30)
    expect(report.metrics.smoothness).toBeGreaterThanOrEqual(0.95)
  },
  SPEC_LIMIT_MS + 30_000,
)
