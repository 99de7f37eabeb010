import type { Thread, ThreadEvent } from '../../shared/comments.js'

/**
 * The threads of one document as this client knows them: fed by the live push (Threads frames:
 * a snapshot on every (re)connect, then upserts and deletes) and by the answers to this client's own
 * REST writes, which arrive before their push. Both sources race, so each thread keeps its newest
 * state by `updatedAt`: an event about an older state than the one held is ignored.
 */
export class ThreadStore {
  private threads = new Map<string, Thread>()
  /** Stable until the next change, for useSyncExternalStore. */
  private list: readonly Thread[] = []
  private hasSnapshot = false
  private readonly listeners = new Set<() => void>()

  /** Every thread held, in no particular order; the same array until something changes. */
  getThreads = (): readonly Thread[] => this.list

  /** True once a snapshot arrived (the server's full list), so "no threads" means none exist. */
  get isLoaded(): boolean {
    return this.hasSnapshot
  }

  /** The thread with this id, if held. */
  get(threadId: string): Thread | undefined {
    return this.threads.get(threadId)
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Applies one pushed event. */
  apply(event: ThreadEvent): void {
    switch (event.kind) {
      case 'snapshot':
        this.replaceAll(event.threads)
        return
      case 'upsert':
        this.upsert(event.thread)
        return
      case 'delete':
        this.remove(event.threadId)
        return
    }
  }

  /** A thread's state (pushed, or a write's answer); ignored when older than the one held. */
  upsert(thread: Thread): void {
    const held = this.threads.get(thread.id)
    if (held && isOlder(thread, held)) return
    this.threads.set(thread.id, thread)
    this.changed()
  }

  remove(threadId: string): void {
    if (!this.threads.delete(threadId)) return
    this.changed()
  }

  private replaceAll(threads: readonly Thread[]): void {
    const next = new Map<string, Thread>()
    for (const thread of threads) {
      // A write's answer applied just before this snapshot was taken may be newer than the
      // snapshot's copy of the same thread: keep the newer one. (A thread missing from the
      // snapshot was deleted, or created after it; its upsert follows on the same connection.)
      const held = this.threads.get(thread.id)
      next.set(thread.id, held && isOlder(thread, held) ? held : thread)
    }
    this.threads = next
    this.hasSnapshot = true
    this.changed()
  }

  private changed(): void {
    this.list = [...this.threads.values()]
    for (const listener of [...this.listeners]) listener()
  }
}

function isOlder(candidate: Thread, held: Thread): boolean {
  const candidateAt = Date.parse(candidate.updatedAt)
  const heldAt = Date.parse(held.updatedAt)
  if (Number.isNaN(candidateAt) || Number.isNaN(heldAt)) return false
  return candidateAt < heldAt
}
