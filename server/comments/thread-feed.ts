import type { ThreadEvent } from '../../shared/comments.js'

/**
 * Where the comment service reports a change it has made durable: the feed delivers it, as a
 * Threads frame (shared/protocol/thread-frame.ts), to every connection of the document that asked
 * with `?threads=1`, on this instance and, through pub/sub, on every other one. Never blocks or
 * throws into its caller.
 */
export interface ThreadFeed {
  publish(docId: string, event: ThreadEvent): void
}
