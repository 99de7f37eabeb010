import type { DocId } from '../../shared/ids.js'

export const PubSubMessageKind = {
  /**
   * A Yjs update, already committed to storage by the publishing instance. This release publishes
   * Pending and Committed instead; Update is still applied when an instance of the earlier release
   * sends it (rolling upgrades).
   */
  Update: 'update',
  /**
   * A Yjs update applied by the publishing instance and not yet committed: sent at once so other
   * instances' clients see it as fast as local ones. Payload: varuint ref, then the update.
   */
  Pending: 'pending',
  /** The pending updates with these refs are committed. Payload: varuint count, then the refs. */
  Committed: 'committed',
  /** An awareness update (cursors, names), never stored. */
  Awareness: 'awareness',
  /**
   * A comment thread event, already durable in the comment store: a Threads frame (102) exactly as
   * clients receive it (shared/protocol/pubsub-payload.ts). Goes to the thread feed, never to a room.
   */
  Threads: 'threads',
} as const
export type PubSubMessageKind = (typeof PubSubMessageKind)[keyof typeof PubSubMessageKind]

export interface PubSubMessage {
  kind: PubSubMessageKind
  payload: Uint8Array
}

export type PubSubHandler = (message: PubSubMessage) => void

/**
 * Fan-out between server instances (hop 2). Delivery is at-most-once: storage stays the source of
 * truth, and after any gap (`onResync`) every open room catches up from it.
 */
export interface PubSub {
  /** Short name for logs and /readyz ("local", "redis", ...). */
  readonly kind: string
  /**
   * Delivers other instances' messages for `docId` to `handler`. Resolves once the subscription is
   * live, so a room that subscribes and then loads from storage misses nothing. Returns the
   * function that unsubscribes.
   */
  subscribe(docId: DocId, handler: PubSubHandler): Promise<() => Promise<void>>
  /** Sends to the other instances with `docId` open. Never blocks; dropped while disconnected. */
  publish(docId: DocId, message: PubSubMessage): void
  /** Registers a listener called after a lost connection is restored (messages may be missing). */
  onResync(listener: () => void): void
  /** Throws when the bus is unreachable (drives /readyz). */
  ping(): Promise<void>
  close(): Promise<void>
}
