import { ErrorCode } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { DocStore } from '../storage/doc-store.js'
import { compactDocument } from './compaction.js'
import { DocRoom, type RoomLimits } from './doc-room.js'

export interface RegistryOptions {
  store: DocStore
  log: Logger
  metrics: Metrics
  limits: RoomLimits
  /** How long a room with no users stays loaded (a reload or reconnect then costs nothing). */
  unloadDelayMs: number
}

interface Entry {
  room: Promise<DocRoom>
  /** Users of the room: connections and in-flight server operations. */
  refs: number
  unloadTimer: NodeJS.Timeout | null
}

/**
 * Open rooms by document id. Loads on demand (concurrent joins share one load), unloads a room
 * once nobody uses it and its writes are committed, and runs compactions one at a time.
 */
export class RoomRegistry {
  private readonly entries = new Map<DocId, Entry>()
  private compactionQueue: Promise<void> = Promise.resolve()

  constructor(private readonly options: RegistryOptions) {}

  get openCount(): number {
    return this.entries.size
  }

  /** Returns the room for `docId`, loading it if needed; pair every call with `release`. */
  async acquire(docId: DocId): Promise<DocRoom> {
    let entry = this.entries.get(docId)
    if (!entry) {
      entry = { room: this.load(docId), refs: 0, unloadTimer: null }
      this.entries.set(docId, entry)
    }
    entry.refs++
    if (entry.unloadTimer) {
      clearTimeout(entry.unloadTimer)
      entry.unloadTimer = null
    }
    try {
      return await entry.room
    } catch (error) {
      // Never fall back to an empty document: it would overwrite the stored one (Hocuspocus #382).
      entry.refs--
      if (this.entries.get(docId) === entry) this.entries.delete(docId)
      throw error
    }
  }

  release(room: DocRoom): void {
    const entry = this.entries.get(room.docId)
    if (!entry) return
    entry.refs = Math.max(0, entry.refs - 1)
    if (entry.refs === 0 && !entry.unloadTimer) {
      entry.unloadTimer = setTimeout(() => void this.unloadIfIdle(room.docId, entry), this.options.unloadDelayMs)
    }
  }

  /** Runs `operation` on the room, holding it loaded meanwhile. */
  async withRoom<T>(docId: DocId, operation: (room: DocRoom) => T | Promise<T>): Promise<T> {
    const room = await this.acquire(docId)
    try {
      return await operation(room)
    } finally {
      this.release(room)
    }
  }

  /** Drops an open room at once (document deleted, or storage failed): clients are closed. */
  async evict(docId: DocId, code: CloseCode, reason: string): Promise<void> {
    const entry = this.entries.get(docId)
    if (!entry) return
    this.entries.delete(docId)
    if (entry.unloadTimer) clearTimeout(entry.unloadTimer)
    const room = await entry.room.catch(() => null)
    if (!room) return
    room.closeAll(code, reason)
    await room.flush()
    this.destroy(room)
  }

  /** Closes every client with `code`, commits what is pending and unloads every room. */
  async closeAll(code: CloseCode, reason: string): Promise<void> {
    await Promise.all([...this.entries.keys()].map((docId) => this.evict(docId, code, reason)))
    await this.compactionQueue
  }

  /** Resolves when queued compactions have finished (for tests and shutdown). */
  async idle(): Promise<void> {
    await this.compactionQueue
  }

  private async load(docId: DocId): Promise<DocRoom> {
    const { store, log, metrics, limits } = this.options
    const startedAt = performance.now()
    const room = await DocRoom.load(docId, {
      store,
      log,
      metrics,
      limits,
      requestCompaction: (r) => this.scheduleCompaction(r),
      onBroken: (r) =>
        void this.evict(r.docId, CloseCode.TryAgainLater, closeReason(ErrorCode.StorageFailure, 'reconnect')),
    })
    metrics.openDocuments.inc()
    metrics.logTailRows.inc(room.logTail.rows)
    log.debug({ docId, ms: Math.round(performance.now() - startedAt) }, 'document loaded')
    return room
  }

  private async unloadIfIdle(docId: DocId, entry: Entry): Promise<void> {
    entry.unloadTimer = null
    if (entry.refs > 0 || this.entries.get(docId) !== entry) return
    const room = await entry.room
    await room.flush()
    // Someone may have joined while the last writes were committing.
    if (entry.refs > 0 || this.entries.get(docId) !== entry) return
    this.entries.delete(docId)
    this.destroy(room)
    this.options.log.debug({ docId }, 'document unloaded')
  }

  private destroy(room: DocRoom): void {
    this.options.metrics.openDocuments.dec()
    this.options.metrics.logTailRows.dec(room.logTail.rows)
    room.destroy()
  }

  /** Compactions run one at a time, after the current event-loop turn: never on the message path. */
  private scheduleCompaction(room: DocRoom): void {
    const { store, log, metrics } = this.options
    this.compactionQueue = this.compactionQueue.then(async () => {
      await new Promise((resolve) => setImmediate(resolve))
      if (room.isBroken) return
      try {
        const result = await compactDocument(store, room.docId)
        if (result) {
          room.compacted(result.mergedRows, result.mergedBytes)
          metrics.compactions.inc({ result: 'ok' })
          log.info({ docId: room.docId, ...result }, 'log compacted')
        }
      } catch (error) {
        metrics.compactions.inc({ result: 'failed' })
        log.error({ docId: room.docId, err: error }, 'compaction failed; log left as it was')
        room.compacted(0, 0)
      }
    })
  }
}
