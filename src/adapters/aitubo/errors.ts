/**
 * Every way an AITubo call can fail, as stable codes (STYLE: "Errors have stable codes in one
 * place"). `retryable` answers the question the content pipeline asks: may trying the whole job
 * again later succeed? The client's own retries (network errors, timeouts, 429, 5xx) have already
 * happened by the time an error reaches the caller.
 */

export const AITUBO_ERROR_RETRYABLE = Object.freeze({
  /** The API key was refused (HTTP 401/403 with an AITubo answer, or code 401/403). */
  AITUBO_UNAUTHORIZED: false,
  /** AITubo understood the request and said no (code != 0, HTTP 400/404/422...). */
  AITUBO_REJECTED: false,
  /** Network errors, 5xx, Cloudflare 403 pages: still failing after every attempt. */
  AITUBO_UNAVAILABLE: true,
  /** 429 after every attempt. */
  AITUBO_RATE_LIMITED: true,
  /** No answer within the per-request timeout, after every attempt. */
  AITUBO_TIMEOUT: true,
  /** An answer that is not the documented JSON (HTML, truncated, wrong types, bad URL). */
  AITUBO_BAD_RESPONSE: true,
  /** The job reached status 3 (failed). A new job may succeed. */
  AITUBO_JOB_FAILED: true,
  /** The job was not finished by the overall deadline. */
  AITUBO_JOB_TIMEOUT: true,
  /** The result is larger than the download cap. */
  AITUBO_RESULT_TOO_LARGE: false,
  /** Too many recent failures: the circuit breaker refuses calls until its cool-down ends. */
  AITUBO_CIRCUIT_OPEN: true,
})

export type AituboErrorCode = keyof typeof AITUBO_ERROR_RETRYABLE

export class AituboError extends Error {
  override name = 'AituboError'
  readonly retryable: boolean

  constructor(
    readonly code: AituboErrorCode,
    message: string,
  ) {
    super(message)
    this.retryable = AITUBO_ERROR_RETRYABLE[code]
  }
}
