import { describe, expect, it } from 'vitest'
import { NO_LIMIT } from '../../server/config.js'
import { budget, TokenBucket, UNLIMITED } from '../../server/sync/token-bucket.js'

describe('per-client budgets', () => {
  it('a bucket allows its burst, then refills at its rate', () => {
    let now = 0
    const bucket = new TokenBucket(3, 2, () => now)
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
    now += 500 // one token back at 2 a second
    expect(bucket.take()).toBe(true)
    expect(bucket.take()).toBe(false)
  })

  it('a limit that is off (0 in the settings) is one shared budget that never runs out', () => {
    const a = budget(NO_LIMIT, NO_LIMIT)
    const b = budget(10, NO_LIMIT)
    expect(a).toBe(UNLIMITED)
    expect(b).toBe(UNLIMITED)
    expect(a.take(Number.MAX_SAFE_INTEGER)).toBe(true)
    expect(budget(10, 5)).toBeInstanceOf(TokenBucket)
  })
})
