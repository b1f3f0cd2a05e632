/**
 * The batcher sends a lone request at once, gathers the requests that arrive while batches run
 * into the next batch (never more than maxBatch, never more batches at once than allowed),
 * answers each request with its own value, and rejects a whole batch when its run fails without
 * touching the other batches.
 */
import { describe, expect, it } from 'vitest'
import { Batcher } from './batcher.ts'

/** A run whose batches finish only when the test says so. */
function controlledRun() {
  const batches: Array<{ keys: number[]; finish: (error?: Error) => void }> = []
  let running = 0
  let mostRunning = 0
  const run = (keys: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      running++
      mostRunning = Math.max(mostRunning, running)
      batches.push({
        keys,
        finish: (error) => {
          running--
          if (error) reject(error)
          else resolve(keys.map((k) => `value ${k}`))
        },
      })
    })
  return { run, batches, mostRunning: () => mostRunning }
}

describe('Batcher', () => {
  it('sends a lone request at once and gathers those arriving meanwhile into the next batch', async () => {
    const { run, batches } = controlledRun()
    const batcher = new Batcher(run, { maxBatch: 100 })
    const first = batcher.load(1)
    expect(batches.map((b) => b.keys)).toEqual([[1]])
    const rest = [2, 3, 4].map((k) => batcher.load(k))
    expect(batcher.waiting).toBe(3)
    batches[0]!.finish()
    expect(await first).toBe('value 1')
    await Promise.resolve()
    expect(batches.map((b) => b.keys)).toEqual([[1], [2, 3, 4]])
    batches[1]!.finish()
    expect(await Promise.all(rest)).toEqual(['value 2', 'value 3', 'value 4'])
    expect(batcher.waiting).toBe(0)
  })

  it('never puts more than maxBatch in a batch nor runs more batches than allowed', async () => {
    const { run, batches, mostRunning } = controlledRun()
    const batcher = new Batcher(run, { maxBatch: 3, concurrency: 2 })
    const all = Array.from({ length: 11 }, (_, k) => batcher.load(k))
    expect(batches.map((b) => b.keys)).toEqual([[0], [1]])
    for (let i = 0; i < batches.length; i++) {
      batches[i]!.finish()
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(await Promise.all(all)).toEqual(Array.from({ length: 11 }, (_, k) => `value ${k}`))
    expect(batches.map((b) => b.keys)).toEqual([[0], [1], [2, 3, 4], [5, 6, 7], [8, 9, 10]])
    expect(mostRunning()).toBe(2)
  })

  it('rejects every request of a failed batch with its error, and only those', async () => {
    const { run, batches } = controlledRun()
    const batcher = new Batcher(run, { maxBatch: 10 })
    const first = batcher.load(1)
    const second = [batcher.load(2), batcher.load(3)]
    batches[0]!.finish(new Error('the database went away'))
    await expect(first).rejects.toThrow('the database went away')
    await new Promise((resolve) => setImmediate(resolve))
    batches[1]!.finish()
    expect(await Promise.all(second)).toEqual(['value 2', 'value 3'])
  })

  it('rejects a batch answered with the wrong number of values instead of misattributing them', async () => {
    const batcher = new Batcher(async (keys: number[]) => keys.slice(1), { maxBatch: 10 })
    await expect(batcher.load(1)).rejects.toThrow('a batch of 1 was answered with 0 values')
  })
})
