import type { Thread, ThreadAnchor, ThreadStatus } from '../../shared/comments.js'

/**
 * What an app (the built-in sidebar, or an embedding app's own) gets from `useThreads(provider,
 * editor?)`. Threads come live over the provider's connection (Threads frames, `?threads=1`); writes go
 * through the REST API (docs/protocol.md, "Comments") with the provider's token.
 */

/** Where a thread stands in the current document. */
export type ThreadPlace =
  /** The anchored text is there: ProseMirror positions, `from` < `to`. */
  | { kind: 'range'; from: number; to: number }
  /** Every character of the anchored text was deleted; the thread keeps its quote. */
  | { kind: 'deleted' }
  /** A comment on the whole document (no anchor). */
  | { kind: 'document' }

export interface PlacedThread {
  thread: Thread
  /** `{ kind: 'document' }` when no editor was given to `useThreads`. */
  place: ThreadPlace
}

/** A write made while offline or refused by the network: kept (also across a reload) and re-sent on reconnect. */
export interface PendingWrite {
  /** The id the write will create (a thread's or a comment's), chosen by the client: re-sending is idempotent. */
  id: string
  kind: 'thread' | 'reply'
  /** For a reply: the thread it answers. */
  threadId: string | null
  body: string
  quote: string
  anchor: ThreadAnchor | null
  /** For a thread: the suggestion it discusses (absent in writes kept by an older version). */
  suggestionId?: string | null
  /**
   * Set when the server refused the write and nobody was waiting for its answer (it was re-sent after
   * a reload, say, and the link had become view-only meanwhile): the server's sentence. Such a write
   * is not sent again; it stays, with its text, until the user dismisses it (`client.dismiss`).
   */
  refusal?: string
}

export interface ThreadsState {
  /** Anchored threads in document order, then deleted-text and whole-document threads, oldest first. */
  threads: PlacedThread[]
  /** Writes not yet accepted by the server. */
  pending: PendingWrite[]
  /** Open threads (what the toolbar counts). */
  openCount: number
  /** True once the server's first snapshot arrived. */
  isLoaded: boolean
  /** Why threads cannot be shown (network, permissions), as a sentence for the user; null when fine. */
  loadError: string | null
  client: ThreadClient
}

/** A write the server refused: `message` is the server's sentence, fit to show in place. */
export class ThreadRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status (403 wrong role, 404 unknown thread, 413/429 limits, 400 bad input). */
    readonly status: number,
    /** The server's error code (shared/errors.ts). */
    readonly code: string,
  ) {
    super(message)
    this.name = 'ThreadRequestError'
  }
}

/**
 * Writes. Each resolves once the server has stored the change (the live push then updates
 * `threads` for everyone, this client included) and rejects with ThreadRequestError when the server
 * refuses it. `startThread` and `reply` never lose their text: on a network failure they are kept
 * in `pending` and resolve when the re-sent request succeeds.
 */
export interface ThreadClient {
  /** `suggestionId`: the suggestion the thread discusses (a suggestion card's replies), else none. */
  startThread(input: {
    body: string
    quote?: string
    anchor?: ThreadAnchor | null
    suggestionId?: string | null
  }): Promise<Thread>
  reply(threadId: string, body: string): Promise<Thread>
  setStatus(threadId: string, status: ThreadStatus): Promise<Thread>
  editComment(threadId: string, commentId: string, body: string): Promise<Thread>
  /** Resolves with null when that was the thread's last comment: the thread went with it. */
  deleteComment(threadId: string, commentId: string): Promise<Thread | null>
  /** Edit role only (moderation). */
  deleteThread(threadId: string): Promise<void>
  /** Forgets a kept write the server refused (`PendingWrite.refusal`), once its user has seen its text. */
  dismiss(writeId: string): void
}
