import { queryAwarenessFrame } from '../../shared/protocol/frames.js'
import type { Rung, RungEvents } from './rung.js'

/** How often to probe. */
export interface UpgradeProbeTimings {
  /** First probe after landing on an HTTP transport... */
  probeInitialMs: number
  /** ...doubling after each failure up to this. */
  probeMaxMs: number
  /** A probe must deliver the server's first frame and the answer to a query within this. */
  wsHelloDeadlineMs: number
}

/** What the probe needs from the socket it works for (fallback-socket.ts). */
export interface UpgradeProbeHost {
  /** True while the socket is open on an HTTP transport: the only time a probe is worth making. */
  isOnHttp(): boolean
  /**
   * A WebSocket rung with `events`, counted as an attempt; null where there is no WebSocket at all
   * (nothing to upgrade to); throws where one cannot be opened now (e.g. SecurityError).
   */
  openWebSocket(events: RungEvents): Rung | null
  /** The probe proved both directions: make it the active rung, delivering `buffered` first. */
  promote(rung: Rung, buffered: Uint8Array[]): void
  /** Frames of a promoted probe (then the active rung). */
  deliver(rung: Rung, frames: Uint8Array[]): void
  /** Acknowledged ordinals, from the probe before or after promotion. */
  onDurable(ordinals: number[]): void
  /** A promoted probe closed. */
  rungClosed(rung: Rung, code: number, reason: string): void
}

/**
 * The background WebSocket probe that moves a socket on an HTTP transport back to WebSocket: after
 * `probeInitialMs`, doubling after each failure up to `probeMaxMs`, and at once when the browser
 * comes online or the tab becomes visible. A probe counts once the server's first frame and the
 * answer to a QueryAwareness arrived (both directions work); the host then switches to it.
 */
export class UpgradeProbe {
  private delayMs: number
  private timer: ReturnType<typeof setTimeout> | undefined
  private probe: Rung | null = null
  /** The probe in flight fails when this fires. */
  private deadline: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly host: UpgradeProbeHost,
    private readonly timings: UpgradeProbeTimings,
  ) {
    this.delayMs = timings.probeInitialMs
    const target = globalThis as { addEventListener?: (type: string, listener: () => void) => void }
    target.addEventListener?.('online', this.probeNow)
    const doc = (globalThis as { document?: EventTarget }).document
    doc?.addEventListener('visibilitychange', this.probeNow)
  }

  /** Arms the next probe (the socket is on an HTTP transport now). */
  schedule(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.run(), this.delayMs)
  }

  /** The socket is on WebSocket again: a later fall back starts from the initial delay. */
  reset(): void {
    this.delayMs = this.timings.probeInitialMs
  }

  /** Stops probing for good: the socket closed. A probe in flight is ended by the host. */
  stop(): void {
    clearTimeout(this.timer)
    clearTimeout(this.deadline)
    this.probe = null
    const target = globalThis as { removeEventListener?: (type: string, listener: () => void) => void }
    target.removeEventListener?.('online', this.probeNow)
    const doc = (globalThis as { document?: EventTarget }).document
    doc?.removeEventListener('visibilitychange', this.probeNow)
  }

  /** The rung being tried now (not yet promoted), for the host to end on shutdown. */
  get attempt(): Rung | null {
    return this.probe
  }

  private readonly probeNow = (): void => {
    const visibility = (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState
    if (visibility === 'hidden' || !this.host.isOnHttp() || this.probe) return
    clearTimeout(this.timer)
    this.run()
  }

  private run(): void {
    if (!this.host.isOnHttp() || this.probe) return
    const buffered: Uint8Array[] = []
    let messages = 0
    let probe: Rung | null = null
    const fail = (): void => {
      clearTimeout(this.deadline)
      if (this.probe !== probe || !probe) return
      this.probe = null
      void probe.end()
      this.backOff()
    }
    const events: RungEvents = {
      onOpen: () => probe?.send(queryAwarenessFrame(), null),
      onFrames: (frames) => {
        if (!probe) return
        if (this.probe !== probe) return this.host.deliver(probe, frames)
        buffered.push(...frames)
        // The first message proves the server reaches us; an answer to our query proves the way back.
        if (++messages >= 2) {
          clearTimeout(this.deadline)
          this.probe = null
          this.host.promote(probe, buffered.splice(0))
        }
      },
      onDurable: (ordinals) => this.host.onDurable(ordinals),
      onResync: () => undefined,
      onBuffered: () => undefined,
      onClose: (code, reason) => {
        if (!probe) return
        if (this.probe === probe) return fail()
        this.host.rungClosed(probe, code, reason)
      },
    }
    try {
      probe = this.host.openWebSocket(events)
    } catch {
      // e.g. SecurityError for ws:// from an https page: try again later, like any failed probe
      return this.backOff()
    }
    if (!probe) return // no WebSocket in this environment: nothing to upgrade to
    this.probe = probe
    this.deadline = setTimeout(fail, this.timings.wsHelloDeadlineMs)
  }

  private backOff(): void {
    this.delayMs = Math.min(this.delayMs * 2, this.timings.probeMaxMs)
    this.schedule()
  }
}
