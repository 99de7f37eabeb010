import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import { SLOW_APPLY_MS } from '../../shared/limits.js'
import { MessageType, SyncMessageType } from '../../shared/protocol/message-type.js'
import { OPEN_PRINCIPAL, type Principal } from '../auth/authenticator.js'
import { Role } from '../auth/tokens.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { PubSubMessageKind, type PubSub, type PubSubMessage } from '../pubsub/pubsub.js'
import type { DocStore, Seq, StoredDoc, StoredEntry } from '../storage/doc-store.js'
import type { Connection } from './connection.js'
import { ackFrame, awarenessFrame, syncFrame } from '../../shared/protocol/frames.js'
import { LocalOrigin, RemoteOrigin, StorageOrigin } from './origins.js'
import { guardAwarenessUpdate, type AwarenessPin } from './awareness-guard.js'
import { TokenBucket } from './token-bucket.js'
import { applyValidatedUpdate } from './update-guard.js'

export interface RoomLimits {
  /** Largest frame accepted, except a connection's first SyncStep2. */
  maxFrameBytes: number
  /** Largest first SyncStep2 (everything a client made offline). */
  maxInitialSyncBytes: number
  /** Largest awareness state (one user's cursor, name, colour) in bytes of JSON. */
  maxAwarenessStateBytes: number
  /** Documents may not grow beyond this many stored bytes (approximate: snapshot plus log). */
  maxDocumentBytes: number
  /** Apply-time budget per connection: burst and sustained (ms per second). */
  applyBudgetBurstMs: number
  applyBudgetMsPerSecond: number
  /** Compact once the log tail holds this many rows... */
  compactAfterRows: number
  /** ...or this many bytes. */
  compactAfterBytes: number
}

export interface RoomDeps {
  store: DocStore
  pubsub: PubSub
  log: Logger
  metrics: Metrics
  limits: RoomLimits
  /** Called (once per threshold crossing) when the log has grown enough to be worth compacting. */
  requestCompaction: (room: DocRoom) => void
  /** Called after a commit failed: the room's memory is ahead of storage and must be dropped. */
  onBroken: (room: DocRoom) => void
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

interface Deferred {
  promise: Promise<void>
  resolve: () => void
  reject: (error: unknown) => void
}

function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Failures are handled once, in onAppendFailed; waiting acknowledgements just never happen.
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}

interface ClientState {
  principal: Principal
  /**
   * The one awareness client id this connection may speak for (awareness-guard.ts drops entries
   * for any other), so also the only one to remove for everyone when it leaves.
   */
  awarenessPin: AwarenessPin
  /** Update-bearing frames (SyncStep2 or Update) received so far. */
  updateFrames: number
  /** CPU time spent applying this client's updates, as a bucket: empty means cut off. */
  applyBudget: TokenBucket
  /** Highest count already acknowledged to the client. */
  acked: number
  hasSentStep2: boolean
}

/**
 * One open document: its Y.Doc, its Awareness and the clients editing it. Knows nothing about
 * transports; a binding hands it a Connection and the frames that arrive on it.
 *
 * Write path: validate, apply (origin = the connection), broadcast to the others, append to the
 * store; acknowledge to the sender only after the append committed.
 */
export class DocRoom {
  private readonly ydoc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.ydoc)
  private readonly clients = new Map<Connection, ClientState>()
  /** The most recent append; appends commit in order, so this settling means all earlier ones did. */
  private lastAppend: Promise<unknown> = Promise.resolve()
  private tailRows: number
  private tailBytes: number
  /** Approximate stored size (snapshot plus tail), for the document size budget. */
  private storedBytes: number
  private isCompactionRequested = false
  /**
   * The SyncStep2 frame answering an empty state vector (a client with nothing yet), built once per
   * document version: a join storm of N clients then costs one encoding, not N.
   */
  private fullStateFrame: Uint8Array | null = null
  private batch: UpdateBatch | null = null
  /** Updates other instances applied and published before committing, by their ref. */
  private readonly remotePending = new Map<number, { update: Uint8Array; durable: Deferred; timer: NodeJS.Timeout }>()
  /** remoteDurable()'s promise over the pending set; null when an entry was added since. */
  private remoteDurableAll: Promise<unknown> | null = null
  private isCatchUpScheduled = false
  /** Refs of this room's pending publishes: a random base per room, counting up. */
  private nextRef = Math.floor(Math.random() * 2 ** 31) * 2 ** 20
  private batchTimer: NodeJS.Immediate | null = null
  private batchDelay: NodeJS.Timeout | null = null
  private lastFlushAt = Number.NEGATIVE_INFINITY
  private isClosed = false
  private childLog: Logger | null = null
  /** Bound once: a labelled lookup per presence frame would show in profiles. */
  private readonly awarenessIn
  private readonly awarenessOut
  /**
   * A large document stored as one entry is not applied at load: the first joiners are answered
   * from the stored bytes (a full-state update is exactly the SyncStep2 an empty client needs), and
   * the Y.Doc is built right after, or at once when anything needs it. Applying ~1 MB takes a few
   * hundred ms; the joiner should not wait for it to see the document.
   */
  private deferred: { entry: StoredEntry; timer: NodeJS.Timeout } | null = null
  /** Joined while the load was deferred: they get the server's SyncStep1 once the doc is built. */
  private owedStep1: Connection[] = []

  private constructor(
    readonly docId: DocId,
    private readonly deps: RoomDeps,
    stored: StoredDoc,
  ) {
    this.tailRows = stored.entries.filter((e) => !e.isSnapshot).length
    this.tailBytes = stored.tailBytes
    this.storedBytes = stored.entries.reduce((sum, e) => sum + e.update.byteLength, 0)
    this.awarenessIn = deps.metrics.awarenessFrames.labels('in')
    this.awarenessOut = deps.metrics.awarenessFrames.labels('out')
    // The server is not a participant; y-websocket's server does the same.
    this.awareness.setLocalState(null)
    this.ydoc.on('update', this.onDocUpdate)
    this.awareness.on('update', this.onAwarenessUpdate)
  }

  /**
   * Loads a document from storage (the caller has already subscribed to pub/sub). An entry that cannot be applied is quarantined and reported,
   * and the rest of the document still loads: one bad row must not make a document unopenable or
   * crash-loop the server.
   */
  static async load(docId: DocId, deps: RoomDeps): Promise<DocRoom> {
    const stored = await deps.store.load(docId)
    const room = new DocRoom(docId, deps, stored)
    const only = stored.entries.length === 1 ? stored.entries[0] : undefined
    if (only && only.update.byteLength >= DEFERRED_LOAD_MIN_BYTES) {
      room.deferred = { entry: only, timer: setTimeout(() => room.materialize(), DEFERRED_LOAD_MAX_MS) }
      room.deferred.timer.unref()
      return room
    }
    await room.applyStored(stored, StorageOrigin)
    return room
  }

  /** The document, built from storage first if its load was deferred. */
  get doc(): Y.Doc {
    if (this.deferred) this.materialize()
    return this.ydoc
  }

  /** Watches changes without forcing a deferred load (version history attaches at room load). */
  onUpdate(listener: (update: Uint8Array, origin: unknown) => void): void {
    this.ydoc.on('update', listener)
  }

  offUpdate(listener: (update: Uint8Array, origin: unknown) => void): void {
    this.ydoc.off('update', listener)
  }

  /**
   * Applies the deferred stored entry. It was applied once already, before it was stored, so a
   * failure here means damage on disk: quarantined as in `applyStored`, the room stays usable.
   */
  private materialize(): void {
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
      this.quarantine(entry, error).catch((err: unknown) => this.log.error({ err }, 'quarantine failed'))
    }
    const owed = this.owedStep1
    this.owedStep1 = []
    if (owed.length === 0) return
    const step1 = syncFrame(SyncMessageType.Step1, Y.encodeStateVector(this.ydoc))
    for (const connection of owed) if (this.clients.has(connection)) connection.send(step1)
  }

  private async applyStored(stored: StoredDoc, origin: symbol): Promise<void> {
    for (const entry of stored.entries) {
      try {
        applyValidatedUpdate(this.doc, entry.update, origin)
      } catch (error) {
        await this.quarantine(entry, error)
      }
    }
  }

  /** Sets a stored entry that cannot be applied aside, and reports it. */
  private async quarantine(entry: StoredEntry, error: unknown): Promise<void> {
    const reason = errorMessage(error)
    this.log.error({ seq: entry.seq, reason, isSnapshot: entry.isSnapshot }, 'stored update quarantined')
    this.deps.metrics.quarantinedUpdates.inc()
    await this.deps.store.quarantine(this.docId, entry.seq, reason)
  }

  /**
   * Applies a message from another instance; local clients get it, but it is neither stored again
   * nor re-published. A pending update is applied at once and remembered until its publisher says
   * it committed: until then this instance does not acknowledge client frames (one might merely
   * repeat it). If the word never comes (the publisher died before its commit), this instance
   * stores the update itself: a duplicate in the log is harmless, a lost edit is not.
   */
  receiveRemote(message: PubSubMessage): void {
    if (this.isClosed) return
    try {
      switch (message.kind) {
        case PubSubMessageKind.Update: // from instances of the earlier release, during a rolling upgrade
          return applyValidatedUpdate(this.doc, message.payload, RemoteOrigin)
        case PubSubMessageKind.Pending:
          return this.receivePending(message.payload)
        case PubSubMessageKind.Committed:
          return this.receiveCommitted(message.payload)
        case PubSubMessageKind.Awareness:
          return awarenessProtocol.applyAwarenessUpdate(this.awareness, message.payload, RemoteOrigin)
      }
    } catch (error) {
      this.log.error({ err: error, kind: message.kind }, 'pub/sub message rejected')
    }
  }

  private receivePending(payload: Uint8Array): void {
    const decoder = decoding.createDecoder(payload)
    const ref = decoding.readVarUint(decoder)
    const update = decoding.readVarUint8Array(decoder)
    applyValidatedUpdate(this.doc, update, RemoteOrigin)
    const durable = deferred()
    const timer = setTimeout(() => this.storeUnconfirmed(ref), REMOTE_CONFIRM_TIMEOUT_MS)
    timer.unref()
    this.remotePending.set(ref, { update, durable, timer })
    this.remoteDurableAll = null
  }

  private receiveCommitted(payload: Uint8Array): void {
    const decoder = decoding.createDecoder(payload)
    const count = decoding.readVarUint(decoder)
    for (let i = 0; i < count; i++) {
      const ref = decoding.readVarUint(decoder)
      const pending = this.remotePending.get(ref)
      if (!pending) {
        this.catchUpForMissedPending()
        continue
      }
      this.remotePending.delete(ref)
      clearTimeout(pending.timer)
      pending.durable.resolve()
    }
  }

  private storeUnconfirmed(ref: number): void {
    const pending = this.remotePending.get(ref)
    if (!pending || this.isClosed) return
    this.log.warn({ ref }, 'a remote update was never confirmed as committed; storing it here')
    this.deps.store.append(this.docId, pending.update).then(
      () => {
        this.remotePending.delete(ref)
        pending.durable.resolve()
      },
      (error: unknown) => {
        pending.durable.reject(error)
        this.onAppendFailed(error)
      },
    )
  }

  /**
   * A commit notice for an update this room never saw: its pending message went out before this
   * room subscribed (or resubscribed after a Redis outage) and it committed after the room read
   * storage, so neither path delivered it. It is in storage now: read it back (once per burst).
   */
  private catchUpForMissedPending(): void {
    if (this.isCatchUpScheduled || this.isClosed) return
    this.isCatchUpScheduled = true
    setImmediate(() => {
      this.isCatchUpScheduled = false
      this.catchUp().catch((error: unknown) => this.log.error({ err: error }, 'catch-up failed'))
    })
  }

  /**
   * Settles when every remote update applied so far is committed somewhere. Built once per change
   * of the pending set, not once per acknowledged frame; entries that settle may stay in it.
   */
  private remoteDurable(): Promise<unknown> {
    this.remoteDurableAll ??= Promise.all([...this.remotePending.values()].map((pending) => pending.durable.promise))
    return this.remoteDurableAll
  }

  /** After a pub/sub gap: whatever other instances committed meanwhile is read back from storage. */
  async catchUp(): Promise<void> {
    if (this.isClosed) return
    await this.applyStored(await this.deps.store.load(this.docId), RemoteOrigin)
  }

  get connectionCount(): number {
    return this.clients.size
  }

  get isBroken(): boolean {
    return this.isClosed
  }

  /** Rows and bytes appended since the last compaction (for metrics and thresholds). */
  get logTail(): { rows: number; bytes: number } {
    return { rows: this.tailRows, bytes: this.tailBytes }
  }

  /** Made on first use: most rooms never log, and an idle room should cost little memory. */
  private get log(): Logger {
    return (this.childLog ??= this.deps.log.child({ docId: this.docId }))
  }

  /** Adds a client with what it may do; without auth everyone may edit. */
  join(connection: Connection, principal: Principal = OPEN_PRINCIPAL): void {
    if (this.isClosed) {
      connection.close(CloseCode.TryAgainLater, closeReason(ErrorCode.StorageFailure, 'document is reloading'))
      return
    }
    this.clients.set(connection, {
      principal,
      awarenessPin: { clientId: null },
      applyBudget: new TokenBucket(this.deps.limits.applyBudgetBurstMs, this.deps.limits.applyBudgetMsPerSecond),
      updateFrames: 0,
      acked: 0,
      hasSentStep2: false,
    })
    if (this.deferred) this.owedStep1.push(connection)
    else connection.send(syncFrame(SyncMessageType.Step1, Y.encodeStateVector(this.ydoc)))
    const states = this.awareness.getStates()
    if (states.size > 0) {
      connection.send(awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()])))
    }
  }

  /** A name for whoever made a change with `origin`, for version history. */
  authorOf(origin: unknown): string {
    if (origin === LocalOrigin) return 'Tandem'
    const state = this.clients.get(origin as Connection)
    if (!state) return 'Unknown'
    if (state.principal.name) return state.principal.name
    const pinned = state.awarenessPin.clientId
    const user: unknown = pinned === null ? undefined : this.awareness.getStates().get(pinned)?.user
    const name = user !== null && typeof user === 'object' ? (user as { name?: unknown }).name : undefined
    return typeof name === 'string' && name.trim() ? name.trim().slice(0, 100) : 'Anonymous'
  }

  /** A refreshed token may change the role (for example an edit link downgraded to view). */
  setPrincipal(connection: Connection, principal: Principal): void {
    const state = this.clients.get(connection)
    if (state) state.principal = principal
  }

  leave(connection: Connection): void {
    const state = this.clients.get(connection)
    if (!state) return
    this.clients.delete(connection)
    // Peers see the cursor vanish now, not after the 30 s awareness timeout.
    const id = state.awarenessPin.clientId
    if (id !== null && this.awareness.getStates().has(id)) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [id], null)
    }
  }

  /**
   * Handles one frame from `connection`. Throws SyncError for input the connection must be closed
   * for; the binding that owns the socket translates it into a close code.
   */
  receive(connection: Connection, frame: Uint8Array): void {
    const state = this.clients.get(connection)
    if (!state) return
    const decoder = decoding.createDecoder(frame)
    const messageType = readVarUint(decoder)
    switch (messageType) {
      case MessageType.Sync:
        return this.receiveSync(connection, state, decoder, frame.byteLength)
      case MessageType.Awareness:
        return this.receiveAwareness(connection, state, decoder, frame.byteLength)
      case MessageType.QueryAwareness:
        this.checkFrameSize(frame.byteLength, this.deps.limits.maxFrameBytes)
        connection.send(
          awarenessFrame(
            awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]),
          ),
        )
        return
      default:
        throw new SyncError(ErrorCode.UnknownMessageType, `message type ${messageType} is not accepted from clients`)
    }
  }

  /** Resolves when every update applied so far is committed (or has failed). */
  async flush(): Promise<void> {
    this.flushBatch()
    await this.lastAppend.catch(() => undefined)
  }

  /** Closes every client (they reconnect or stop according to `code`) and stops persisting. */
  closeAll(code: CloseCode, reason: string): void {
    for (const connection of [...this.clients.keys()]) {
      this.leave(connection)
      connection.close(code, reason)
    }
  }

  /** Marks a compaction as finished, crediting the rows it merged. */
  compacted(mergedRows: number, mergedBytes: number, snapshotBytes?: number): void {
    if (snapshotBytes !== undefined) this.storedBytes = snapshotBytes + Math.max(0, this.tailBytes - mergedBytes)
    const creditedRows = Math.min(this.tailRows, mergedRows)
    this.tailRows -= creditedRows
    this.deps.metrics.logTailRows.dec(creditedRows)
    this.tailBytes = Math.max(0, this.tailBytes - mergedBytes)
    this.isCompactionRequested = false
  }

  destroy(): void {
    this.isClosed = true
    if (this.batchTimer) clearImmediate(this.batchTimer)
    if (this.batchDelay) clearTimeout(this.batchDelay)
    this.batch?.durable?.reject(new Error('document closed before its changes were saved'))
    this.batch = null
    if (this.deferred) clearTimeout(this.deferred.timer)
    this.deferred = null
    for (const pending of this.remotePending.values()) clearTimeout(pending.timer)
    this.remotePending.clear()
    this.remoteDurableAll = null
    this.owedStep1 = []
    this.ydoc.off('update', this.onDocUpdate)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.awareness.destroy()
    this.ydoc.destroy()
  }

  private receiveSync(connection: Connection, state: ClientState, decoder: decoding.Decoder, frameBytes: number): void {
    const syncType = readVarUint(decoder)
    switch (syncType) {
      case SyncMessageType.Step1: {
        this.checkFrameSize(frameBytes, this.deps.limits.maxFrameBytes)
        const stateVector = readVarUint8Array(decoder)
        if (isEmptyStateVector(stateVector)) {
          const deferred = this.deferred
          this.fullStateFrame ??= syncFrame(
            SyncMessageType.Step2,
            deferred ? deferred.entry.update : Y.encodeStateAsUpdate(this.doc),
          )
          connection.send(this.fullStateFrame)
          // The joiner has its document; build ours before its first reply arrives.
          if (deferred) setImmediate(() => this.materialize())
          return
        }
        let diff: Uint8Array
        try {
          diff = Y.encodeStateAsUpdate(this.doc, stateVector)
        } catch {
          throw new SyncError(ErrorCode.MalformedFrame, 'SyncStep1 carries an invalid state vector')
        }
        connection.send(syncFrame(SyncMessageType.Step2, diff))
        return
      }
      case SyncMessageType.Step2:
      case SyncMessageType.Update: {
        const isFirstStep2 = syncType === SyncMessageType.Step2 && !state.hasSentStep2
        const { maxFrameBytes, maxInitialSyncBytes } = this.deps.limits
        this.checkFrameSize(frameBytes, isFirstStep2 ? maxInitialSyncBytes : maxFrameBytes)
        if (syncType === SyncMessageType.Step2) state.hasSentStep2 = true
        const update = readVarUint8Array(decoder)
        this.deps.metrics.updatesIn.inc()
        if (state.principal.role !== Role.Edit) {
          // Viewers legitimately send a SyncStep2 on connect; one that adds nothing is harmless.
          if (!this.containsUpdate(update)) return this.denyWrite(connection)
        } else {
          if (this.storedBytes > this.deps.limits.maxDocumentBytes) {
            throw new SyncError(
              ErrorCode.DocumentTooLarge,
              `document is over its ${this.deps.limits.maxDocumentBytes}-byte budget; no more changes accepted`,
            )
          }
          this.applyMeasured(connection, state, update, isFirstStep2)
        }
        state.updateFrames++
        if (connection.wantsAcks) this.acknowledgeWhenDurable(connection, state, state.updateFrames)
        return
      }
      default:
        throw new SyncError(ErrorCode.MalformedFrame, `unknown sync message type ${syncType}`)
    }
  }

  private receiveAwareness(
    connection: Connection,
    state: ClientState,
    decoder: decoding.Decoder,
    frameBytes: number,
  ): void {
    this.checkFrameSize(frameBytes, this.deps.limits.maxFrameBytes)
    this.awarenessIn.inc()
    const update = readVarUint8Array(decoder)
    try {
      const guarded = guardAwarenessUpdate(
        update,
        state.awarenessPin,
        state.principal,
        this.deps.limits.maxAwarenessStateBytes,
      )
      if (guarded) awarenessProtocol.applyAwarenessUpdate(this.awareness, guarded, connection)
    } catch (error) {
      if (error instanceof SyncError) throw error
      throw new SyncError(ErrorCode.MalformedFrame, `awareness update could not be decoded: ${errorMessage(error)}`)
    }
  }

  /**
   * A connection's first SyncStep2 is exempt from the cut-off (it is still size-limited and
   * charged): it carries a whole offline session or a large document, once per connection, and
   * refusing it would refuse a real user's work.
   */
  private applyMeasured(connection: Connection, state: ClientState, update: Uint8Array, isFirstStep2: boolean): void {
    const startedAt = performance.now()
    let failure: unknown = null
    try {
      applyValidatedUpdate(this.doc, update, connection)
    } catch (error) {
      failure = error
    }
    const elapsedMs = performance.now() - startedAt
    if (elapsedMs > SLOW_APPLY_MS) {
      this.log.warn({ connectionId: connection.id, ms: Math.round(elapsedMs), bytes: update.byteLength }, 'slow update')
    }
    // Charged whether or not the update applied: rejected garbage costs CPU too.
    if (!state.applyBudget.take(elapsedMs) && !isFirstStep2) {
      throw new SyncError(ErrorCode.RateLimited, 'updates are too expensive to apply; slow down')
    }
    if (failure) throw failure
  }

  /** True when applying `update` would change nothing (a viewer's catch-up SyncStep2). */
  private containsUpdate(update: Uint8Array): boolean {
    try {
      return Y.snapshotContainsUpdate(Y.snapshot(this.doc), update)
    } catch {
      throw new SyncError(ErrorCode.MalformedUpdate, 'update could not be decoded')
    }
  }

  /**
   * Refuses a viewer's change without closing: y-websocket's permission-denied message (type 2),
   * which stock clients report and Tandem's client shows as "view only". The change is not applied,
   * not stored, not acknowledged.
   */
  private denyWrite(connection: Connection): void {
    this.deps.metrics.rejectedFrames.inc({ code: ErrorCode.ReadOnly })
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Auth)
    encoding.writeVarUint(encoder, AUTH_PERMISSION_DENIED)
    encoding.writeVarString(encoder, `${ErrorCode.ReadOnly}: this link is view-only; changes are not saved`)
    connection.send(encoding.toUint8Array(encoder))
  }

  /**
   * If the frame changed the document, `lastAppend` is its own append; if it was already known,
   * `lastAppend` covers whatever made it known. Either way the frame is durable once it settles.
   */
  private acknowledgeWhenDurable(connection: Connection, state: ClientState, count: number): void {
    const durable =
      this.remotePending.size === 0 ? this.lastAppend : Promise.all([this.lastAppend, this.remoteDurable()])
    durable.then(
      () => {
        if (count <= state.acked || !this.clients.has(connection)) return
        state.acked = count
        connection.send(ackFrame(count))
      },
      () => undefined, // the failure is handled once, in onAppendFailed
    )
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.fullStateFrame = null
    if (origin === StorageOrigin) return
    let batch = this.batch
    if (!batch) {
      batch = this.batch = { updates: [], origins: [], local: [], durable: null }
      this.scheduleFlush()
    }
    batch.updates.push(update)
    batch.origins.push(origin)
    if (this.isClosed || origin === RemoteOrigin) return
    batch.local.push(update)
    if (!batch.durable) {
      batch.durable = deferred()
      // Set now, synchronously: the frame being handled is acknowledged when this batch commits.
      this.lastAppend = batch.durable.promise
    }
  }

  /**
   * At the end of this turn; in a large room, no sooner than LARGE_ROOM_BATCH_MS after the previous
   * flush. Each flush costs one send per client, so a room of hundreds typing at once would spend
   * its CPU on sends; a quiet room's first update still goes out at once.
   */
  private scheduleFlush(): void {
    const waitMs =
      this.clients.size >= LARGE_ROOM_CLIENTS ? this.lastFlushAt + LARGE_ROOM_BATCH_MS - performance.now() : 0
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
      const recipients = this.broadcast(syncFrame(SyncMessageType.Update, merged), single)
      if (recipients > 0) this.deps.metrics.updatesOut.inc(recipients)
    } else {
      updates.forEach((update, i) => {
        const recipients = this.broadcast(syncFrame(SyncMessageType.Update, update), origins[i])
        if (recipients > 0) this.deps.metrics.updatesOut.inc(recipients)
      })
    }
    if (!durable) return
    if (this.isClosed) return durable.reject(new Error('document closed'))
    const stored = local.length === updates.length && merged ? merged : mergeOrNull(local)
    this.append(stored ? [stored] : local, durable)
  }

  /**
   * Publishes to other instances at once (their clients should not wait for our disk) and appends
   * in order; once committed, says so, so they may acknowledge frames that repeat these updates.
   * `durable` settles when the last one committed.
   */
  private append(updates: Uint8Array[], durable: Deferred): void {
    const startedAt = performance.now()
    let last: Promise<Seq> = Promise.resolve(0 as Seq)
    const { pubsub } = this.deps
    const isShared = pubsub.kind !== 'local'
    for (const update of updates) {
      const ref = this.nextRef++
      if (isShared)
        pubsub.publish(this.docId, { kind: PubSubMessageKind.Pending, payload: pendingPayload(ref, update) })
      const appended = this.deps.store.append(this.docId, update)
      last = appended
      appended.then(
        (seq: Seq) => {
          if (isShared)
            pubsub.publish(this.docId, { kind: PubSubMessageKind.Committed, payload: committedPayload([ref]) })
          this.onAppended(seq, update.byteLength, startedAt)
        },
        (error: unknown) => this.onAppendFailed(error),
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
    this.storedBytes += bytes
    const { compactAfterRows, compactAfterBytes } = this.deps.limits
    if (
      !this.isCompactionRequested &&
      !this.isClosed &&
      (this.tailRows >= compactAfterRows || this.tailBytes >= compactAfterBytes)
    ) {
      this.isCompactionRequested = true
      this.log.debug({ seq, rows: this.tailRows, bytes: this.tailBytes }, 'compaction requested')
      this.deps.requestCompaction(this)
    }
  }

  /**
   * Memory is now ahead of storage. Dropping the room is the only honest move: clients keep their
   * unacknowledged updates and send them again when they reconnect to a freshly loaded room.
   */
  private onAppendFailed(error: unknown): void {
    if (this.isClosed) return
    this.isClosed = true
    this.deps.metrics.persistFailures.inc()
    this.log.error({ err: error }, 'append failed; closing document so clients resend')
    this.closeAll(CloseCode.TryAgainLater, closeReason(ErrorCode.StorageFailure, 'could not save; reconnect'))
    this.deps.onBroken(this)
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...added, ...updated, ...removed]
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)
    const recipients = this.broadcast(awarenessFrame(update), origin)
    if (recipients > 0) this.awarenessOut.inc(recipients)
    // Local changes (and removals of local clients, origin null) go to other instances;
    // expiries ('timeout') happen on every instance by itself.
    if ((origin === null || this.clients.has(origin as Connection)) && !this.isClosed) {
      this.deps.pubsub.publish(this.docId, { kind: PubSubMessageKind.Awareness, payload: update })
    }
  }

  /** Sends one encoded frame to every client but `except`; returns how many received it. */
  private broadcast(frame: Uint8Array, except: unknown): number {
    let recipients = 0
    for (const connection of this.clients.keys()) {
      if (connection === except) continue
      connection.send(frame)
      recipients++
    }
    return recipients
  }

  private checkFrameSize(bytes: number, limit: number): void {
    if (bytes > limit) throw new SyncError(ErrorCode.FrameTooLarge, `frame of ${bytes} bytes exceeds ${limit}`)
  }
}

/** Rooms with at least this many clients batch their updates over windows of LARGE_ROOM_BATCH_MS. */
const LARGE_ROOM_CLIENTS = 100
const LARGE_ROOM_BATCH_MS = 10

/**
 * How long a remote pending update may stay unconfirmed before this instance stores it itself: well
 * above a commit's p99 (PostgreSQL under load: tens of ms), well below a user's patience for "Saved".
 */
const REMOTE_CONFIRM_TIMEOUT_MS = 5_000

function pendingPayload(ref: number, update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, ref)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

function committedPayload(refs: readonly number[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, refs.length)
  for (const ref of refs) encoding.writeVarUint(encoder, ref)
  return encoding.toUint8Array(encoder)
}

/** Stored documents at least this large (one entry) are answered from storage while they load. */
const DEFERRED_LOAD_MIN_BYTES = 64 * 1024
/** ...and built at the latest this long after loading, whether or not anyone asked. */
const DEFERRED_LOAD_MAX_MS = 200

/** One update for several (null when merging failed: then they go one by one, as before). */
function mergeOrNull(updates: Uint8Array[]): Uint8Array | null {
  if (updates.length === 1) return updates[0] ?? null
  try {
    return Y.mergeUpdates(updates)
  } catch {
    return null
  }
}

/** A state vector with no clients: lib0 encodes it as the single varuint 0. */
function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return stateVector.byteLength === 1 && stateVector[0] === 0
}

/** y-protocols auth message sub-type. */
const AUTH_PERMISSION_DENIED = 0

function readVarUint(decoder: decoding.Decoder): number {
  try {
    return decoding.readVarUint(decoder)
  } catch (error) {
    throw new SyncError(ErrorCode.MalformedFrame, `truncated or invalid frame: ${errorMessage(error)}`)
  }
}

function readVarUint8Array(decoder: decoding.Decoder): Uint8Array {
  try {
    return decoding.readVarUint8Array(decoder)
  } catch (error) {
    throw new SyncError(ErrorCode.MalformedFrame, `truncated or invalid frame: ${errorMessage(error)}`)
  }
}
