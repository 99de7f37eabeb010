import { describe, expect, it, vi } from 'vitest'
import { GroupCommitQueue } from '../../server/storage/group-commit.js'

/** Timers, immediates and performance.now() on vitest's fake clock (vi.useRealTimers() restores them). */
function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] })
}

/** A queue paced at `minIntervalMs` that records each batch and the clock time it committed at. */
function recordingQueue(minIntervalMs: number) {
  const batches: { items: number[]; at: number }[] = []
  const queue = new GroupCommitQueue<number, number>(
    (items) => {
      batches.push({ items, at: performance.now() })
      return items
    },
    { minIntervalMs },
  )
  return { queue, batches }
}

describe('GroupCommitQueue', () => {
  it('commits everything pushed in one turn as one batch', async () => {
    const batches: number[][] = []
    const queue = new GroupCommitQueue<number, number>((items) => {
      batches.push(items)
      return items.map((i) => i * 10)
    })
    const results = await Promise.all([1, 2, 3].map((i) => queue.push(i)))
    expect(results).toEqual([10, 20, 30])
    expect(batches).toEqual([[1, 2, 3]])
  })

  it('rejects every item of a failed batch and keeps working', async () => {
    let fail = true
    const queue = new GroupCommitQueue<number, number>((items) => {
      if (fail) throw new Error('disk full')
      return items
    })
    const failed = await Promise.allSettled([queue.push(1), queue.push(2)])
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    fail = false
    await expect(queue.push(3)).resolves.toBe(3)
  })

  it('commits batches strictly in order', async () => {
    const order: number[] = []
    const queue = new GroupCommitQueue<number, number>(async (items) => {
      await new Promise((resolve) => setTimeout(resolve, items[0] === 1 ? 20 : 0))
      order.push(...items)
      return items
    })
    const first = queue.push(1)
    await new Promise((resolve) => setImmediate(resolve))
    const second = queue.push(2)
    await Promise.all([first, second])
    expect(order).toEqual([1, 2])
  })

  it('gathers what arrives during a slow commit into the next one', async () => {
    const batches: number[][] = []
    let release!: () => void
    const slow = new Promise<void>((resolve) => (release = resolve))
    const queue = new GroupCommitQueue<number, number>(async (items) => {
      batches.push(items)
      if (items[0] === 1) await slow
      return items
    })
    const first = queue.push(1)
    await new Promise((resolve) => setImmediate(resolve))
    const later = [2, 3, 4].map(async (i) => {
      await new Promise((resolve) => setImmediate(resolve))
      return queue.push(i)
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(batches).toEqual([[1]])
    release()
    await expect(Promise.all([first, ...later])).resolves.toEqual([1, 2, 3, 4])
    expect(batches).toEqual([[1], [2, 3, 4]])
  })

  it('flush waits for what was pushed', async () => {
    const committed: number[] = []
    const queue = new GroupCommitQueue<number, void>((items) => {
      committed.push(...items)
      return items.map(() => undefined)
    })
    void queue.push(7)
    await queue.flush()
    expect(committed).toEqual([7])
  })

  it('paces commits: what arrives within the interval waits and goes in one commit', async () => {
    // A fake clock: a real one on a loaded machine fires timers early by its cached loop time.
    useFakeClock()
    try {
      const { queue, batches } = recordingQueue(30)
      const first = queue.push(1)
      await vi.advanceTimersByTimeAsync(0)
      await first
      const later = Promise.all([2, 3, 4].map((i) => queue.push(i)))
      await vi.advanceTimersByTimeAsync(30)
      await later
      expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]])
      expect(batches[1]!.at - batches[0]!.at).toBeGreaterThanOrEqual(30)
    } finally {
      vi.useRealTimers()
    }
  })

  it('commits at once when the last commit is older than the interval', async () => {
    // A fake clock: "at once" is then exact, whatever else the machine is doing.
    useFakeClock()
    try {
      const { queue, batches } = recordingQueue(300)
      const first = queue.push(1)
      await vi.advanceTimersByTimeAsync(0)
      await first
      await vi.advanceTimersByTimeAsync(350)
      const pushedAt = performance.now()
      const second = queue.push(2)
      // Only the end of the turn (an immediate), no pacing wait: no clock time passes.
      await vi.advanceTimersByTimeAsync(0)
      await second
      expect(batches.map((b) => b.items)).toEqual([[1], [2]])
      expect(batches[1]!.at).toBe(pushedAt)
    } finally {
      vi.useRealTimers()
    }
  })

  it('flush does not wait for the pacing interval', async () => {
    const committed: number[] = []
    const queue = new GroupCommitQueue<number, number>(
      (items) => {
        committed.push(...items)
        return items
      },
      { minIntervalMs: 10_000 },
    )
    await queue.push(1)
    void queue.push(2)
    // Resolving at all proves it: the pacing wait (10 s) would outlast the test's timeout.
    await queue.flush()
    expect(committed).toEqual([1, 2])
  })

  it('lets the interval grow while writes keep waiting for their commit, up to the max, and shrink when they stop', async () => {
    const queue = new GroupCommitQueue<number, number>(async (items) => items, { minIntervalMs: 2, maxIntervalMs: 16 })
    expect(queue.currentIntervalMs).toBe(2)
    // A busy server: a write arrives while each commit is in flight, so it waits for the next one.
    const grown: number[] = []
    while (grown.length < 6) {
      const first = queue.push(1)
      await Promise.resolve()
      void queue.push(2)
      await first
      await queue.flush()
      grown.push(queue.currentIntervalMs)
    }
    expect(Math.max(...grown)).toBe(16)
    expect(grown).toEqual([...grown].sort((a, b) => a - b))
    // Quiet again: each write comes after the interval has passed.
    const shrunk: number[] = []
    while (shrunk.length < 4) {
      await new Promise((resolve) => setTimeout(resolve, queue.currentIntervalMs + 2))
      await queue.push(3)
      shrunk.push(queue.currentIntervalMs)
    }
    expect(shrunk.at(-1)).toBe(2)
  })

  it('bounds the commits of a busy queue by the max interval', async () => {
    // Fake clock and timers: the pacing depends on when writes arrive, which a loaded machine would blur.
    useFakeClock()
    try {
      const startedAt: number[] = []
      const queue = new GroupCommitQueue<number, number>(
        async (items) => {
          startedAt.push(performance.now())
          // A commit (its fsync) takes 3 ms.
          await new Promise((resolve) => setTimeout(resolve, 3))
          return items
        },
        { minIntervalMs: 5, maxIntervalMs: 20 },
      )
      const writes: Promise<number>[] = []
      // One write a millisecond for 400 ms.
      for (let ms = 0; ms < 400; ms++) {
        writes.push(queue.push(ms))
        await vi.advanceTimersByTimeAsync(1)
      }
      await vi.runAllTimersAsync()
      await Promise.all(writes)
      const gaps = startedAt.slice(1).map((at, i) => at - startedAt[i]!)
      // Grown to the max within a few commits, then one commit every 20 ms: about 20, not 400.
      expect(startedAt.length).toBeLessThan(30)
      expect(gaps.slice(5).every((gap) => gap >= 20)).toBe(true)
      expect(queue.currentIntervalMs).toBe(20)
    } finally {
      vi.useRealTimers()
    }
  })
})
