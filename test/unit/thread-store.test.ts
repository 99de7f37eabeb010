import { describe, expect, it } from 'vitest'
import { ThreadStore } from '../../client/comments/thread-store.js'
import type { Thread } from '../../shared/comments.js'

function thread(id: string, updatedAt: string, body = 'hello'): Thread {
  return {
    id,
    status: 'open',
    quote: 'some text',
    anchor: null,
    comments: [
      {
        id: `${id}-c1`,
        body,
        author: { id: 'a1', name: 'Ada', isVerified: false },
        createdAt: '2026-01-01T00:00:00.000Z',
        editedAt: null,
      },
    ],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt,
  }
}

describe('ThreadStore (threads pushed and answered)', () => {
  it('is not loaded until the first snapshot, then holds exactly the snapshot', () => {
    const store = new ThreadStore()
    store.apply({ kind: 'upsert', thread: thread('t0', '2026-01-01T00:00:00.000Z') })
    expect(store.isLoaded).toBe(false)
    store.apply({ kind: 'snapshot', threads: [thread('t1', '2026-01-01T00:00:01.000Z')] })
    expect(store.isLoaded).toBe(true)
    expect(store.getThreads().map((t) => t.id)).toEqual(['t1'])
  })

  it('applies upserts and deletes, and tells subscribers each time', () => {
    const store = new ThreadStore()
    let changes = 0
    store.subscribe(() => changes++)
    store.apply({ kind: 'snapshot', threads: [] })
    store.apply({ kind: 'upsert', thread: thread('t1', '2026-01-01T00:00:01.000Z') })
    store.apply({ kind: 'upsert', thread: thread('t1', '2026-01-01T00:00:02.000Z', 'edited') })
    expect(store.get('t1')?.comments[0]?.body).toBe('edited')
    store.apply({ kind: 'delete', threadId: 't1' })
    expect(store.getThreads()).toEqual([])
    store.apply({ kind: 'delete', threadId: 'unknown' })
    expect(changes).toBe(4)
  })

  it('ignores an event about an older state than the one held', () => {
    const store = new ThreadStore()
    store.upsert(thread('t1', '2026-01-01T00:00:05.000Z', 'newer'))
    const before = store.getThreads()
    store.apply({ kind: 'upsert', thread: thread('t1', '2026-01-01T00:00:04.000Z', 'older') })
    expect(store.get('t1')?.comments[0]?.body).toBe('newer')
    expect(store.getThreads()).toBe(before) // no change, same array (useSyncExternalStore stays quiet)
  })

  it('keeps a held thread newer than the snapshot copy (a write answered before the snapshot)', () => {
    const store = new ThreadStore()
    store.upsert(thread('t1', '2026-01-01T00:00:05.000Z', 'answered'))
    store.apply({
      kind: 'snapshot',
      threads: [thread('t1', '2026-01-01T00:00:01.000Z', 'stale'), thread('t2', '2026-01-01T00:00:01.000Z')],
    })
    expect(store.get('t1')?.comments[0]?.body).toBe('answered')
    expect(store.getThreads().map((t) => t.id)).toEqual(['t1', 't2'])
  })

  it('drops threads the snapshot no longer has (deleted while this client was away)', () => {
    const store = new ThreadStore()
    store.apply({ kind: 'snapshot', threads: [thread('t1', '2026-01-01T00:00:01.000Z')] })
    store.apply({ kind: 'snapshot', threads: [thread('t2', '2026-01-01T00:00:01.000Z')] })
    expect(store.getThreads().map((t) => t.id)).toEqual(['t2'])
  })
})
