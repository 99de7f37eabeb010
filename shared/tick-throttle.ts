// shared/ sees neither DOM nor Node types; both platforms have these two.
declare function setTimeout(callback: () => void, ms: number): unknown
declare function clearTimeout(handle: unknown): void

/** Time as a throttle sees it; tests drive a fake one instead of sleeping. */
export interface TickClock {
  now(): number
  setTimer(callback: () => void, ms: number): unknown
  clearTimer(handle: unknown): void
}

/** The wall clock and the platform's timers. */
export const realTickClock: TickClock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle),
}

/**
 * Runs `flush` at most once per tick however often `poke` is called. The first poke after a
 * quiet tick flushes at once, so a single change is never delayed; pokes within the tick that
 * follows are answered by one flush at its end, which sees only the latest state (presence is
 * lossy: intermediate cursor positions are not worth a frame each).
 */
export class TickThrottle {
  private lastFlushAt = Number.NEGATIVE_INFINITY
  private timer: unknown = null
  private isStopped = false

  /** The tick now: fixed, or asked at every poke (a room's tick grows with its size). */
  private readonly tickMs: () => number

  constructor(
    tickMs: number | (() => number),
    private readonly flush: () => void,
    private readonly clock: TickClock = realTickClock,
  ) {
    this.tickMs = typeof tickMs === 'number' ? () => tickMs : tickMs
  }

  /** Something changed: flush now if the last flush is a tick old, else at the end of this tick. */
  poke(): void {
    if (this.isStopped || this.timer !== null) return
    const wait = this.lastFlushAt + this.tickMs() - this.clock.now()
    if (wait <= 0) return this.run()
    this.timer = this.clock.setTimer(this.onTimer, wait)
  }

  /** Flushes now whatever is pending (a leaving client must not wait for the tick). */
  flushNow(): void {
    if (this.isStopped) return
    this.cancelTimer()
    this.run()
  }

  /** True while a flush is scheduled. */
  get isPending(): boolean {
    return this.timer !== null
  }

  /** Cancels a scheduled flush; later pokes do nothing. */
  stop(): void {
    this.isStopped = true
    this.cancelTimer()
  }

  private readonly onTimer = (): void => {
    this.timer = null
    if (!this.isStopped) this.run()
  }

  private run(): void {
    this.lastFlushAt = this.clock.now()
    this.flush()
  }

  private cancelTimer(): void {
    if (this.timer === null) return
    this.clock.clearTimer(this.timer)
    this.timer = null
  }
}
