import { ErrorCode } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { PubSubMessageKind, type PubSub, type PubSubMessage } from '../pubsub/pubsub.js'
import type { DocStore } from '../storage/doc-store.js'
import { compactDocument, type MergeEntries } from './compaction.js'
import { DocRoom, type RoomLimits } from './doc-room.js'

export interface RegistryOptions {
  store: DocStore
  pubsub: PubSub
  log: Logger
  metrics: Metrics
  limits: RoomLimits
  /** How compactions merge a log; the default runs on the calling thread (the server passes a worker's). */
  mergeEntries?: MergeEntries
  /** How long a room with no users stays loaded (a reload or reconnect then costs nothing). */
  unloadDelayMs: number
  /** Features that follow rooms (version history): told when a room opens and before it unloads. */
  hooks?: RoomHooks
  /**
   * Receives other instances' comment thread events (`threads` messages on the document's channel,
   * for the thread feed); rooms never see them. Absent, they are dropped.
   */
  remoteThreads?: (docId: DocId, message: PubSubMessage) => void
}

export interface RoomHooks {
  /** The room is loaded and about to receive its first client. */
  loaded(room: DocRoom): void
  /** The room is about to be destroyed; its writes are committed. */
  unloading(room: DocRoom): Promise<void>
}

interface Entry {
  room: Promise<DocRoom>
  /** Users of the room: connections and in-flight server operations. */
  refs: number
  unloadTimer: NodeJS.Timeout | null
  unsubscribe: (() => Promise<void>) | null
}

/**
 * Open rooms by document id. Loads on demand (concurrent joins share one load), unloads a room
 * once nobody uses it and its writes are committed, and runs compactions one at a time.
 */
export class RoomRegistry {
  private readonly entries = new Map<DocId, Entry>()
  private compactionQueue: Promise<void> = Promise.resolve()

  constructor(private readonly options: RegistryOptions) {
    options.pubsub.onResync(() => void this.catchUpAll())
  }

  get openCount(): number {
    return this.entries.size
  }

  /** Returns the room for `docId`, loading it if needed; pair every call with `release`. */
  async acquire(docId: DocId): Promise<DocRoom> {
    let entry = this.entries.get(docId)
    if (!entry) {
      const created: Entry = {
        room: this.load(docId, (unsubscribe) => (created.unsubscribe = unsubscribe)),
        refs: 0,
        unloadTimer: null,
        unsubscribe: null,
      }
      this.entries.set(docId, created)
      entry = created
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
      void entry.unsubscribe?.()
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
    await this.destroy(room, entry)
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

  /**
   * Subscribe, then load: an update another instance publishes between our storage read and our
   * subscription would otherwise be lost. Messages that arrive while loading are held and applied
   * after (applying twice is harmless: Yjs updates are idempotent).
   */
  private async load(docId: DocId, onSubscribed: (unsubscribe: () => Promise<void>) => void): Promise<DocRoom> {
    const { store, pubsub, log, metrics, limits } = this.options
    const startedAt = performance.now()
    let loaded: DocRoom | null = null
    const early: PubSubMessage[] = []
    const { remoteThreads } = this.options
    onSubscribed(
      await pubsub.subscribe(docId, (message) => {
        if (message.kind === PubSubMessageKind.Threads) remoteThreads?.(docId, message)
        else if (loaded) loaded.receiveRemote(message)
        else early.push(message)
      }),
    )
    const room = await DocRoom.load(docId, {
      store,
      pubsub,
      log,
      metrics,
      limits,
      requestCompaction: (r) => this.scheduleCompaction(r),
      onBroken: (r) =>
        void this.evict(r.docId, CloseCode.TryAgainLater, closeReason(ErrorCode.StorageFailure, 'reconnect')),
    })
    loaded = room
    for (const message of early.splice(0)) room.receiveRemote(message)
    this.options.hooks?.loaded(room)
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
    await this.destroy(room, entry)
    this.options.log.debug({ docId }, 'document unloaded')
  }

  private async destroy(room: DocRoom, entry: Entry): Promise<void> {
    await this.options.hooks
      ?.unloading(room)
      .catch((error: unknown) => this.options.log.error({ docId: room.docId, err: error }, 'unload hook failed'))
    this.options.metrics.openDocuments.dec()
    this.options.metrics.logTailRows.dec(room.logTail.rows)
    room.destroy()
    await entry.unsubscribe?.().catch((error: unknown) => this.options.log.warn({ err: error }, 'unsubscribe failed'))
  }

  private async catchUpAll(): Promise<void> {
    const { log } = this.options
    log.info({ rooms: this.entries.size }, 'pub/sub reconnected: catching up from storage')
    for (const [docId, entry] of this.entries) {
      const room = await entry.room.catch(() => null)
      await room?.catchUp().catch((error: unknown) => log.error({ docId, err: error }, 'catch-up failed'))
    }
  }

  /** Compactions run one at a time, after the current event-loop turn: never on the message path. */
  private scheduleCompaction(room: DocRoom): void {
    const { store, log, metrics } = this.options
    this.compactionQueue = this.compactionQueue.then(async () => {
      await new Promise((resolve) => setImmediate(resolve))
      if (room.isBroken) return
      try {
        const result = await compactDocument(store, room.docId, this.options.mergeEntries)
        if (result) {
          room.compacted(result.mergedRows, result.mergedBytes, result.snapshotBytes)
          metrics.compactions.inc({ result: 'ok' })
          log.info({ docId: room.docId, ...result }, 'log compacted')
        } else {
          // Nothing to merge (another instance compacted first): allow the next request.
          room.compacted(0, 0)
        }
      } catch (error) {
        metrics.compactions.inc({ result: 'failed' })
        log.error({ docId: room.docId, err: error }, 'compaction failed; log left as it was')
        room.compacted(0, 0)
      }
    })
  }
}
