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

/**
 * A budget of so many a minute for each of many keys (an author, an address): one token bucket per
 * key, whose burst is a minute's worth. At most `maxKeys` buckets are kept, the least recently used
 * forgotten first: a bucket left alone for a minute is full anyway, so forgetting it costs nothing.
 */
export class PerMinuteBudgets {
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one from `key`'s budget of `perMinute` a minute; false (taking nothing) when it is spent. */
  take(key: string, perMinute: number): boolean {
    let bucket = this.buckets.get(key)
    if (bucket) {
      this.buckets.delete(key)
    } else {
      bucket = new TokenBucket(perMinute, perMinute / 60, this.now)
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!)
    }
    // Re-inserted: the Map's order is then least recently used first.
    this.buckets.set(key, bucket)
    return bucket.take()
  }
}
