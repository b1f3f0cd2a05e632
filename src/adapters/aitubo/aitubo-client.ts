/**
 * HTTP client for AITubo's image-to-video jobs (reference/content.md section 1):
 *   POST {base}/api/job/create-video   { image: <URL of the source image>, prompt? } -> { code, data: { id } }
 *   GET  {base}/api/job/get-video?id=  -> { code, data: { status, result: { data: { domain, video, image } } } }
 * and the download of the finished files.
 *
 * Every request has its own timeout. Transient failures (network errors, timeouts, 429 with its
 * Retry-After, 5xx, and 403 pages from the CDN in front of the API) are retried with exponential
 * backoff and jitter; answers that will not change (401, 400, code != 0) are not. A circuit
 * breaker shared by all calls of a client counts transient failures in a row and, once open,
 * fails calls at once with AITUBO_CIRCUIT_OPEN instead of sending them. Every answer is checked
 * against its schema before a field is read.
 *
 * The API key goes only into the Authorization header of API requests. Downloads carry no key:
 * their URLs come out of AITubo's answers and may point anywhere. The key is removed from every
 * error message, because a server may echo what it was sent.
 */
import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AppLogger } from '../../logger.ts'
import { CircuitBreaker } from './circuit-breaker.ts'
import { AituboError, type AituboErrorCode } from './errors.ts'
import { type AituboEnvelope, checks, VIDEO_JOB_STATUS } from './schema.ts'

export const DEFAULT_AITUBO_BASE_URL = 'https://api.aitubo.ai'
export const DEFAULT_AITUBO_TIMEOUT_MS = 15_000
/** A result video of some megabytes over a slow CDN path needs far longer than an API call. */
export const DEFAULT_AITUBO_DOWNLOAD_TIMEOUT_MS = 120_000
export const DEFAULT_AITUBO_MAX_ATTEMPTS = 4
export const DEFAULT_AITUBO_BACKOFF_BASE_MS = 500
export const DEFAULT_AITUBO_BACKOFF_MAX_MS = 8_000
/** A longer Retry-After is cut short: the job queue's own backoff is the better place to wait. */
export const DEFAULT_AITUBO_MAX_RETRY_AFTER_MS = 30_000
export const DEFAULT_AITUBO_BREAKER_FAILURES = 5
export const DEFAULT_AITUBO_BREAKER_COOL_DOWN_MS = 30_000
/** A JSON answer is a few hundred bytes; anything near this is not an answer. */
const MAX_JSON_BYTES = 1024 * 1024
const MS_PER_SECOND = 1000
const REDACTED = '[redacted]'
/** How much of an unexpected body is quoted in an error message. */
const MAX_QUOTED_CHARS = 120

export interface AituboClientOptions {
  /** Defaults to DEFAULT_AITUBO_BASE_URL. */
  baseUrl?: string
  apiKey: string
  timeoutMs?: number
  downloadTimeoutMs?: number
  /** Attempts per request, the first included. */
  maxAttempts?: number
  backoffBaseMs?: number
  backoffMaxMs?: number
  maxRetryAfterMs?: number
  /** Defaults to a breaker of DEFAULT_AITUBO_BREAKER_FAILURES / DEFAULT_AITUBO_BREAKER_COOL_DOWN_MS. */
  breaker?: CircuitBreaker
  logger?: AppLogger
}

export interface VideoJobRequest {
  /** Where AITubo fetches the source image: it takes a URL, not an upload. */
  imageUrl: string
  /** Optional motion hint. Which other fields the video route takes is unconfirmed. */
  prompt?: string
}

export type VideoJobState =
  /** Status 0 or 1: queued or running (AITubo's docs do not settle which is which). */
  | { state: 'pending'; status: number }
  | { state: 'completed'; videoUrl: string; coverUrl: string | undefined }
  | { state: 'failed'; reason: string }

export interface DownloadOptions {
  maxBytes: number
  signal?: AbortSignal
}

/** A failure worth another attempt, and how long the server asked us to wait. */
interface Transient {
  transient: true
  code: Extract<AituboErrorCode, 'AITUBO_UNAVAILABLE' | 'AITUBO_RATE_LIMITED' | 'AITUBO_TIMEOUT'>
  message: string
  retryAfterMs?: number
}

interface Answer {
  status: number
  text: string
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * MS_PER_SECOND
  const dateMs = Date.parse(value)
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs)
}

/**
 * The absolute URL of a result file: `path` on `domain`, with exactly one slash between them
 * (AITubo's domains have been seen with and without a trailing slash). A path that is already an
 * absolute URL is taken as it is. Only http(s) URLs are accepted.
 */
export function resultUrl(domain: string, path: string): string | undefined {
  if (/^https?:\/\//i.test(path)) return absoluteHttpUrl(path)
  return absoluteHttpUrl(`${domain.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`)
}

function absoluteHttpUrl(text: string): string | undefined {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined
  } catch {
    return undefined
  }
}

function quote(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > MAX_QUOTED_CHARS ? `${oneLine.slice(0, MAX_QUOTED_CHARS)}...` : oneLine
}

export class AituboClient {
  readonly breaker: CircuitBreaker
  private readonly baseUrl: string
  private readonly apiKey: string
  private readonly timeoutMs: number
  private readonly downloadTimeoutMs: number
  private readonly maxAttempts: number
  private readonly backoffBaseMs: number
  private readonly backoffMaxMs: number
  private readonly maxRetryAfterMs: number
  private readonly log: AppLogger | undefined

  constructor(options: AituboClientOptions) {
    if (options.apiKey.trim() === '') throw new Error('AITubo needs an API key')
    this.baseUrl = (options.baseUrl ?? DEFAULT_AITUBO_BASE_URL).replace(/\/+$/, '')
    this.apiKey = options.apiKey
    this.timeoutMs = options.timeoutMs ?? DEFAULT_AITUBO_TIMEOUT_MS
    this.downloadTimeoutMs = options.downloadTimeoutMs ?? DEFAULT_AITUBO_DOWNLOAD_TIMEOUT_MS
    this.maxAttempts = options.maxAttempts ?? DEFAULT_AITUBO_MAX_ATTEMPTS
    this.backoffBaseMs = options.backoffBaseMs ?? DEFAULT_AITUBO_BACKOFF_BASE_MS
    this.backoffMaxMs = options.backoffMaxMs ?? DEFAULT_AITUBO_BACKOFF_MAX_MS
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_AITUBO_MAX_RETRY_AFTER_MS
    this.breaker =
      options.breaker ??
      new CircuitBreaker({
        failureThreshold: DEFAULT_AITUBO_BREAKER_FAILURES,
        coolDownMs: DEFAULT_AITUBO_BREAKER_COOL_DOWN_MS,
      })
    this.log = options.logger
  }

  /** Starts an image-to-video job; returns its id. */
  async createVideoJob(request: VideoJobRequest, signal?: AbortSignal): Promise<string> {
    const body = {
      image: request.imageUrl,
      ...(request.prompt === undefined ? {} : { prompt: request.prompt }),
    }
    const data = await this.callApi('POST', '/api/job/create-video', body, signal)
    if (!checks.createJob.Check(data)) {
      throw this.badResponse('create-video', 'data.id is missing or not a string')
    }
    return data.id
  }

  async getVideoJob(jobId: string, signal?: AbortSignal): Promise<VideoJobState> {
    const path = `/api/job/get-video?id=${encodeURIComponent(jobId)}`
    const data = await this.callApi('GET', path, undefined, signal)
    if (!checks.videoJob.Check(data)) {
      throw this.badResponse('get-video', 'data.status is missing or not an integer')
    }
    if (data.status === VIDEO_JOB_STATUS.failed) {
      return { state: 'failed', reason: this.failureReason(data.result) }
    }
    if (data.status !== VIDEO_JOB_STATUS.completed) return { state: 'pending', status: data.status }
    if (!checks.videoResult.Check(data.result)) {
      throw this.badResponse('get-video', 'a completed job has no result.data { domain, video }')
    }
    const { domain, video, image } = data.result.data
    const videoUrl = resultUrl(domain, video)
    if (videoUrl === undefined) {
      throw this.badResponse('get-video', `unusable video URL "${quote(domain + video)}"`)
    }
    const coverUrl = image === undefined || image === '' ? undefined : resultUrl(domain, image)
    return { state: 'completed', videoUrl, coverUrl }
  }

  /**
   * Streams `url` into `destinationPath` (through a temporary file, renamed when complete) and
   * returns the byte count. More than `maxBytes` is AITUBO_RESULT_TOO_LARGE, refused from the
   * Content-Length when the server sends one, else as soon as the stream passes the cap.
   */
  async download(url: string, destinationPath: string, options: DownloadOptions): Promise<number> {
    const checked = absoluteHttpUrl(url)
    if (checked === undefined) throw this.badResponse('download', `not an http(s) URL: "${quote(url)}"`)
    const temporaryPath = `${destinationPath}.${randomUUID()}.part`
    const label = `download ${new URL(checked).pathname}`
    try {
      const byteCount = await this.withRetries(label, this.downloadTimeoutMs, options.signal, (signal) =>
        this.downloadOnce(checked, temporaryPath, options.maxBytes, signal),
      )
      await rename(temporaryPath, destinationPath)
      return byteCount
    } finally {
      await rm(temporaryPath, { force: true })
    }
  }

  // ---- requests ----

  /** One API call with retries; returns `data` of a successful (code 0) answer. */
  private async callApi(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal) {
    const route = path.split('?')[0]!
    const answer = await this.withRetries(route, this.timeoutMs, signal, (attemptSignal) =>
      this.sendOnce(method, path, body, attemptSignal),
    )
    return this.interpret(route, answer)
  }

  private async sendOnce(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<Answer | Transient> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    })
    const transient = classifyStatus(response)
    if (transient !== undefined) {
      await response.body?.cancel()
      return transient
    }
    return { status: response.status, text: await readText(response, MAX_JSON_BYTES) }
  }

  private async downloadOnce(
    url: string,
    temporaryPath: string,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<number | Transient> {
    const response = await fetch(url, { signal })
    const transient = classifyStatus(response)
    const declaredBytes = Number(response.headers.get('content-length') ?? Number.NaN)
    if (transient !== undefined || !response.ok || response.body === null || declaredBytes > maxBytes) {
      await response.body?.cancel()
      if (transient !== undefined) return transient
      if (declaredBytes > maxBytes) throw this.tooLarge(url, maxBytes)
      throw this.badResponse('download', `${new URL(url).pathname} answered ${response.status}`)
    }
    let byteCount = 0
    const cap = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        byteCount += chunk.length
        callback(byteCount > maxBytes ? this.tooLarge(url, maxBytes) : null, chunk)
      },
    })
    await pipeline(
      Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
      cap,
      createWriteStream(temporaryPath),
    )
    return byteCount
  }

  /**
   * Runs `attempt` until it gives a value, with backoff between attempts and the circuit breaker
   * around each. An AituboError thrown by `attempt` is an answer that will not change: it ends
   * the loop (and tells the breaker the service is up). The caller's abort ends it too, with
   * the caller's reason.
   */
  private async withRetries<T>(
    label: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    attempt: (signal: AbortSignal) => Promise<T | Transient>,
  ): Promise<T> {
    for (let attemptNumber = 1; ; attemptNumber++) {
      signal?.throwIfAborted()
      if (!this.breaker.tryAcquire()) {
        throw new AituboError(
          'AITUBO_CIRCUIT_OPEN',
          `AITubo ${label}: not sent, too many recent failures (retry in ${Math.ceil(this.breaker.retryInMs)} ms)`,
        )
      }
      const outcome = await this.guarded(timeoutMs, signal, attempt)
      if (!isTransient(outcome)) return outcome
      if (attemptNumber >= this.maxAttempts || this.breaker.state !== 'closed') {
        throw new AituboError(
          outcome.code,
          this.redact(`AITubo ${label}: ${outcome.message} (${attemptNumber} attempts)`),
        )
      }
      const delayMs = Math.min(
        Math.max(outcome.retryAfterMs ?? 0, this.backoffMs(attemptNumber)),
        this.maxRetryAfterMs,
      )
      this.log?.warn(
        { route: label, attempt: attemptNumber, code: outcome.code, delayMs: Math.round(delayMs) },
        'AITubo request failed; retrying',
      )
      // An abort during the wait ends the call with the caller's own reason, as everywhere else.
      await sleep(delayMs, undefined, { signal }).catch((error: unknown) => {
        signal?.throwIfAborted()
        throw error
      })
    }
  }

  /** One attempt with its timeout, its outcome reported to the breaker. */
  private async guarded<T>(
    timeoutMs: number,
    signal: AbortSignal | undefined,
    attempt: (signal: AbortSignal) => Promise<T | Transient>,
  ): Promise<T | Transient> {
    const timeout = AbortSignal.timeout(timeoutMs)
    try {
      const outcome = await attempt(signal === undefined ? timeout : AbortSignal.any([signal, timeout]))
      if (isTransient(outcome)) this.breaker.onFailure()
      else this.breaker.onSuccess()
      return outcome
    } catch (error) {
      if (error instanceof AituboError) {
        this.breaker.onSuccess()
        throw error
      }
      if (signal?.aborted) {
        this.breaker.onCancelled()
        throw signal.reason
      }
      this.breaker.onFailure()
      if (timeout.aborted) {
        return { transient: true, code: 'AITUBO_TIMEOUT', message: `no answer within ${timeoutMs} ms` }
      }
      return {
        transient: true,
        code: 'AITUBO_UNAVAILABLE',
        message: `network error: ${describeError(error)}`,
      }
    }
  }

  // ---- answers ----

  /** Turns a final answer into its `data`, or the AituboError it means. */
  private interpret(route: string, answer: Answer): unknown {
    const envelope = parseEnvelope(answer.text)
    const serverText = envelope === undefined ? quote(answer.text) : (envelope.message ?? envelope.info ?? '')
    if (answer.status === 401 || answer.status === 403 || envelope?.code === 401 || envelope?.code === 403) {
      throw new AituboError(
        'AITUBO_UNAUTHORIZED',
        this.redact(`AITubo ${route} refused the API key: ${serverText}`),
      )
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw new AituboError(
        'AITUBO_REJECTED',
        this.redact(`AITubo ${route} answered ${answer.status}: ${serverText}`),
      )
    }
    if (envelope === undefined) {
      throw this.badResponse(route, `not the expected JSON: "${quote(answer.text)}"`)
    }
    if (envelope.code !== 0) {
      throw new AituboError(
        'AITUBO_REJECTED',
        this.redact(`AITubo ${route} refused (code ${envelope.code}): ${serverText}`),
      )
    }
    return envelope.data
  }

  private failureReason(result: unknown): string {
    const fields = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {}
    const text = [fields.info, fields.message].find((value) => typeof value === 'string' && value !== '')
    return this.redact(
      typeof text === 'string' ? quote(text) : 'AITubo reported the job as failed (status 3)',
    )
  }

  private badResponse(route: string, detail: string): AituboError {
    return new AituboError('AITUBO_BAD_RESPONSE', this.redact(`AITubo ${route}: ${detail}`))
  }

  private tooLarge(url: string, maxBytes: number): AituboError {
    return new AituboError(
      'AITUBO_RESULT_TOO_LARGE',
      this.redact(`AITubo result ${new URL(url).pathname} is larger than ${maxBytes} bytes`),
    )
  }

  private redact(text: string): string {
    return text.split(this.apiKey).join(REDACTED)
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
  private backoffMs(attemptNumber: number): number {
    const capMs = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attemptNumber - 1))
    return capMs / 2 + (Math.random() * capMs) / 2
  }
}

function isTransient(outcome: unknown): outcome is Transient {
  return typeof outcome === 'object' && outcome !== null && (outcome as Partial<Transient>).transient === true
}

/**
 * Statuses worth another attempt: 429, 5xx, and a 403 that is not AITubo's JSON (Cloudflare in
 * front of api.aitubo.ai answers bots and bursts with an HTML 403 page).
 */
function classifyStatus(response: Response): Transient | undefined {
  const { status } = response
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'))
    return { transient: true, code: 'AITUBO_RATE_LIMITED', message: 'rate limited (429)', retryAfterMs }
  }
  if (status >= 500) return { transient: true, code: 'AITUBO_UNAVAILABLE', message: `server error ${status}` }
  const isJson = (response.headers.get('content-type') ?? '').includes('json')
  if (status === 403 && !isJson) {
    return { transient: true, code: 'AITUBO_UNAVAILABLE', message: '403 from the CDN' }
  }
  return undefined
}

function parseEnvelope(text: string): AituboEnvelope | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return checks.envelope.Check(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** The body as text; an answer longer than `maxBytes` is not an AITubo answer. */
async function readText(response: Response, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = []
  let byteCount = 0
  const reader = response.body?.getReader()
  for (;;) {
    const chunk = await reader?.read()
    if (chunk === undefined || chunk.done) break
    byteCount += chunk.value.length
    if (byteCount > maxBytes) {
      await reader?.cancel()
      throw new AituboError('AITUBO_BAD_RESPONSE', `AITubo answered more than ${maxBytes} bytes`)
    }
    chunks.push(chunk.value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as Error & { cause?: unknown }).cause
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
}
