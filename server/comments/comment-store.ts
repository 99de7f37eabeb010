import type { Comment, CommentAuthor, Thread, ThreadAnchor, ThreadStatus } from '../../shared/comments.js'

/** A thread as the service creates it, with its opening comment. Ids are chosen by the caller. */
export interface NewThread {
  id: string
  quote: string
  anchor: ThreadAnchor | null
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
 * does not exist in that document. The store checks existence only: who may do what is the
 * comment service's job.
 */
export interface CommentStore {
  /** Every thread of the document, oldest first, each with its comments oldest first. */
  listThreads(docId: string): Promise<Thread[]>
  getThread(docId: string, threadId: string): Promise<Thread | null>
  /** How many threads the document has (for MAX_THREADS_PER_DOCUMENT). */
  countThreads(docId: string): Promise<number>
  createThread(docId: string, thread: NewThread): Promise<Thread>
  addComment(docId: string, threadId: string, comment: NewComment): Promise<Thread | null>
  editComment(docId: string, threadId: string, commentId: string, body: string, at: number): Promise<Thread | null>
  deleteComment(docId: string, threadId: string, commentId: string, at: number): Promise<Thread | null>
  setStatus(docId: string, threadId: string, status: ThreadStatus, at: number): Promise<Thread | null>
  /** False when there was no such thread. */
  deleteThread(docId: string, threadId: string): Promise<boolean>
  /** Every thread of the document (the document itself was deleted). */
  deleteDocument(docId: string): Promise<void>
}

export type { Comment, CommentAuthor, Thread }
