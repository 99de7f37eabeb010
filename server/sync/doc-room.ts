import * as decoding from 'lib0/decoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import type { TickClock } from '../../shared/tick-throttle.js'
import { MAX_ATTRIBUTE_CHARS, SLOW_APPLY_MS } from '../../shared/limits.js'
import { MessageType, SyncMessageType } from '../../shared/protocol/message-type.js'
import { OPEN_PRINCIPAL, type Principal } from '../auth/authenticator.js'
import { Role } from '../../shared/roles.js'
import type { Logger } from '../logger.js'
import { PubSubMessageKind, type PubSubMessage } from '../pubsub/pubsub.js'
import type { StoredDoc } from '../storage/doc-store.js'
import { authorColor, authorName, SERVER_AUTHOR, UNKNOWN_AUTHOR } from './author-name.js'
import type { Connection } from './connection.js'
import { awarenessFrame, permissionDeniedFrame, syncFrame } from '../../shared/protocol/frames.js'
import { refusedChangeReason } from '../../shared/protocol/refused-change.js'
import { LocalOrigin, RemoteOrigin, StorageOrigin } from './origins.js'
import { guardAwarenessUpdate, type AwarenessPin } from './awareness-guard.js'
import { AwarenessCoalescer, presenceTickMs, type CoalescedAwareness } from './awareness-coalescer.js'
import { RoomDocument } from './room-document.js'
import { RoomPersistence, type AckProgress, type PersistenceDeps } from './room-persistence.js'
import { SuggestOnlyWrites } from './suggest-only-writes.js'
import { budget, type Budget } from './token-bucket.js'
import { applyValidatedUpdate } from './update-guard.js'

export interface RoomLimits {
  /** Largest frame accepted, except a connection's first SyncStep2. */
  maxFrameBytes: number
  /** Largest first SyncStep2 (everything a client made offline). */
  maxInitialSyncBytes: number
  /** Largest awareness state (one user's cursor, name, colour) in bytes of JSON. */
  maxAwarenessStateBytes: number
  /** Awareness changes within this window go out as one merged frame (awareness-coalescer.ts); 0 sends each at once. */
  awarenessTickMs: number
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

/** What a room is given: storage, fan-out, logging, limits, and the registry's callbacks. */
export interface RoomDeps extends PersistenceDeps<DocRoom> {
  /** The server's logger; the room binds its document id to it on first use. */
  log: Logger
  /** Every limit the room enforces on its clients' frames. */
  limits: RoomLimits
  /** The clock presence ticks run on (tests drive a fake one); the real one by default. */
  presenceClock?: TickClock
}

/**
 * A client as the room keeps it. It is its own awareness pin (awareness-guard.ts: the one
 * awareness client id this connection may speak for, so also the only one to remove for everyone
 * when it leaves): one object per idle connection rather than two.
 */
interface ClientState extends AckProgress, AwarenessPin {
  principal: Principal
  /** Update-bearing frames (SyncStep2 or Update) received so far. */
  updateFrames: number
  /**
   * CPU time spent applying this client's updates, as a bucket: empty means cut off. Made at the
   * first update: a reader never needs one.
   */
  applyBudget: Budget | null
  hasSentStep2: boolean
}

/**
 * One open document: its Y.Doc, its Awareness and the clients editing it. Knows nothing about
 * transports; a binding hands it a Connection and the frames that arrive on it. The room decodes
 * and checks every frame and dispatches it; its parts do the rest: the document as loaded from
 * storage (room-document.ts), batching, storing and acknowledging (room-persistence.ts), and the
 * commit protocol with other instances (remote-ledger.ts).
 *
 * Write path: validate, apply (origin = the connection), broadcast to the others, append to the
 * store; acknowledge to the sender only after the append committed. A comment-role update is
 * applied only if it merely suggests (suggest-only-writes.ts); view-role updates never.
 */
export class DocRoom {
  readonly awareness: awarenessProtocol.Awareness
  private readonly clients = new Map<Connection, ClientState>()
  private readonly document: RoomDocument
  private readonly persistence: RoomPersistence<DocRoom>
  private childLog: Logger | null = null
  /** Bound once: a labelled lookup per presence frame would show in profiles. */
  private readonly awarenessIn
  private readonly awarenessOut
  private readonly presenceTick: AwarenessCoalescer
  /** The comment role's writes: suggestions only (suggest-only-writes.ts). */
  private readonly suggestOnly: SuggestOnlyWrites

  private constructor(
    readonly docId: DocId,
    private readonly deps: RoomDeps,
    stored: StoredDoc,
  ) {
    this.document = new RoomDocument(this, deps)
    this.persistence = new RoomPersistence<DocRoom>(this, deps, stored)
    this.suggestOnly = new SuggestOnlyWrites(this)
    this.awareness = new awarenessProtocol.Awareness(this.document.ydoc)
    this.awarenessIn = deps.metrics.awarenessFrames.labels('in')
    this.awarenessOut = deps.metrics.awarenessFrames.labels('out')
    this.presenceTick = new AwarenessCoalescer(
      this.awareness,
      () => presenceTickMs(deps.limits.awarenessTickMs, this.clients.size),
      this.sendPresence,
      deps.presenceClock,
    )
    // The server is not a participant; y-websocket's server does the same.
    this.awareness.setLocalState(null)
    this.document.ydoc.on('update', this.onDocUpdate)
    this.awareness.on('update', this.onAwarenessUpdate)
  }

  /** Loads a document from storage (the caller has already subscribed to pub/sub). */
  static async load(docId: DocId, deps: RoomDeps): Promise<DocRoom> {
    const stored = await deps.store.load(docId)
    const room = new DocRoom(docId, deps, stored)
    await room.document.load(stored)
    return room
  }

  /** The document, built from storage first if its load was deferred. */
  get doc(): Y.Doc {
    return this.document.doc
  }

  /** Watches changes without forcing a deferred load (version history attaches at room load). */
  onUpdate(listener: (update: Uint8Array, origin: unknown) => void): void {
    this.document.ydoc.on('update', listener)
  }

  offUpdate(listener: (update: Uint8Array, origin: unknown) => void): void {
    this.document.ydoc.off('update', listener)
  }

  /**
   * Applies a message from another instance: local clients get it, but it is neither stored again
   * nor re-published. Pending updates and commit notices go through the ledger (remote-ledger.ts).
   */
  receiveRemote(message: PubSubMessage): void {
    if (this.isBroken) return
    try {
      switch (message.kind) {
        case PubSubMessageKind.Update: // from instances of the earlier release, during a rolling upgrade
          return applyValidatedUpdate(this.doc, message.payload, RemoteOrigin)
        case PubSubMessageKind.Pending:
          return this.persistence.ledger.receivePending(message.payload)
        case PubSubMessageKind.Committed:
          return this.persistence.ledger.receiveCommitted(message.payload)
        case PubSubMessageKind.Awareness:
          return awarenessProtocol.applyAwarenessUpdate(this.awareness, message.payload, RemoteOrigin)
        case PubSubMessageKind.Threads: // the registry hands these to the thread feed
          return
      }
    } catch (error) {
      this.log.error({ err: error, kind: message.kind }, 'pub/sub message rejected')
    }
  }

  /** After a pub/sub gap: whatever other instances committed meanwhile is read back from storage. */
  async catchUp(): Promise<void> {
    if (this.isBroken) return
    await this.document.applyStored(await this.deps.store.load(this.docId), RemoteOrigin)
  }

  get connectionCount(): number {
    return this.clients.size
  }

  /** True once a commit failed or the room was destroyed: it takes no more clients or changes. */
  get isBroken(): boolean {
    return this.persistence.isClosed
  }

  /** Rows and bytes appended since the last compaction (for metrics and thresholds). */
  get logTail(): { rows: number; bytes: number } {
    return this.persistence.logTail
  }

  /** This room's logger, bound to its document; made on first use (most rooms never log). */
  get log(): Logger {
    return (this.childLog ??= this.deps.log.child({ docId: this.docId }))
  }

  /** True while `connection` is one of this room's clients. */
  hasClient(connection: Connection): boolean {
    return this.clients.has(connection)
  }

  /** Adds a client with what it may do; without auth everyone may edit. */
  join(connection: Connection, principal: Principal = OPEN_PRINCIPAL): void {
    if (this.isBroken) {
      connection.close(CloseCode.TryAgainLater, closeReason(ErrorCode.StorageFailure, 'document is reloading'))
      return
    }
    this.clients.set(connection, {
      principal,
      clientId: null,
      applyBudget: null,
      updateFrames: 0,
      acked: 0,
      hasSentStep2: false,
    })
    if (principal.role === Role.Comment) this.suggestOnly.prepare()
    this.document.greet(connection)
    const states = this.awareness.getStates()
    if (states.size > 0) {
      connection.send(awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()])))
    }
  }

  /** A name for whoever made a change with `origin`, for version history. */
  authorOf(origin: unknown): string {
    if (origin === LocalOrigin) return SERVER_AUTHOR
    const state = this.clients.get(origin as Connection)
    if (!state) return UNKNOWN_AUTHOR
    const pinned = state.clientId
    return authorName(state.principal, pinned === null ? undefined : this.awareness.getStates().get(pinned))
  }

  /** The colour whoever made a change with `origin` shows in (their presence), or null: for version history. */
  authorColorOf(origin: unknown): string | null {
    const pinned = this.clients.get(origin as Connection)?.clientId
    return pinned === null || pinned === undefined ? null : authorColor(this.awareness.getStates().get(pinned))
  }

  /** A refreshed token may change the role (for example an edit link downgraded to view). */
  setPrincipal(connection: Connection, principal: Principal): void {
    const state = this.clients.get(connection)
    if (state) state.principal = principal
    if (principal.role === Role.Comment) this.suggestOnly.prepare()
  }

  leave(connection: Connection): void {
    const state = this.clients.get(connection)
    if (!state) return
    this.clients.delete(connection)
    this.suggestOnly.forget(connection, ![...this.clients.values()].some((c) => c.principal.role === Role.Comment))
    // Peers see the cursor vanish now, not after the 30 s awareness timeout.
    const id = state.clientId
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
  flush(): Promise<void> {
    return this.persistence.flush()
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
    this.persistence.compacted(mergedRows, mergedBytes, snapshotBytes)
  }

  /** Sends one encoded frame to every client but `except`; returns how many received it. */
  broadcast(frame: Uint8Array, except: unknown): number {
    let recipients = 0
    for (const connection of this.clients.keys()) {
      if (connection === except) continue
      connection.send(frame)
      recipients++
    }
    return recipients
  }

  destroy(): void {
    // A last client's removal may still wait for its tick: other instances must hear of it now,
    // not after their 30 s awareness timeout.
    this.presenceTick.flushNow()
    this.presenceTick.stop()
    this.persistence.close()
    this.suggestOnly.dispose()
    this.document.destroy()
    this.document.ydoc.off('update', this.onDocUpdate)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.awareness.destroy()
    this.document.ydoc.destroy()
  }

  private receiveSync(connection: Connection, state: ClientState, decoder: decoding.Decoder, frameBytes: number): void {
    const syncType = readVarUint(decoder)
    switch (syncType) {
      case SyncMessageType.Step1: {
        this.checkFrameSize(frameBytes, this.deps.limits.maxFrameBytes)
        const stateVector = readVarUint8Array(decoder)
        if (isEmptyStateVector(stateVector)) {
          connection.send(this.document.fullState())
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
        const { role } = state.principal
        // Viewers and commenters legitimately send a SyncStep2 on connect; one that adds nothing is harmless.
        const isNew = role === Role.Edit || !this.containsUpdate(update)
        if (isNew && role === Role.View) return this.denyWrite(connection, role)
        if (isNew) {
          this.checkDocumentSize()
          const apply = role === Role.Comment ? this.applySuggestion : this.applyEdit
          if (!this.applyMeasured(connection, state, update, isFirstStep2, apply)) {
            return this.denyWrite(connection, role)
          }
        }
        state.updateFrames++
        if (connection.wantsAcks) this.persistence.acknowledgeWhenDurable(connection, state, state.updateFrames)
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
      const guarded = guardAwarenessUpdate(update, state, state.principal, this.deps.limits.maxAwarenessStateBytes)
      if (guarded) awarenessProtocol.applyAwarenessUpdate(this.awareness, guarded, connection)
    } catch (error) {
      if (error instanceof SyncError) throw error
      throw new SyncError(ErrorCode.MalformedFrame, `awareness update could not be decoded: ${errorMessage(error)}`)
    }
  }

  /**
   * Applies an update with `apply` (an edit as it is, a comment-role update after the suggest-only
   * check) and charges the time, check included, to the connection's apply budget; false when
   * `apply` refused it. A connection's first SyncStep2 is exempt from the cut-off (it is still
   * size-limited and charged): it carries a whole offline session or a large document, once per
   * connection, and refusing it would refuse a real user's work.
   */
  private applyMeasured(
    connection: Connection,
    state: ClientState,
    update: Uint8Array,
    isFirstStep2: boolean,
    apply: (connection: Connection, principal: Principal, update: Uint8Array) => boolean,
  ): boolean {
    const startedAt = performance.now()
    let failure: unknown = null
    let isApplied = false
    try {
      isApplied = apply(connection, state.principal, update)
    } catch (error) {
      failure = error
    }
    const elapsedMs = performance.now() - startedAt
    if (elapsedMs > SLOW_APPLY_MS) {
      this.log.warn({ connectionId: connection.id, ms: Math.round(elapsedMs), bytes: update.byteLength }, 'slow update')
    }
    // Charged whether or not the update applied: rejected garbage costs CPU too.
    const { applyBudgetBurstMs, applyBudgetMsPerSecond } = this.deps.limits
    state.applyBudget ??= budget(applyBudgetBurstMs, applyBudgetMsPerSecond)
    if (!state.applyBudget.take(elapsedMs) && !isFirstStep2) {
      throw new SyncError(ErrorCode.RateLimited, 'updates are too expensive to apply; slow down')
    }
    if (failure) throw failure
    return isApplied
  }

  /** An edit-role update: applied as it is. */
  private readonly applyEdit = (connection: Connection, _principal: Principal, update: Uint8Array): boolean => {
    applyValidatedUpdate(this.doc, update, connection, { maxAttributeChars: MAX_ATTRIBUTE_CHARS })
    return true
  }

  /** A comment-role update: applied only if it changes nothing but its author's suggestions (false: refused). */
  private readonly applySuggestion = (connection: Connection, principal: Principal, update: Uint8Array): boolean =>
    this.suggestOnly.apply(connection, principal, update, { maxAttributeChars: MAX_ATTRIBUTE_CHARS })

  private checkDocumentSize(): void {
    if (this.persistence.storedBytes > this.deps.limits.maxDocumentBytes) {
      throw new SyncError(
        ErrorCode.DocumentTooLarge,
        `document is over its ${this.deps.limits.maxDocumentBytes}-byte budget; no more changes accepted`,
      )
    }
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
   * Refuses a viewer's change, or a commenter's that is more than a suggestion, without closing: y-websocket's permission-denied message (type 2),
   * which stock clients report and Tandem's client shows as "view only". The change is not applied,
   * not stored, not acknowledged.
   */
  private denyWrite(connection: Connection, role: Role): void {
    this.deps.metrics.rejectedFrames.inc({ code: ErrorCode.ReadOnly })
    connection.send(permissionDeniedFrame(refusedChangeReason(role === Role.Comment ? 'comment' : 'view')))
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.document.changed()
    if (origin !== StorageOrigin) this.persistence.record(update, origin)
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    // Local changes (and removals of local clients, origin null) go to other instances;
    // expiries ('timeout') happen on every instance by itself.
    const isLocal = origin === null || this.clients.has(origin as Connection)
    this.presenceTick.add([...added, ...updated, ...removed], origin, isLocal)
  }

  /** One tick's presence: one frame per recipient (none back to its sender), one publish. */
  private readonly sendPresence = (batch: CoalescedAwareness): void => {
    let recipients = 0
    for (const connection of this.clients.keys()) {
      const frame = batch.frameFor(connection)
      if (frame === null) continue
      connection.send(frame)
      recipients++
    }
    if (recipients > 0) this.awarenessOut.inc(recipients)
    if (batch.localUpdate !== null && !this.isBroken) {
      this.deps.pubsub.publish(this.docId, { kind: PubSubMessageKind.Awareness, payload: batch.localUpdate })
    }
  }

  private checkFrameSize(bytes: number, limit: number): void {
    if (bytes > limit) throw new SyncError(ErrorCode.FrameTooLarge, `frame of ${bytes} bytes exceeds ${limit}`)
  }
}

/** A state vector with no clients: lib0 encodes it as the single varuint 0. */
function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return stateVector.byteLength === 1 && stateVector[0] === 0
}

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
