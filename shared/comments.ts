/**
 * Comment threads as the REST API, the live push and the web app see them (docs/protocol.md,
 * "Comments"). Threads live outside the Y.Doc, in the server's comment store, so the server can
 * enforce who wrote what; the document only holds their anchors' text.
 */

export const ThreadStatus = {
  Open: 'open',
  Resolved: 'resolved',
} as const
export type ThreadStatus = (typeof ThreadStatus)[keyof typeof ThreadStatus]

/** Where a thread sits: two Yjs relative positions (Y.encodeRelativePosition, base64), so the
 * anchor follows its text through everyone's concurrent edits. */
export interface ThreadAnchor {
  /** Start of the range, `Y.encodeRelativePosition` as base64. */
  start: string
  /** End of the range (exclusive), `Y.encodeRelativePosition` as base64. */
  end: string
}

export interface CommentAuthor {
  /** Display name: the token's `name`, or the name the browser chose when no token names a person. */
  name: string
  /** Stable author id: the token's `sub`, or the browser's own id when no token names a person. */
  id: string
  /** False when the id and name are the browser's own claim (no AUTH_SECRET, or a shared link). */
  isVerified: boolean
}

export interface Comment {
  id: string
  /** Plain text, shown as text (never HTML). */
  body: string
  author: CommentAuthor
  /** ISO 8601. */
  createdAt: string
  /** ISO 8601 of the last edit by its author; null when never edited. */
  editedAt: string | null
}

export interface Thread {
  id: string
  status: ThreadStatus
  /** The text the thread was started on, kept from creation (empty for a whole-document comment). */
  quote: string
  /** null for a comment on the whole document. */
  anchor: ThreadAnchor | null
  /**
   * The suggestion this thread discusses (its marks' `id`, shared/suggestions/suggestion-marks.ts),
   * or null for an ordinary comment thread. Servers always send it; optional only so threads made
   * by code written before it still type-check.
   */
  suggestionId?: string | null
  /** In the order they were written; the first is the thread's opening comment. */
  comments: Comment[]
  /** ISO 8601. */
  createdAt: string
  /** ISO 8601 of the last change to the thread or any of its comments. */
  updatedAt: string
}

/** What the server pushes to clients that asked for threads (see thread-frame.ts). */
export type ThreadEvent =
  /** Every thread of the document: sent when a connection opens, so a reconnect misses nothing. */
  | { kind: 'snapshot'; threads: Thread[] }
  /** A thread was created or changed (status, a comment added, edited or deleted): its full state. */
  | { kind: 'upsert'; thread: Thread }
  /** A thread was deleted (moderation by an editor). */
  | { kind: 'delete'; threadId: string }

/**
 * What a thread's `suggestionId` may be: the suggestion marks' id pattern (SUGGESTION_ID_PATTERN in
 * shared/suggestions/suggestion-marks.ts), repeated here so comment code does not load the editor
 * schema; test/integration/threads-api.test.ts keeps the two equal.
 */
export const THREAD_SUGGESTION_ID_PATTERN = /^[\w:.-]{1,120}$/

/** Longest comment body accepted, in characters. */
export const MAX_COMMENT_BODY_CHARS = 10_000

/** Longest quote kept with a thread, in characters (longer selections are cut with an ellipsis). */
export const MAX_THREAD_QUOTE_CHARS = 1_000
