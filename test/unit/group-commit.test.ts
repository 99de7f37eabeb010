import { describe, expect, it } from 'vitest'
import { GroupCommitQueue } from '../../server/storage/group-commit.js'

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
})
