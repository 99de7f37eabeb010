import type * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import { decodeCommitted, decodePending, encodeCommitted, encodePending } from '../../shared/protocol/pubsub-payload.js'
import type { Logger } from '../logger.js'
import { PubSubMessageKind, type PubSub } from '../pubsub/pubsub.js'
import type { Seq } from '../storage/doc-store.js'
import { deferred, type Deferred } from './deferred.js'
import { RemoteOrigin } from './origins.js'
import { applyValidatedUpdate } from './update-guard.js'

/** What the ledger needs from its room. */
export interface LedgerRoom {
  readonly docId: DocId
  /** The room's logger (bound to its document). */
  readonly log: Logger
  /** True once the room stopped: nothing more is held, stored or read back. */
  readonly isBroken: boolean
  /** The room's document, built first if its load was deferred: remote updates are applied to it. */
  readonly doc: Y.Doc
  /** Reads back from storage whatever other instances committed. */
  catchUp(): Promise<void>
}

/** Where the ledger stores an update whose publisher never confirmed it. */
export interface UnconfirmedStore {
  /** Appends `update` on its publisher's behalf; durable when it resolves (a failure closes the room). */
  appendUnconfirmed(update: Uint8Array): Promise<Seq>
}

interface PendingRemote {
  update: Uint8Array
  durable: Deferred
  timer: NodeJS.Timeout
}

/**
 * How long a remote pending update may stay unconfirmed before this instance stores it itself: well
 * above a commit's p99 (PostgreSQL under load: tens of ms), well below a user's patience for "Saved".
 */
export const REMOTE_CONFIRM_TIMEOUT_MS = 5_000

/**
 * Refs start at a random multiple of REFS_PER_BASE, one base per room: the instances publishing to
 * one document then draw refs from far-apart ranges, and a receiver keys the refs of all of them in
 * one map. 2^31 bases of 2^20 refs stay below 2^51, inside what the payload grammar carries.
 */
const REF_BASES = 2 ** 31
const REFS_PER_BASE = 2 ** 20

/**
 * Both sides of the cross-instance commit protocol (shared/protocol/pubsub-payload.ts) for one
 * room. Outgoing: this room's updates are announced as pending at once (other instances' clients
 * should not wait for our disk) and confirmed once committed. Incoming: another instance's pending
 * update is applied at once and held until its publisher says it committed; until then this room
 * does not acknowledge client frames (one might merely repeat it). If the word never comes (the
 * publisher died before its commit), this room stores the update itself: a duplicate in the log is
 * harmless, a lost edit is not. A room makes one only when there are other instances: on its first
 * append over a shared pub/sub, or its first message from another instance.
 */
export class RemoteLedger {
  private readonly pending = new Map<number, PendingRemote>()
  /** durable()'s promise over the pending set; null when an entry was added since. */
  private durableAll: Promise<unknown> | null = null
  private isCatchUpScheduled = false
  private nextRef = Math.floor(Math.random() * REF_BASES) * REFS_PER_BASE

  constructor(
    private readonly room: LedgerRoom,
    private readonly pubsub: PubSub,
    private readonly store: UnconfirmedStore,
  ) {}

  /** Publishes `update` as pending to the other instances; returns its ref for `confirm`. */
  announce(update: Uint8Array): number {
    const ref = this.nextRef++
    this.pubsub.publish(this.room.docId, { kind: PubSubMessageKind.Pending, payload: encodePending(ref, update) })
    return ref
  }

  /** Tells the other instances the update announced as `ref` is committed. */
  confirm(ref: number): void {
    this.pubsub.publish(this.room.docId, { kind: PubSubMessageKind.Committed, payload: encodeCommitted([ref]) })
  }

  /** Applies another instance's pending update and holds it until confirmed; throws for a malformed one. */
  receivePending(payload: Uint8Array): void {
    const { ref, update } = decodePending(payload)
    applyValidatedUpdate(this.room.doc, update, RemoteOrigin)
    const timer = setTimeout(() => this.storeUnconfirmed(ref), REMOTE_CONFIRM_TIMEOUT_MS)
    timer.unref()
    this.pending.set(ref, { update, durable: deferred(), timer })
    this.durableAll = null
  }

  /** Releases the confirmed updates; throws for a malformed payload. */
  receiveCommitted(payload: Uint8Array): void {
    for (const ref of decodeCommitted(payload)) {
      const pending = this.pending.get(ref)
      if (!pending) {
        this.catchUpForMissedPending()
        continue
      }
      this.pending.delete(ref)
      clearTimeout(pending.timer)
      pending.durable.resolve()
    }
  }

  /** True while some remote update applied here is not known to be committed. */
  get hasPending(): boolean {
    return this.pending.size > 0
  }

  /**
   * Settles when every remote update applied so far is committed somewhere. Built once per change
   * of the pending set, not once per acknowledged frame; entries that settle may stay in it.
   */
  durable(): Promise<unknown> {
    this.durableAll ??= Promise.all([...this.pending.values()].map((pending) => pending.durable.promise))
    return this.durableAll
  }

  /** Forgets everything held (the room is going away). */
  clear(): void {
    for (const pending of this.pending.values()) clearTimeout(pending.timer)
    this.pending.clear()
    this.durableAll = null
  }

  private storeUnconfirmed(ref: number): void {
    const pending = this.pending.get(ref)
    if (!pending || this.room.isBroken) return
    this.room.log.warn({ ref }, 'a remote update was never confirmed as committed; storing it here')
    this.store.appendUnconfirmed(pending.update).then(
      () => {
        this.pending.delete(ref)
        pending.durable.resolve()
      },
      (error: unknown) => pending.durable.reject(error),
    )
  }

  /**
   * A commit notice for an update this room never saw: its pending message went out before this
   * room subscribed (or resubscribed after a Redis outage) and it committed after the room read
   * storage, so neither path delivered it. It is in storage now: read it back (once per burst).
   */
  private catchUpForMissedPending(): void {
    if (this.isCatchUpScheduled || this.room.isBroken) return
    this.isCatchUpScheduled = true
    setImmediate(() => {
      this.isCatchUpScheduled = false
      this.room.catchUp().catch((error: unknown) => this.room.log.error({ err: error }, 'catch-up failed'))
    })
  }
}
