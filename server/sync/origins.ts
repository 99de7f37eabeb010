/**
 * Every Yjs transaction in a room carries one of these origins (or the Connection that sent the
 * update), and the room decides from it what to broadcast and what to persist: an update loaded
 * from storage is neither re-stored nor re-sent, one from a client is sent to everyone but it.
 */
export const StorageOrigin = Symbol('tandem:storage')

/** Server-side operations: import, restore, REST edits. Persisted and broadcast to everyone. */
export const LocalOrigin = Symbol('tandem:local')

/**
 * Updates from other instances (via pub/sub) and catch-up reads after a pub/sub gap: broadcast to
 * local clients, never stored again (the publisher committed them) and never re-published.
 */
export const RemoteOrigin = Symbol('tandem:remote')
