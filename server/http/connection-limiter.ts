/**
 * MAX_CONNECTIONS_PER_ADDRESS, counted once for every endpoint that holds a connection open
 * (document WebSockets, HTTP fallback sessions, WebRTC signalling): one address may hold that many
 * in all, not that many of each kind. One instance per server, shared by the bindings.
 */
export class ConnectionLimiter {
  private readonly openByAddress = new Map<string, number>()

  constructor(
    /** Connections one address may hold at once, across every endpoint. */
    readonly maxPerAddress: number,
  ) {}

  /** Connections `address` holds now. */
  openFrom(address: string): number {
    return this.openByAddress.get(address) ?? 0
  }

  /** True when `address` may open one more connection. */
  hasRoom(address: string): boolean {
    return this.openFrom(address) < this.maxPerAddress
  }

  /**
   * Counts one connection from `address` when it has room, and says whether it did. Every true
   * must be matched by exactly one `release(address)` when that connection ends.
   */
  tryAcquire(address: string): boolean {
    const open = this.openFrom(address)
    if (open >= this.maxPerAddress) return false
    this.openByAddress.set(address, open + 1)
    return true
  }

  /** Forgets one connection from `address` (counted by tryAcquire). */
  release(address: string): void {
    const remaining = this.openFrom(address) - 1
    if (remaining > 0) this.openByAddress.set(address, remaining)
    else this.openByAddress.delete(address)
  }
}
