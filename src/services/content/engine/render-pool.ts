/**
 * A small pool of worker threads that render frames, so the warp (seconds of CPU per meme)
 * never blocks the server's event loop and uses both cores. The pool lives as long as its
 * engine: starting a worker costs a few hundred milliseconds, too much to pay per meme.
 *
 * Workers run TypeScript. Node 20 cannot load a .ts worker file by itself, and tsx's loader in
 * the parent does not reach workers (tsx issue #354), so each worker starts from a two-line
 * bootstrap that registers tsx's loader in the worker and then imports render-worker.ts. tsx is
 * a runtime dependency (the server runs on it), and this works the same under vitest.
 */
import { Worker } from 'node:worker_threads'
import type { FramePlan } from './projection.ts'
import type { PaddedTexture } from './warp.ts'

export interface Scene {
  card: PaddedTexture
  background: PaddedTexture
  frameWidth: number
  frameHeight: number
}

export interface RenderRequest {
  scene: Scene
  plan: FramePlan
  frameIndex: number
}

export interface RenderReply {
  frameIndex: number
  /** One RGBA word per pixel, row by row. */
  pixels: Int32Array
}

interface Job {
  request: RenderRequest
  settled: boolean
  resolve(pixels: Int32Array): void
  reject(reason: unknown): void
}

const WORKER_URL = new URL('./render-worker.ts', import.meta.url).href
const TSX_API_URL = import.meta.resolve('tsx/esm/api')
const BOOTSTRAP = `import(${JSON.stringify(TSX_API_URL)}).then((tsx) => {
  tsx.register()
  return import(${JSON.stringify(WORKER_URL)})
})`

export class RenderPool {
  private readonly workers: Worker[]
  private readonly idle: Worker[] = []
  private readonly queue: Job[] = []
  private readonly running = new Map<Worker, Job>()
  private failure: Error | null = null

  constructor(workerCount: number) {
    if (!Number.isInteger(workerCount) || workerCount < 1)
      throw new Error('workerCount must be a positive integer')
    this.workers = Array.from({ length: workerCount }, () => this.spawn())
    this.idle.push(...this.workers)
  }

  /** True once a worker failed or the pool was closed: it renders nothing more. */
  get broken(): boolean {
    return this.failure !== null
  }

  /**
   * Resolves with the rendered frame. On abort the promise rejects at once; a frame already
   * rendering finishes in the background (tens of milliseconds) and is dropped.
   */
  render(request: RenderRequest, signal?: AbortSignal): Promise<Int32Array> {
    if (this.failure) return Promise.reject(this.failure)
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const queued = this.queue.indexOf(job)
        if (queued >= 0) this.queue.splice(queued, 1)
        settle(job, () => reject(signal!.reason))
      }
      const job: Job = {
        request,
        settled: false,
        resolve: (pixels) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(pixels)
        },
        reject: (reason) => {
          signal?.removeEventListener('abort', onAbort)
          reject(reason)
        },
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.queue.push(job)
      this.dispatch()
    })
  }

  /** Stops the workers; frames still queued or rendering are rejected. */
  async close(): Promise<void> {
    this.fail(new Error('render pool closed'))
    await Promise.all(this.workers.map((worker) => worker.terminate()))
  }

  private spawn(): Worker {
    const worker = new Worker(BOOTSTRAP, { eval: true })
    // An idle pool must not keep the process alive; a busy one must (see dispatch).
    worker.unref()
    worker.on('message', (reply: RenderReply) => {
      const job = this.running.get(worker)
      this.running.delete(worker)
      worker.unref()
      this.idle.push(worker)
      if (job) settle(job, () => job.resolve(reply.pixels))
      this.dispatch()
    })
    worker.on('error', (error) => this.fail(error))
    worker.on('exit', (code) => this.fail(new Error(`render worker exited with code ${code}`)))
    return worker
  }

  private dispatch(): void {
    while (!this.failure && this.queue.length > 0 && this.idle.length > 0) {
      const worker = this.idle.pop()!
      const job = this.queue.shift()!
      this.running.set(worker, job)
      worker.ref()
      worker.postMessage(job.request)
    }
  }

  /** The first failure wins and sticks; the remaining workers are stopped. */
  private fail(error: Error): void {
    if (this.failure) return
    this.failure = error
    for (const job of [...this.running.values(), ...this.queue.splice(0)])
      settle(job, () => job.reject(error))
    this.running.clear()
    for (const worker of this.workers) void worker.terminate()
  }
}

/** A job settles once: by its frame, its abort or the pool's failure, whichever comes first. */
function settle(job: Job, action: () => void): void {
  if (job.settled) return
  job.settled = true
  action()
}
