/**
 * At most one emission per interval, always ending on the latest value (leading and trailing):
 * the first value goes out at once, values offered within the interval replace one another,
 * and the last of them goes out when the interval ends. SPEC 8 wants round updates at most
 * once a second; a viewer must still end up with the final state of a burst.
 */
export class Throttle<T> {
  private lastEmitMs = Number.NEGATIVE_INFINITY
  private latest: { value: T } | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly intervalMs: number,
    private readonly emit: (value: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  offer(value: T): void {
    if (this.timer !== undefined) {
      this.latest = { value }
      return
    }
    const waitMs = this.lastEmitMs + this.intervalMs - this.now()
    if (waitMs <= 0) {
      this.fire(value)
      return
    }
    this.latest = { value }
    // Rounded up: timers have millisecond resolution, and early would break "at most once".
    this.timer = setTimeout(() => this.fireLatest(), Math.ceil(waitMs))
    this.timer.unref()
  }

  /** Drops a value still waiting for its turn; nothing is emitted afterwards. */
  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.latest = undefined
  }

  private fireLatest(): void {
    this.timer = undefined
    const latest = this.latest
    this.latest = undefined
    if (latest !== undefined) this.fire(latest.value)
  }

  private fire(value: T): void {
    this.lastEmitMs = this.now()
    this.emit(value)
  }
}
