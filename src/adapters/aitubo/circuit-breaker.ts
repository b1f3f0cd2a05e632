/**
 * A circuit breaker for one remote service. While the service keeps failing, retrying every job
 * against it only adds load to an outage and makes every job wait for its timeouts; the breaker
 * fails fast instead, then lets a single request through now and then to see if it recovered.
 *
 *   closed    requests go out; `failureThreshold` failures in a row open the circuit
 *   open      no request goes out until `coolDownMs` have passed since it opened
 *   half-open one probe request goes out (others are refused): success closes the circuit,
 *             failure opens it again for another cool-down
 *
 * The caller says what a failure is: only outcomes that tell about the service's health (network
 * errors, timeouts, 5xx, 429) should count, not answers such as "your key is wrong".
 */

export type CircuitState = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number
  /** How long the circuit stays open before one probe is let through. */
  coolDownMs: number
  /** Milliseconds clock; tests may drive it. */
  nowMs?: () => number
}

export class CircuitBreaker {
  private readonly failureThreshold: number
  private readonly coolDownMs: number
  private readonly nowMs: () => number
  private consecutiveFailures = 0
  private openedAtMs: number | undefined
  private probeInFlight = false

  constructor(options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new Error(`invalid failureThreshold ${options.failureThreshold}`)
    }
    if (!(options.coolDownMs >= 0)) throw new Error(`invalid coolDownMs ${options.coolDownMs}`)
    this.failureThreshold = options.failureThreshold
    this.coolDownMs = options.coolDownMs
    this.nowMs = options.nowMs ?? (() => performance.now())
  }

  get state(): CircuitState {
    if (this.openedAtMs === undefined) return 'closed'
    return this.nowMs() - this.openedAtMs >= this.coolDownMs ? 'half-open' : 'open'
  }

  /** Milliseconds until an open circuit lets a probe through; 0 when not open. */
  get retryInMs(): number {
    if (this.openedAtMs === undefined) return 0
    return Math.max(0, this.openedAtMs + this.coolDownMs - this.nowMs())
  }

  /**
   * Whether a request may go out now. In half-open, the first caller gets the probe and must
   * report its outcome (success, failure or cancelled) before anyone else may send.
   */
  tryAcquire(): boolean {
    const state = this.state
    if (state === 'closed') return true
    if (state === 'open' || this.probeInFlight) return false
    this.probeInFlight = true
    return true
  }

  onSuccess(): void {
    this.consecutiveFailures = 0
    this.openedAtMs = undefined
    this.probeInFlight = false
  }

  onFailure(): void {
    this.consecutiveFailures += 1
    const probeFailed = this.probeInFlight
    this.probeInFlight = false
    if (probeFailed || this.consecutiveFailures >= this.failureThreshold) this.openedAtMs = this.nowMs()
  }

  /** A granted request ended without saying anything about the service (the caller gave up). */
  onCancelled(): void {
    this.probeInFlight = false
  }
}
