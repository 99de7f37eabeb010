import * as Y from 'yjs'
import { ErrorCode } from '../../shared/errors.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import { SyncMessageType } from '../../shared/protocol/message-type.js'
import type { Metrics } from '../metrics.js'
import type { PubSub } from '../pubsub/pubsub.js'
import type { DocStore, Seq, StoredDoc } from '../storage/doc-store.js'
import type { Connection } from './connection.js'
import { deferred, type Deferred } from './deferred.js'
import { ackFrame, syncFrame } from '../../shared/protocol/frames.js'
import { RemoteOrigin } from './origins.js'
import { RemoteLedger, type LedgerRoom } from './remote-ledger.js'

/** What persistence needs from its room (besides what the ledger needs). */
export interface PersistedRoom extends LedgerRoom {
  /** How many clients the room has (large rooms batch over longer windows). */
  readonly connectionCount: number
  /** Sends one encoded frame to every client but `except`; returns how many received it. */
  broadcast(frame: Uint8Array, except: unknown): number
  /** True while `connection` is one of the room's clients (acknowledgements go only to those). */
  hasClient(connection: Connection): boolean
  /** Closes every client with `code`; they reconnect or stop according to it. */
  closeAll(code: CloseCode, reason: string): void
}

/** The room's collaborators persistence uses; `Room` is the room type the callbacks receive. */
export interface PersistenceDeps<Room> {
  /** Where the room's updates are appended. */
  store: DocStore
  /** Where pending and committed notices go to other instances. */
  pubsub: PubSub
  /** Persist timings, log rows, failures, updates sent. */
  metrics: Metrics
  /** The log tail's compaction thresholds. */
  limits: { compactAfterRows: number; compactAfterBytes: number }
  /** Called (once per threshold crossing) when the log has grown enough to be worth compacting. */
  requestCompaction: (room: Room) => void
  /** Called after a commit failed: the room's memory is ahead of storage and must be dropped. */
  onBroken: (room: Room) => void
}

/** A client's acknowledgement progress, kept by the room. */
export interface AckProgress {
  /** Highest count already acknowledged to the client. */
  acked: number
}

/**
 * The updates applied during one event-loop turn, sent and stored together when the turn ends: a
 * busy room then costs one frame per recipient and one row per turn instead of one per update.
 */
interface UpdateBatch {
  updates: Uint8Array[]
  origins: unknown[]
  /** Updates made on this instance (not received from another one): these are stored and published. */
  local: Uint8Array[]
  /** Settles when `local` is committed; acknowledgements wait for it. */
  durable: Deferred | null
}

/** Rooms with at least this many clients batch their updates over windows of LARGE_ROOM_BATCH_MS. */
const LARGE_ROOM_CLIENTS = 100
const LARGE_ROOM_BATCH_MS = 10

/**
 * Everything between a room's applied updates and storage: the turn's batch, broadcast as one frame
 * and appended as one row; the log's growth and the compaction it triggers; acknowledgements, sent
 * only once what a frame changed is committed; and a failed commit, which closes the room.
 */
export class RoomPersistence<Room extends PersistedRoom> {
  /** Made on first use: a single instance never has one, and an idle room should cost little memory. */
  private remote: RemoteLedger | null = null
  /** The most recent append; appends commit in order, so this settling means all earlier ones did. */
  private lastAppend: Promise<unknown> = Promise.resolve()
  private tailRows: number
  private tailBytes: number
  /** Approximate stored size (snapshot plus tail), for the document size budget. */
  private storedSize: number
  private isCompactionRequested = false
  private batch: UpdateBatch | null = null
  private batchTimer: NodeJS.Immediate | null = null
  private batchDelay: NodeJS.Timeout | null = null
  private lastFlushAt = Number.NEGATIVE_INFINITY
  private isStopped = false

  constructor(
    private readonly room: Room,
    private readonly deps: PersistenceDeps<Room>,
    stored: StoredDoc,
  ) {
    this.tailRows = stored.entries.filter((e) => !e.isSnapshot).length
    this.tailBytes = stored.tailBytes
    this.storedSize = stored.entries.reduce((sum, e) => sum + e.update.byteLength, 0)
  }

  /** Both sides of the cross-instance commit protocol; acknowledgements wait for it too. */
  get ledger(): RemoteLedger {
    return (this.remote ??= new RemoteLedger(this.room, this.deps.pubsub, this))
  }

  /** True once a commit failed or the room was destroyed: nothing more is stored. */
  get isClosed(): boolean {
    return this.isStopped
  }

  /** Approximate stored size of the document (snapshot plus log), for its size budget. */
  get storedBytes(): number {
    return this.storedSize
  }

  /** Rows and bytes appended since the last compaction (for metrics and thresholds). */
  get logTail(): { rows: number; bytes: number } {
    return { rows: this.tailRows, bytes: this.tailBytes }
  }

  /** Takes one applied update (not one loaded from storage) into this turn's batch. */
  record(update: Uint8Array, origin: unknown): void {
    let batch = this.batch
    if (!batch) {
      batch = this.batch = { updates: [], origins: [], local: [], durable: null }
      this.scheduleFlush()
    }
    batch.updates.push(update)
    batch.origins.push(origin)
    if (this.isStopped || origin === RemoteOrigin) return
    batch.local.push(update)
    if (!batch.durable) {
      batch.durable = deferred()
      // Set now, synchronously: the frame being handled is acknowledged when this batch commits.
      this.lastAppend = batch.durable.promise
    }
  }

  /**
   * Acknowledges `count` frames to `connection` once they are durable. If the last frame changed
   * the document, `lastAppend` is its own append; if it was already known, `lastAppend` covers
   * whatever made it known (or the ledger does, for another instance's pending update).
   */
  acknowledgeWhenDurable(connection: Connection, progress: AckProgress, count: number): void {
    const remote = this.remote
    const durable = remote?.hasPending ? Promise.all([this.lastAppend, remote.durable()]) : this.lastAppend
    durable.then(
      () => {
        if (count <= progress.acked || !this.room.hasClient(connection)) return
        progress.acked = count
        connection.send(ackFrame(count))
      },
      () => undefined, // the failure is handled once, in fail()
    )
  }

  /** Resolves when every update applied so far is committed (or has failed). */
  async flush(): Promise<void> {
    this.flushBatch()
    await this.lastAppend.catch(() => undefined)
  }

  /**
   * Marks a compaction as finished, crediting the rows it merged. When it merged something and the
   * rows appended meanwhile already pass a threshold again, the next one is asked for at once rather
   * than on the next append, which may never come; one that merged nothing (superseded, failed)
   * waits for the next append, so a failing compaction cannot loop.
   */
  compacted(mergedRows: number, mergedBytes: number, snapshotBytes?: number): void {
    if (snapshotBytes !== undefined) this.storedSize = snapshotBytes + Math.max(0, this.tailBytes - mergedBytes)
    const creditedRows = Math.min(this.tailRows, mergedRows)
    this.tailRows -= creditedRows
    this.deps.metrics.logTailRows.dec(creditedRows)
    this.tailBytes = Math.max(0, this.tailBytes - mergedBytes)
    this.isCompactionRequested = false
    if (mergedRows > 0) this.requestCompactionIfDue()
  }

  /** Appends an update on another instance's behalf (see RemoteLedger); a failure closes the room. */
  appendUnconfirmed(update: Uint8Array): Promise<Seq> {
    const appended = this.deps.store.append(this.room.docId, update)
    appended.catch((error: unknown) => this.fail(error))
    return appended
  }

  /** Stops persisting: the batch not yet stored fails (its frames are never acknowledged). */
  close(): void {
    this.isStopped = true
    if (this.batchTimer) clearImmediate(this.batchTimer)
    if (this.batchDelay) clearTimeout(this.batchDelay)
    this.batch?.durable?.reject(new Error('document closed before its changes were saved'))
    this.batch = null
    this.remote?.clear()
  }

  /**
   * At the end of this turn; in a large room, no sooner than LARGE_ROOM_BATCH_MS after the previous
   * flush. Each flush costs one send per client, so a room of hundreds typing at once would spend
   * its CPU on sends; a quiet room's first update still goes out at once.
   */
  private scheduleFlush(): void {
    const waitMs =
      this.room.connectionCount >= LARGE_ROOM_CLIENTS ? this.lastFlushAt + LARGE_ROOM_BATCH_MS - performance.now() : 0
    if (waitMs <= 0) this.batchTimer = setImmediate(this.flushBatch)
    else this.batchDelay = setTimeout(this.flushBatch, waitMs)
  }

  /**
   * Sends the turn's updates as one merged frame and stores them as one row. The merge input is
   * what Yjs itself encoded from applied transactions, never raw client bytes (mergeUpdates is one
   * of the decoders crafted input can hang). When one client made every update it is skipped;
   * otherwise the senders get their own changes back too, which Yjs ignores — cheaper than one
   * merge per sender.
   */
  private readonly flushBatch = (): void => {
    const batch = this.batch
    if (!batch) return
    this.batch = null
    this.lastFlushAt = performance.now()
    if (this.batchTimer) clearImmediate(this.batchTimer)
    if (this.batchDelay) clearTimeout(this.batchDelay)
    this.batchTimer = null
    this.batchDelay = null
    const { updates, origins, local, durable } = batch
    const merged = mergeOrNull(updates)
    if (merged) {
      const single = origins.every((origin) => origin === origins[0]) ? origins[0] : undefined
      const recipients = this.room.broadcast(syncFrame(SyncMessageType.Update, merged), single)
      if (recipients > 0) this.deps.metrics.updatesOut.inc(recipients)
    } else {
      updates.forEach((update, i) => {
        const recipients = this.room.broadcast(syncFrame(SyncMessageType.Update, update), origins[i])
        if (recipients > 0) this.deps.metrics.updatesOut.inc(recipients)
      })
    }
    if (!durable) return
    if (this.isStopped) return durable.reject(new Error('document closed'))
    const stored = local.length === updates.length && merged ? merged : mergeOrNull(local)
    this.append(stored ? [stored] : local, durable)
  }

  /**
   * Announces to other instances (if any) at once and appends in order; once committed, confirms,
   * so they may acknowledge frames that repeat these updates. `durable` settles when the last one
   * committed.
   */
  private append(updates: Uint8Array[], durable: Deferred): void {
    const startedAt = performance.now()
    const ledger = this.deps.pubsub.kind === 'local' ? null : this.ledger
    let last: Promise<Seq> = Promise.resolve(0 as Seq)
    for (const update of updates) {
      const ref = ledger ? ledger.announce(update) : 0
      const appended = this.deps.store.append(this.room.docId, update)
      last = appended
      appended.then(
        (seq: Seq) => {
          ledger?.confirm(ref)
          this.onAppended(seq, update.byteLength, startedAt)
        },
        (error: unknown) => this.fail(error),
      )
    }
    last.then(
      () => durable.resolve(),
      (error: unknown) => durable.reject(error),
    )
  }

  private onAppended(seq: Seq, bytes: number, startedAt: number): void {
    this.deps.metrics.persistSeconds.observe((performance.now() - startedAt) / 1000)
    this.deps.metrics.logRows.inc()
    this.deps.metrics.logTailRows.inc()
    this.tailRows++
    this.tailBytes += bytes
    this.storedSize += bytes
    this.requestCompactionIfDue(seq)
  }

  /** Asks for a compaction (once per threshold crossing) when the log tail passes a threshold. */
  private requestCompactionIfDue(seq?: Seq): void {
    const { compactAfterRows, compactAfterBytes } = this.deps.limits
    if (
      !this.isCompactionRequested &&
      !this.isStopped &&
      (this.tailRows >= compactAfterRows || this.tailBytes >= compactAfterBytes)
    ) {
      this.isCompactionRequested = true
      this.room.log.debug({ seq, rows: this.tailRows, bytes: this.tailBytes }, 'compaction requested')
      this.deps.requestCompaction(this.room)
    }
  }

  /**
   * Memory is now ahead of storage. Dropping the room is the only honest move: clients keep their
   * unacknowledged updates and send them again when they reconnect to a freshly loaded room.
   */
  private fail(error: unknown): void {
    if (this.isStopped) return
    this.isStopped = true
    this.deps.metrics.persistFailures.inc()
    this.room.log.error({ err: error }, 'append failed; closing document so clients resend')
    this.room.closeAll(CloseCode.TryAgainLater, closeReason(ErrorCode.StorageFailure, 'could not save; reconnect'))
    this.deps.onBroken(this.room)
  }
}

/** One update for several (null when merging failed: then they go one by one, as before). */
function mergeOrNull(updates: Uint8Array[]): Uint8Array | null {
  if (updates.length === 1) return updates[0] ?? null
  try {
    return Y.mergeUpdates(updates)
  } catch {
    return null
  }
}
