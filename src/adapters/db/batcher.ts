/**
 * Turns many single requests into a few batched ones. A request arriving while fewer than
 * `concurrency` batches are running goes at once, alone; requests arriving while they run wait
 * and leave together in the next batch (up to `maxBatch`). So an idle service answers without
 * delay, and a crowd costs one query per batch instead of one per request: what matters when
 * the event loop is busy, since a pooled connection completes about one query per loop turn.
 *
 *     const lookups = new Batcher((hashes: string[]) => repository.findMany(hashes), { maxBatch: 500 })
 *     const session = await lookups.load(hash)
 *
 * `run` answers one value per key, in key order; if it throws, every request of the batch is
 * rejected with that error.
 */
export interface BatcherOptions {
  /** Keys per batch, at most. */
  maxBatch: number
  /** Batches running at once (1). */
  concurrency?: number
}

interface Waiting<K, V> {
  key: K
  resolve: (value: V) => void
  reject: (error: unknown) => void
}

export class Batcher<K, V> {
  private readonly queue: Array<Waiting<K, V>> = []
  private running = 0
  private readonly concurrency: number

  constructor(
    private readonly run: (keys: K[]) => Promise<readonly V[]>,
    private readonly options: BatcherOptions,
  ) {
    this.concurrency = options.concurrency ?? 1
  }

  /** Requests waiting for a batch (not those in one that is running). */
  get waiting(): number {
    return this.queue.length
  }

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.queue.push({ key, resolve, reject })
      this.drain()
    })
  }

  private drain(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch)
      this.running++
      void this.runBatch(batch).finally(() => {
        this.running--
        this.drain()
      })
    }
  }

  private async runBatch(batch: ReadonlyArray<Waiting<K, V>>): Promise<void> {
    let values: readonly V[]
    try {
      values = await this.run(batch.map((w) => w.key))
      if (values.length !== batch.length) {
        throw new Error(`a batch of ${batch.length} was answered with ${values.length} values`)
      }
    } catch (error) {
      for (const w of batch) w.reject(error)
      return
    }
    for (const [index, w] of batch.entries()) w.resolve(values[index]!)
  }
}
