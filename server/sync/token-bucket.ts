/** What a rate limit needs of a bucket (see `budget`). */
export interface Budget {
  /** Takes `cost` tokens if available; false (taking nothing) when the bucket is short. */
  take(cost?: number): boolean
}

/** A limit that is off: never short, and one object for every client (an idle one then keeps none). */
export const UNLIMITED: Budget = { take: () => true }

/** Limits set to 0 (off) arrive as this or more (server/config.ts NO_LIMIT). */
const UNLIMITED_RATE = Number.MAX_SAFE_INTEGER

/** A bucket for a per-client limit, or UNLIMITED when the limit is off. */
export function budget(capacity: number, refillPerSecond: number, now?: () => number): Budget {
  return refillPerSecond >= UNLIMITED_RATE ? UNLIMITED : new TokenBucket(capacity, refillPerSecond, now)
}

/**
 * A token bucket: `capacity` allows bursts, `refillPerSecond` is the sustained rate. The clock is
 * injected so tests need no real time.
 */
export class TokenBucket implements Budget {
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
