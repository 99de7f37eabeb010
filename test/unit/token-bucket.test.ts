import { describe, expect, it } from 'vitest'
import { NO_LIMIT } from '../../server/config.js'
import { budget, PerMinuteBudgets, TokenBucket, UNLIMITED } from '../../server/sync/token-bucket.js'

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

  it('each key has its own per-minute budget: all of it at once, then refilled over the minute', () => {
    let now = 0
    const budgets = new PerMinuteBudgets(() => now)
    expect([budgets.take('ann', 2), budgets.take('ann', 2), budgets.take('ann', 2)]).toEqual([true, true, false])
    expect(budgets.take('bob', 2)).toBe(true) // another key, another budget
    now += 30_000 // half a minute: one of two back
    expect([budgets.take('ann', 2), budgets.take('ann', 2)]).toEqual([true, false])
  })

  it('beyond its bound, the budget least recently used is forgotten (it starts full again)', () => {
    const budgets = new PerMinuteBudgets(() => 0, 2)
    expect(budgets.take('ann', 1)).toBe(true)
    expect(budgets.take('bob', 1)).toBe(true)
    expect(budgets.take('ann', 1)).toBe(false) // ann is now the most recently used
    expect(budgets.take('cat', 1)).toBe(true) // a third key: bob, the least recently used, goes
    expect(budgets.take('ann', 1)).toBe(false) // ann was kept, still spent
    expect(budgets.take('bob', 1)).toBe(true) // bob was forgotten: a full budget again
  })
})
