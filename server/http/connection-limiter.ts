/**
 * Connections per client address, counted once for every endpoint that holds a connection open
 * (document WebSockets, HTTP fallback sessions, WebRTC signalling): one address may hold
 * MAX_CONNECTIONS_PER_ADDRESS in all, not that many of each kind, and may open new ones at
 * CONNECTION_ATTEMPTS_PER_SECOND (with ten seconds' worth at once). The open cap bounds what one
 * address holds; the attempt rate stops a flood of connect-and-drop without refusing an office
 * or school behind one NAT address, whose people each hold a connection or two. One instance per
 * server, shared by the bindings.
 */
export class ConnectionLimiter {
  private readonly openByAddress = new Map<string, number>()
  private readonly attemptsByAddress = new Map<string, AttemptBucket>()
  private readonly attemptBurst: number
  /** No attempt limit (Infinity, or the config's NO_LIMIT): no buckets kept at all. */
  private readonly isRateOff: boolean
  private acquiredSinceSweep = 0

  constructor(
    /** Connections one address may hold at once, across every endpoint (Infinity: no cap). */
    readonly maxPerAddress: number,
    /** New connections one address may open per second, sustained (Infinity or MAX_SAFE_INTEGER: no limit). */
    readonly attemptsPerSecond: number = Number.POSITIVE_INFINITY,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.attemptBurst = attemptsPerSecond * ATTEMPT_BURST_SECONDS
    this.isRateOff = !(attemptsPerSecond < Number.MAX_SAFE_INTEGER)
  }

  /** Connections `address` holds now. */
  openFrom(address: string): number {
    return this.openByAddress.get(address) ?? 0
  }

  /** True when `address` may open one more connection now (checks, takes nothing). */
  hasRoom(address: string): boolean {
    return this.openFrom(address) < this.maxPerAddress && this.attemptTokens(address) >= 1
  }

  /**
   * Counts one connection from `address` when it has room, and says whether it did. Every true
   * must be matched by exactly one `release(address)` when that connection ends.
   */
  tryAcquire(address: string): boolean {
    const open = this.openFrom(address)
    if (open >= this.maxPerAddress) return false
    if (!this.takeAttempt(address)) return false
    this.openByAddress.set(address, open + 1)
    return true
  }

  /** Forgets one connection from `address` (counted by tryAcquire). */
  release(address: string): void {
    const remaining = this.openFrom(address) - 1
    if (remaining > 0) this.openByAddress.set(address, remaining)
    else this.openByAddress.delete(address)
  }

  private attemptTokens(address: string): number {
    if (this.isRateOff) return Number.POSITIVE_INFINITY
    const bucket = this.attemptsByAddress.get(address)
    if (!bucket) return this.attemptBurst
    return Math.min(this.attemptBurst, bucket.tokens + ((this.now() - bucket.at) / 1000) * this.attemptsPerSecond)
  }

  private takeAttempt(address: string): boolean {
    if (this.isRateOff) return true
    const tokens = this.attemptTokens(address)
    if (tokens < 1) return false
    this.attemptsByAddress.set(address, { tokens: tokens - 1, at: this.now() })
    if (++this.acquiredSinceSweep >= SWEEP_EVERY) this.sweep()
    return true
  }

  /** Drops the buckets that have refilled: an address that stopped connecting costs nothing. */
  private sweep(): void {
    this.acquiredSinceSweep = 0
    for (const address of this.attemptsByAddress.keys()) {
      if (this.attemptTokens(address) >= this.attemptBurst) this.attemptsByAddress.delete(address)
    }
  }
}

interface AttemptBucket {
  tokens: number
  /** When `tokens` was counted (the limiter's clock, ms). */
  at: number
}

/** An address may open this many seconds' worth of connections at once (an office arriving together). */
const ATTEMPT_BURST_SECONDS = 10
/** Buckets are swept after this many connections, so a flood from many addresses leaves no trail. */
const SWEEP_EVERY = 1000
