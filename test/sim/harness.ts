/**
 * A deterministic simulation harness. A seed fixes everything random: which viewers arrive,
 * how long they watch, when a process "crashes" between two writes of a ledger transaction
 * and when an answer is lost after commit. Time is a virtual clock the simulation advances.
 * Later capabilities (rounds, chain, payouts) add their own actors on the same clock and random
 * source, and their own invariants to `checks`.
 */
import type { FaultPoint } from '../../src/ledger/ledger.ts'

/** mulberry32: small, fast and good enough to drive a simulation; the same seed replays the same run. */
export class SeededRandom {
  private state: number

  constructor(readonly seed: number) {
    this.state = seed >>> 0
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]!
  }
}

export class SimClock {
  constructor(private ms: number) {}
  now = (): Date => new Date(this.ms)
  advance(ms: number): void {
    this.ms += ms
  }
}

/** Thrown at a fault point to stand for a process dying mid-transaction. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash'
  constructor(readonly point: FaultPoint) {
    super(`simulated crash at ${point}`)
  }
}

/**
 * Decides, at each fault point, whether the process dies there. Arm it around the operations
 * that should be exposed to crashes; the ledger calls `at` inside its transactions.
 */
export class FaultInjector {
  crashes = 0
  private armed = false

  constructor(
    private readonly random: SeededRandom,
    private readonly probability: number,
  ) {}

  at = (point: FaultPoint): void => {
    if (this.armed && this.random.chance(this.probability)) {
      this.crashes++
      throw new SimulatedCrash(point)
    }
  }

  /** Runs `work` with crashes possible, retrying after each one as a restarted process would. */
  async withCrashes<T>(work: () => Promise<T>, maxAttempts = 50): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.armed = true
      try {
        return await work()
      } catch (error) {
        if (!(error instanceof SimulatedCrash) || attempt >= maxAttempts) throw error
      } finally {
        this.armed = false
      }
    }
  }
}
