/**
 * A token bucket: `capacity` allows bursts, `refillPerSecond` is the sustained rate. The clock is
 * injected so tests need no real time.
 */
export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity
    this.updatedAt = now()
  }

  /** Takes `cost` tokens if available; false (taking nothing) when the bucket is short. */
  take(cost = 1): boolean {
    const now = this.now()
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.refillPerSecond)
    this.updatedAt = now
    if (this.tokens < cost) return false
    this.tokens -= cost
    return true
  }
}
