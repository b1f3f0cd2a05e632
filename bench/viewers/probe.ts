/**
 * Loaded into a server under test with `--import` (after tsx), so that the server's own code is
 * untouched: once a second it sends the orchestrator, over the IPC channel the orchestrator gave
 * it, the event loop delay, the time spent in garbage collection and the memory figures. Asked
 * to (`{ probeCommand: 'profile', ms, file }`), it records a CPU profile of the next `ms`
 * milliseconds into `file` (.cpuprofile, for Chrome DevTools or bench/viewers/profile.ts);
 * asked for `{ probeCommand: 'gc' }`, it runs a full collection (with --expose-gc) and answers
 * with the memory figures after it, which are steadier than RSS at a random moment.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'

export interface ProbeSample {
  probe: true
  atMs: number
  /** How late the event loop ran a timer, ms. */
  loopDelayMs: { p50: number; p99: number; max: number; mean: number }
  gcMs: number
  gcCount: number
  /** The longest single collection in the interval. */
  gcMaxMs: number
  heapUsedMb: number
  rssMb: number
  externalMb: number
}

/** The delay histogram records whole timer intervals: the resolution is taken off each figure. */
const RESOLUTION_MS = 10

if (typeof process.send === 'function') {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  delay.enable()
  let gcMs = 0
  let gcCount = 0
  let gcMaxMs = 0
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration
      gcCount += 1
      gcMaxMs = Math.max(gcMaxMs, entry.duration)
    }
  }).observe({ entryTypes: ['gc'] })
  const timer = setInterval(() => {
    const memory = process.memoryUsage()
    const sample: ProbeSample = {
      probe: true,
      atMs: Date.now(),
      loopDelayMs: {
        p50: excess(delay.percentile(50)),
        p99: excess(delay.percentile(99)),
        max: excess(delay.max),
        mean: excess(delay.mean),
      },
      gcMs,
      gcCount,
      gcMaxMs,
      heapUsedMb: memory.heapUsed / 2 ** 20,
      rssMb: memory.rss / 2 ** 20,
      externalMb: (memory.external + memory.arrayBuffers) / 2 ** 20,
    }
    delay.reset()
    gcMs = 0
    gcCount = 0
    gcMaxMs = 0
    if (process.connected) process.send?.(sample)
  }, 1_000)
  timer.unref()
  process.on('message', (message: { probeCommand?: string; ms?: number; file?: string }) => {
    if (message.probeCommand === 'profile' && message.file) profile(message.ms ?? 10_000, message.file)
    if (message.probeCommand === 'gc') collect()
  })
  // The channel must not keep a server alive that is otherwise done.
  process.channel?.unref()
}

/** A full collection when the process runs with --expose-gc, then the memory figures. */
function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const memory = process.memoryUsage()
  if (process.connected)
    process.send?.({
      probeGc: {
        collected: gc !== undefined,
        rssMb: memory.rss / 2 ** 20,
        heapUsedMb: memory.heapUsed / 2 ** 20,
        externalMb: (memory.external + memory.arrayBuffers) / 2 ** 20,
      },
    })
}

function excess(ns: number): number {
  return Math.max(0, ns / 1e6 - RESOLUTION_MS)
}

function profile(ms: number, file: string): void {
  const session = new Session()
  session.connect()
  const done = (error: Error | null) => {
    session.disconnect()
    if (process.connected) process.send?.({ probeProfile: error ? { error: error.message } : { file } })
  }
  session.post('Profiler.enable', () => {
    session.post('Profiler.setSamplingInterval', { interval: 500 }, () => {
      session.post('Profiler.start', (startError) => {
        if (startError) return done(startError)
        setTimeout(() => {
          session.post('Profiler.stop', (stopError, result) => {
            if (stopError) return done(stopError)
            writeFileSync(file, JSON.stringify(result.profile))
            done(null)
          })
        }, ms).unref()
      })
    })
  })
}
