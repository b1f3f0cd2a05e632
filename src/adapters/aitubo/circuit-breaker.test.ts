/**
 * Proves the circuit breaker's state machine: it opens after N consecutive failures (a success
 * in between resets the count), refuses while open, lets exactly one probe through after the
 * cool-down, closes on the probe's success and reopens for a full cool-down on its failure, and
 * frees the probe slot when the probe is cancelled.
 */
import { describe, expect, it } from 'vitest'
import { CircuitBreaker } from './circuit-breaker.ts'

function breakerWithClock(failureThreshold = 3, coolDownMs = 1_000) {
  let nowMs = 0
  const breaker = new CircuitBreaker({ failureThreshold, coolDownMs, nowMs: () => nowMs })
  return {
    breaker,
    advance(ms: number) {
      nowMs += ms
    },
  }
}

function fail(breaker: CircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) {
    expect(breaker.tryAcquire()).toBe(true)
    breaker.onFailure()
  }
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold, and a success resets the count', () => {
    const { breaker } = breakerWithClock(3)
    fail(breaker, 2)
    breaker.onSuccess()
    fail(breaker, 2)
    expect(breaker.state).toBe('closed')
    expect(breaker.tryAcquire()).toBe(true)
  })

  it('opens after N consecutive failures and refuses until the cool-down ends', () => {
    const { breaker, advance } = breakerWithClock(3, 1_000)
    fail(breaker, 3)
    expect(breaker.state).toBe('open')
    expect(breaker.tryAcquire()).toBe(false)
    advance(400)
    expect(breaker.retryInMs).toBe(600)
    expect(breaker.tryAcquire()).toBe(false)
    advance(600)
    expect(breaker.state).toBe('half-open')
  })

  it('lets exactly one probe through when half-open, and closes when it succeeds', () => {
    const { breaker, advance } = breakerWithClock(1, 1_000)
    fail(breaker, 1)
    advance(1_000)
    expect(breaker.tryAcquire()).toBe(true)
    expect(breaker.tryAcquire()).toBe(false)
    breaker.onSuccess()
    expect(breaker.state).toBe('closed')
    expect(breaker.tryAcquire()).toBe(true)
    expect(breaker.tryAcquire()).toBe(true)
  })

  it('reopens for a whole cool-down when the probe fails', () => {
    const { breaker, advance } = breakerWithClock(2, 1_000)
    fail(breaker, 2)
    advance(1_500)
    fail(breaker, 1)
    expect(breaker.state).toBe('open')
    advance(999)
    expect(breaker.tryAcquire()).toBe(false)
    advance(1)
    expect(breaker.tryAcquire()).toBe(true)
  })

  it('frees the probe slot when the probe is cancelled', () => {
    const { breaker, advance } = breakerWithClock(1, 1_000)
    fail(breaker, 1)
    advance(1_000)
    expect(breaker.tryAcquire()).toBe(true)
    breaker.onCancelled()
    expect(breaker.state).toBe('half-open')
    expect(breaker.tryAcquire()).toBe(true)
  })

  it('refuses nonsensical settings (a wiring bug)', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, coolDownMs: 1 })).toThrow()
    expect(() => new CircuitBreaker({ failureThreshold: 1, coolDownMs: Number.NaN })).toThrow()
  })
})
