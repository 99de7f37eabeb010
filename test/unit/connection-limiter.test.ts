import { describe, expect, it } from 'vitest'
import { ConnectionLimiter } from '../../server/http/connection-limiter.js'

describe('ConnectionLimiter', () => {
  it('caps what one address holds open, across endpoints, and frees a place on release', () => {
    const limiter = new ConnectionLimiter(2)
    expect(limiter.tryAcquire('a')).toBe(true)
    expect(limiter.tryAcquire('a')).toBe(true)
    expect(limiter.hasRoom('a')).toBe(false)
    expect(limiter.tryAcquire('a')).toBe(false)
    expect(limiter.tryAcquire('b')).toBe(true)
    limiter.release('a')
    expect(limiter.tryAcquire('a')).toBe(true)
  })

  it('lets an address open ten seconds of attempts at once, then as fast as the rate refills', () => {
    let now = 0
    const limiter = new ConnectionLimiter(Number.POSITIVE_INFINITY, 20, () => now)
    // An office of 200 opening the same document together: all in.
    for (let i = 0; i < 200; i++) expect(limiter.tryAcquire('office')).toBe(true)
    expect(limiter.hasRoom('office')).toBe(false)
    expect(limiter.tryAcquire('office')).toBe(false)
    // Another address is not affected.
    expect(limiter.tryAcquire('elsewhere')).toBe(true)
    // 20 a second sustained: after 100 ms, two more.
    now += 100
    expect(limiter.tryAcquire('office')).toBe(true)
    expect(limiter.tryAcquire('office')).toBe(true)
    expect(limiter.tryAcquire('office')).toBe(false)
    // Releasing a connection gives back a place, not an attempt.
    limiter.release('office')
    expect(limiter.tryAcquire('office')).toBe(false)
    now += 10_000
    expect(limiter.tryAcquire('office')).toBe(true)
  })

  it('counts only acquisitions that succeed against the attempt rate', () => {
    const limiter = new ConnectionLimiter(1, 1, () => 0)
    expect(limiter.tryAcquire('a')).toBe(true)
    // Refused by the open cap: no attempt is taken.
    for (let i = 0; i < 50; i++) expect(limiter.tryAcquire('a')).toBe(false)
    limiter.release('a')
    // Nine of the ten attempts of the burst are left.
    for (let i = 0; i < 9; i++) {
      expect(limiter.tryAcquire('a')).toBe(true)
      limiter.release('a')
    }
    expect(limiter.tryAcquire('a')).toBe(false)
  })

  it('forgets addresses whose buckets refilled, so a flood from many addresses leaves nothing behind', () => {
    let now = 0
    const limiter = new ConnectionLimiter(Number.POSITIVE_INFINITY, 20, () => now)
    for (let i = 0; i < 999; i++) {
      limiter.tryAcquire(`10.0.${i >> 8}.${i & 255}`)
      limiter.release(`10.0.${i >> 8}.${i & 255}`)
    }
    now += 60_000
    // The 1000th acquisition sweeps: every earlier address has refilled.
    limiter.tryAcquire('last')
    const buckets = (limiter as unknown as { attemptsByAddress: Map<string, unknown> }).attemptsByAddress
    expect([...buckets.keys()]).toEqual(['last'])
  })
})
