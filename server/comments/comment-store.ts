import type { Comment, CommentAuthor, Thread, ThreadAnchor, ThreadStatus } from '../../shared/comments.js'

/** A thread as the service creates it, with its opening comment. Ids are chosen by the caller. */
export interface NewThread {
  id: string
  quote: string
  anchor: ThreadAnchor | null
  /** The suggestion the thread discusses (checked by the service); absent or null for none. */
  suggestionId?: string | null
  /** The opening comment. */
  comment: NewComment
}

export interface NewComment {
  id: string
  body: string
  author: CommentAuthor
  /** Milliseconds since the epoch. */
  at: number
}

/**
 * Comment threads, outside the Y.Doc so the server decides who wrote what (docs/protocol.md,
 * "Comments"). Implementations: storage/memory, storage/sqlite, storage/postgres; all pass
 * test/contracts/comment-store.test.ts. Every write is durable when its promise resolves and returns
 * the thread's full state after it (what the live push sends), or null when the thread or comment
 * does not exist in that document; every change moves the thread's `updatedAt` to its `at`. The store
 * checks existence only: who may do what is the comment service's job.
 */
export interface CommentStore {
  /** Every thread of the document, oldest first, each with its comments oldest first. */
  listThreads(docId: string): Promise<Thread[]>
  getThread(docId: string, threadId: string): Promise<Thread | null>
  /** How many threads the document has (for MAX_THREADS_PER_DOCUMENT). */
  countThreads(docId: string): Promise<number>
  /**
   * Creates the thread with its opening comment. When the document has a thread with that id
   * already, writes nothing and returns that thread as it is (a client re-sending a write it made
   * offline; the service checks it is the same author's).
   */
  createThread(docId: string, thread: NewThread): Promise<Thread>
  /** Appends the comment; when the thread has a comment with that id already, writes nothing and returns the thread. */
  addComment(docId: string, threadId: string, comment: NewComment): Promise<Thread | null>
  /** Sets the body and `editedAt`; null when the thread or the comment does not exist. */
  editComment(docId: string, threadId: string, commentId: string, body: string, at: number): Promise<Thread | null>
  /** Removes the comment (a thread may be left with none: the service then deletes it); null when either does not exist. */
  deleteComment(docId: string, threadId: string, commentId: string, at: number): Promise<Thread | null>
  setStatus(docId: string, threadId: string, status: ThreadStatus, at: number): Promise<Thread | null>
  /** False when there was no such thread. */
  deleteThread(docId: string, threadId: string): Promise<boolean>
  /** Every thread of the document (the document itself was deleted). */
  deleteDocument(docId: string): Promise<void>
}

export type { Comment, CommentAuthor, Thread }
