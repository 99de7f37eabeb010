import type { PendingWrite } from './threads-api.js'

/** The part of localStorage the queue uses (written without DOM types, so Node code can check it too). */
export interface PendingStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/**
 * The comments typed while the server could not be reached, in the order they were written, kept in
 * localStorage per server and document so a reload (or a crash) loses none of them. Each carries the
 * id it will create, so re-sending after an answer that got lost is idempotent on the server.
 */
export class PendingWrites {
  private writes: PendingWrite[]
  private readonly listeners = new Set<() => void>()

  constructor(
    /** localStorage key; null keeps the writes in memory only. */
    private readonly storageKey: string | null,
    private readonly storage: PendingStorage | null = defaultStorage(),
  ) {
    this.writes = this.read()
  }

  /** In writing order; the same array until something changes. */
  getAll = (): PendingWrite[] => this.writes

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  has(id: string): boolean {
    return this.writes.some((write) => write.id === id)
  }

  add(write: PendingWrite): void {
    const merged = this.merged()
    if (merged.some((held) => held.id === write.id)) return
    this.set([...merged, write])
  }

  /** Keeps a write the server refused, with its sentence, and stops it being sent again. */
  markRefused(id: string, refusal: string): void {
    if (!this.has(id)) return
    this.set(this.merged().map((write) => (write.id === id ? { ...write, refusal } : write)))
  }

  remove(id: string): void {
    if (!this.has(id)) return
    this.set(this.merged().filter((write) => write.id !== id))
  }

  /**
   * What storage holds, plus what this page holds that storage lacks. Another tab of the same
   * document (or a session React re-created) keeps its own queue under the same key: writing only
   * our own list would erase its writes from storage, and a reload would lose them. A write both
   * hold may be sent by both, which the client-chosen id makes harmless.
   */
  private merged(): PendingWrite[] {
    const stored = this.read()
    const storedIds = new Set(stored.map((write) => write.id))
    return [...stored, ...this.writes.filter((write) => !storedIds.has(write.id))]
  }

  private set(writes: PendingWrite[]): void {
    this.writes = writes
    this.write()
    for (const listener of [...this.listeners]) listener()
  }

  private read(): PendingWrite[] {
    if (!this.storage || this.storageKey === null) return []
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(this.storageKey) ?? '[]')
      return Array.isArray(parsed) ? parsed.filter(isPendingWrite) : []
    } catch {
      return [] // unreadable (hand-edited, or storage disabled): nothing to re-send
    }
  }

  private write(): void {
    if (!this.storage || this.storageKey === null) return
    try {
      if (this.writes.length === 0) this.storage.removeItem(this.storageKey)
      else this.storage.setItem(this.storageKey, JSON.stringify(this.writes))
    } catch {
      // storage full or disabled: the writes are still held in memory for this page's life
    }
  }
}

function defaultStorage(): PendingStorage | null {
  try {
    return (globalThis as { localStorage?: PendingStorage }).localStorage ?? null
  } catch {
    return null // a sandboxed frame throws on the mere access
  }
}

function isPendingWrite(value: unknown): value is PendingWrite {
  if (typeof value !== 'object' || value === null) return false
  const write = value as Record<string, unknown>
  return (
    typeof write.id === 'string' &&
    (write.kind === 'thread' || write.kind === 'reply') &&
    (write.threadId === null || typeof write.threadId === 'string') &&
    typeof write.body === 'string' &&
    typeof write.quote === 'string' &&
    (write.anchor === null || isAnchor(write.anchor)) &&
    (write.suggestionId === undefined || write.suggestionId === null || typeof write.suggestionId === 'string') &&
    (write.refusal === undefined || typeof write.refusal === 'string')
  )
}

function isAnchor(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const anchor = value as Record<string, unknown>
  return typeof anchor.start === 'string' && typeof anchor.end === 'string'
}
