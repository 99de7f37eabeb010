import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import { SLOW_APPLY_MS } from '../../shared/limits.js'
import { MessageType, SyncMessageType } from '../../shared/protocol/message-type.js'
import { OPEN_PRINCIPAL, type Principal } from '../auth/authenticator.js'
import { Role } from '../auth/tokens.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { PubSubMessageKind, type PubSub, type PubSubMessage } from '../pubsub/pubsub.js'
import type { DocStore, Seq, StoredDoc } from '../storage/doc-store.js'
import type { Connection } from './connection.js'
import { ackFrame, awarenessFrame, syncFrame } from './frames.js'
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

interface ClientState {
  principal: Principal
  /** Awareness client ids this connection has set, removed for everyone when it leaves. */
  awarenessIds: Set<number>
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
  readonly doc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
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
  private isClosed = false
  private readonly log: Logger

  private constructor(
    readonly docId: DocId,
    private readonly deps: RoomDeps,
    stored: StoredDoc,
  ) {
    this.log = deps.log.child({ docId })
    this.tailRows = stored.entries.filter((e) => !e.isSnapshot).length
    this.tailBytes = stored.tailBytes
    this.storedBytes = stored.entries.reduce((sum, e) => sum + e.update.byteLength, 0)
    // The server is not a participant; y-websocket's server does the same.
    this.awareness.setLocalState(null)
    this.doc.on('update', this.onDocUpdate)
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
    await room.applyStored(stored, StorageOrigin)
    return room
  }

  private async applyStored(stored: StoredDoc, origin: symbol): Promise<void> {
    const { deps, docId } = this
    for (const entry of stored.entries) {
      try {
        applyValidatedUpdate(this.doc, entry.update, origin)
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        this.log.error({ seq: entry.seq, reason, isSnapshot: entry.isSnapshot }, 'stored update quarantined')
        deps.metrics.quarantinedUpdates.inc()
        await deps.store.quarantine(docId, entry.seq, reason)
      }
    }
  }

  /**
   * Applies a message from another instance. Updates arrive already committed by their publisher,
   * so local clients get them but they are neither stored again nor re-published.
   */
  receiveRemote(message: PubSubMessage): void {
    if (this.isClosed) return
    try {
      if (message.kind === PubSubMessageKind.Update) applyValidatedUpdate(this.doc, message.payload, RemoteOrigin)
      else awarenessProtocol.applyAwarenessUpdate(this.awareness, message.payload, RemoteOrigin)
    } catch (error) {
      this.log.error({ err: error, kind: message.kind }, 'pub/sub message rejected')
    }
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

  /** Adds a client with what it may do; without auth everyone may edit. */
  join(connection: Connection, principal: Principal = OPEN_PRINCIPAL): void {
    if (this.isClosed) {
      connection.close(CloseCode.TryAgainLater, closeReason(ErrorCode.StorageFailure, 'document is reloading'))
      return
    }
    this.clients.set(connection, {
      principal,
      awarenessIds: new Set(),
      awarenessPin: { clientId: null },
      applyBudget: new TokenBucket(this.deps.limits.applyBudgetBurstMs, this.deps.limits.applyBudgetMsPerSecond),
      updateFrames: 0,
      acked: 0,
      hasSentStep2: false,
    })
    connection.send(syncFrame(SyncMessageType.Step1, Y.encodeStateVector(this.doc)))
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
    const ids = [...state.awarenessIds].filter((id) => this.awareness.getStates().has(id))
    if (ids.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, ids, null)
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
    this.doc.off('update', this.onDocUpdate)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.awareness.destroy()
    this.doc.destroy()
  }

  private receiveSync(connection: Connection, state: ClientState, decoder: decoding.Decoder, frameBytes: number): void {
    const syncType = readVarUint(decoder)
    switch (syncType) {
      case SyncMessageType.Step1: {
        this.checkFrameSize(frameBytes, this.deps.limits.maxFrameBytes)
        const stateVector = readVarUint8Array(decoder)
        if (isEmptyStateVector(stateVector)) {
          this.fullStateFrame ??= syncFrame(SyncMessageType.Step2, Y.encodeStateAsUpdate(this.doc))
          connection.send(this.fullStateFrame)
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
      throw new SyncError(ErrorCode.MalformedFrame, `awareness update could not be decoded: ${describe(error)}`)
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
    this.lastAppend.then(
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
    const recipients = this.broadcast(syncFrame(SyncMessageType.Update, update), origin)
    if (recipients > 0) this.deps.metrics.updatesOut.inc(recipients)
    if (this.isClosed || origin === RemoteOrigin) return
    this.append(update)
  }

  private append(update: Uint8Array): void {
    const startedAt = performance.now()
    const appended = this.deps.store.append(this.docId, update)
    this.lastAppend = appended
    appended.then(
      (seq: Seq) => {
        // Published only once committed: what other instances receive is durable, so they may
        // acknowledge a client frame that merely repeats it.
        this.deps.pubsub.publish(this.docId, { kind: PubSubMessageKind.Update, payload: update })
        this.onAppended(seq, update.byteLength, startedAt)
      },
      (error: unknown) => this.onAppendFailed(error),
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
    const sender = this.clients.get(origin as Connection)
    if (sender) {
      for (const id of [...added, ...updated]) sender.awarenessIds.add(id)
      for (const id of removed) sender.awarenessIds.delete(id)
    }
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)
    this.broadcast(awarenessFrame(update), origin)
    // Local changes (and removals of local clients, origin null) go to other instances;
    // expiries ('timeout') happen on every instance by itself.
    if ((sender || origin === null) && !this.isClosed) {
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
    throw new SyncError(ErrorCode.MalformedFrame, `truncated or invalid frame: ${describe(error)}`)
  }
}

function readVarUint8Array(decoder: decoding.Decoder): Uint8Array {
  try {
    return decoding.readVarUint8Array(decoder)
  } catch (error) {
    throw new SyncError(ErrorCode.MalformedFrame, `truncated or invalid frame: ${describe(error)}`)
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
