import * as Y from 'yjs'
import { errorMessage } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { SyncMessageType } from '../../shared/protocol/message-type.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { DocStore, StoredDoc, StoredEntry } from '../storage/doc-store.js'
import type { Connection } from './connection.js'
import { syncFrame } from '../../shared/protocol/frames.js'
import { StorageOrigin } from './origins.js'
import { applyValidatedUpdate } from './update-guard.js'

/** What the document needs from its room. */
export interface DocumentRoom {
  readonly docId: DocId
  /** The room's logger (bound to its document). */
  readonly log: Logger
  /** True while `connection` is one of the room's clients. */
  hasClient(connection: Connection): boolean
}

/** Stored documents at least this large (one entry) are answered from storage while they load. */
export const DEFERRED_LOAD_MIN_BYTES = 64 * 1024
/** ...and built at the latest this long after loading, whether or not anyone asked. */
export const DEFERRED_LOAD_MAX_MS = 200

/**
 * A room's Y.Doc as loaded from storage, and the frames that hand it to joiners.
 *
 * A large document stored as one entry is not applied at load: the first joiners are answered from
 * the stored bytes (a full-state update is exactly the SyncStep2 an empty client needs), and the
 * Y.Doc is built right after, or at once when anything needs it. Applying ~1 MB takes a few hundred
 * ms; the joiner should not wait for it to see the document.
 */
export class RoomDocument {
  /** The document as it is now: empty while the load is deferred (`doc` builds it). */
  readonly ydoc = new Y.Doc()
  private deferred: { entry: StoredEntry; timer: NodeJS.Timeout } | null = null
  /** Joined while the load was deferred: they get the server's SyncStep1 once the doc is built. */
  private owedStep1: Connection[] | null = null
  /**
   * The SyncStep2 frame answering an empty state vector (a client with nothing yet), built once per
   * document version: a join storm of N clients then costs one encoding, not N.
   */
  private fullStateFrame: Uint8Array | null = null

  constructor(
    private readonly room: DocumentRoom,
    private readonly deps: { store: DocStore; metrics: Metrics },
  ) {}

  /**
   * Applies what storage holds, or defers a large single entry. An entry that cannot be applied is
   * quarantined and reported, and the rest still loads: one bad row must not make a document
   * unopenable or crash-loop the server.
   */
  async load(stored: StoredDoc): Promise<void> {
    const only = stored.entries.length === 1 ? stored.entries[0] : undefined
    if (only && only.update.byteLength >= DEFERRED_LOAD_MIN_BYTES) {
      this.deferred = { entry: only, timer: setTimeout(() => this.build(), DEFERRED_LOAD_MAX_MS) }
      this.deferred.timer.unref()
      return
    }
    await this.applyStored(stored, StorageOrigin)
  }

  /** The document, built from storage first if its load was deferred. */
  get doc(): Y.Doc {
    if (this.deferred) this.build()
    return this.ydoc
  }

  /** Applies stored entries with `origin`, quarantining those that cannot be applied. */
  async applyStored(stored: StoredDoc, origin: symbol): Promise<void> {
    for (const entry of stored.entries) {
      try {
        applyValidatedUpdate(this.doc, entry.update, origin)
      } catch (error) {
        await this.quarantine(entry, error)
      }
    }
  }

  /** Sends a joiner the server's SyncStep1, or owes it until the document is built. */
  greet(connection: Connection): void {
    if (this.deferred) (this.owedStep1 ??= []).push(connection)
    else connection.send(syncFrame(SyncMessageType.Step1, Y.encodeStateVector(this.ydoc)))
  }

  /** The SyncStep2 for a client that has nothing yet (from the stored bytes while the load is deferred). */
  fullState(): Uint8Array {
    const deferred = this.deferred
    this.fullStateFrame ??= syncFrame(
      SyncMessageType.Step2,
      deferred ? deferred.entry.update : Y.encodeStateAsUpdate(this.ydoc),
    )
    // The joiner has its document; build ours before its first reply arrives.
    if (deferred) setImmediate(() => this.build())
    return this.fullStateFrame
  }

  /** Called on every change: the cached full-state frame is out of date. */
  changed(): void {
    this.fullStateFrame = null
  }

  /** Stops a deferred build (the room is going away). */
  destroy(): void {
    if (this.deferred) clearTimeout(this.deferred.timer)
    this.deferred = null
    this.owedStep1 = null
  }

  /**
   * Applies the deferred stored entry. It was applied once already, before it was stored, so a
   * failure here means damage on disk: quarantined as in `applyStored`, the room stays usable.
   */
  private build(): void {
    const deferred = this.deferred
    if (!deferred) return
    this.deferred = null
    clearTimeout(deferred.timer)
    const { entry } = deferred
    // The frame served meanwhile is the stored bytes: kept only if they apply (a damaged entry is
    // quarantined below and must not be served to later joiners).
    const frame = this.fullStateFrame
    this.fullStateFrame = null
    try {
      applyValidatedUpdate(this.ydoc, entry.update, StorageOrigin)
      // The stored entry is the whole document until the next change: later joiners reuse it.
      this.fullStateFrame = frame
    } catch (error) {
      this.quarantine(entry, error).catch((err: unknown) => this.room.log.error({ err }, 'quarantine failed'))
    }
    const owed = this.owedStep1
    this.owedStep1 = null
    if (!owed) return
    const step1 = syncFrame(SyncMessageType.Step1, Y.encodeStateVector(this.ydoc))
    for (const connection of owed) if (this.room.hasClient(connection)) connection.send(step1)
  }

  /** Sets a stored entry that cannot be applied aside, and reports it. */
  private async quarantine(entry: StoredEntry, error: unknown): Promise<void> {
    const reason = errorMessage(error)
    this.room.log.error({ seq: entry.seq, reason, isSnapshot: entry.isSnapshot }, 'stored update quarantined')
    this.deps.metrics.quarantinedUpdates.inc()
    await this.deps.store.quarantine(this.room.docId, entry.seq, reason)
  }
}
