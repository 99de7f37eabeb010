import type { Comment, Thread } from '../../shared/comments.js'
import type { DocId } from '../../shared/ids.js'

/**
 * What the comment service tells the mentions (server/mentions/mention-service.ts) on a sign-in
 * server. Called after each change is stored and published; the service logs a failure and the
 * comment write still succeeds (the comment is stored, only its notifications are missing).
 */
export interface CommentMentions {
  /** A comment was created or edited: record and announce the people it mentions for the first time. */
  commentWritten(docId: DocId, thread: Thread, comment: Comment): Promise<void>
  /** A comment was deleted: its mentions leave the inboxes. */
  commentDeleted(docId: DocId, threadId: string, commentId: string): Promise<void>
  /** A thread was deleted: so are the mentions in it. */
  threadDeleted(docId: DocId, threadId: string): Promise<void>
  /** The document was deleted: so are its mentions. */
  documentDeleted(docId: DocId): Promise<void>
}
