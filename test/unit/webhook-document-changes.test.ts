import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DocId } from '../../shared/ids.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { CommitWatchingDocStore } from '../../server/webhooks/commit-watching-doc-store.js'
import { DocumentChangeNotifier } from '../../server/webhooks/document-change-notifier.js'
import type { WebhookEventInput } from '../../server/webhooks/webhook-events.js'
import type { WebhookNotifier } from '../../server/webhooks/webhook-notifier.js'

const INTERVAL_MS = 60_000
const A = 'doc-a' as DocId
const B = 'doc-b' as DocId

describe('DocumentChangeNotifier', () => {
  let sent: { docId: string; at: number }[]
  let changes: DocumentChangeNotifier

  beforeEach(() => {
    vi.useFakeTimers()
    sent = []
    const notifier: WebhookNotifier = {
      notify: (event: WebhookEventInput) => sent.push({ docId: event.docId, at: Date.now() }),
      pendingCount: 0,
      close: async () => undefined,
    }
    changes = new DocumentChangeNotifier(notifier, INTERVAL_MS)
  })
  afterEach(() => {
    changes.close()
    vi.useRealTimers()
  })

  it('announces the first commit at once', () => {
    changes.committed(A)
    expect(sent).toEqual([{ docId: A, at: Date.now() }])
  })

  it('folds the commits of one interval into one event at its end', async () => {
    const startedAt = Date.now()
    for (let i = 0; i < 90; i++) {
      changes.committed(A)
      await vi.advanceTimersByTimeAsync(1_000)
    }
    // At 0 (the first commit) and at 60 s (the commits of 1–59 s); those of 60–89 s wait for 120 s.
    expect(sent.map((event) => event.at - startedAt)).toEqual([0, INTERVAL_MS])
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(sent.map((event) => event.at - startedAt)).toEqual([0, INTERVAL_MS, 2 * INTERVAL_MS])
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2)
    expect(sent).toHaveLength(3)
  })

  it('sends nothing at the end of a window without commits, and announces the next commit at once', async () => {
    changes.committed(A)
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 3)
    expect(sent).toHaveLength(1)
    expect(changes.openWindows).toBe(0)
    changes.committed(A)
    expect(sent).toHaveLength(2)
  })

  it('limits each document on its own', () => {
    changes.committed(A)
    changes.committed(B)
    changes.committed(A)
    changes.committed(B)
    expect(sent.map((event) => event.docId)).toEqual([A, B])
  })

  it('announces pending changes at close, and nothing for documents without any', () => {
    changes.committed(A)
    changes.committed(B)
    changes.committed(A)
    changes.close()
    expect(sent.map((event) => event.docId)).toEqual([A, B, A])
    expect(changes.openWindows).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('CommitWatchingDocStore', () => {
  it('reports an append once it is durable, and hands back the store’s own result', async () => {
    const inner = new MemoryDocStore()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const realAppend = inner.append.bind(inner)
    vi.spyOn(inner, 'append').mockImplementation(async (docId, update) => {
      await gate
      return realAppend(docId, update)
    })
    const committed: DocId[] = []
    const store = new CommitWatchingDocStore(inner, (docId) => committed.push(docId))
    const appended = store.append(A, new Uint8Array([0, 0]))
    await Promise.resolve()
    expect(committed).toEqual([])
    release()
    expect(await appended).toBeGreaterThan(0)
    expect(committed).toEqual([A])
    expect(store.kind).toBe('memory')
  })

  it('reports nothing for a failed append, whose failure still reaches the caller', async () => {
    const inner = new MemoryDocStore()
    vi.spyOn(inner, 'append').mockRejectedValue(new Error('disk full'))
    const committed: DocId[] = []
    const store = new CommitWatchingDocStore(inner, (docId) => committed.push(docId))
    await expect(store.append(A, new Uint8Array([0, 0]))).rejects.toThrow('disk full')
    await Promise.resolve()
    expect(committed).toEqual([])
  })
})
