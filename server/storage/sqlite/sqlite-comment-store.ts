import type { ThreadStatus } from '../../../shared/comments.js'
import type { CommentStore, NewComment, NewThread, Thread } from '../../comments/comment-store.js'
import {
  assembleThreads,
  COMMENT_COLUMNS,
  THREAD_COLUMNS,
  type CommentRow,
  type ThreadRow,
} from '../../comments/thread-rows.js'
import type { SqlStatement } from './sqlite-write-connection.js'
import type { SqliteDatabase } from './sqlite-database.js'

const INSERT_COMMENT_IF_THREAD =
  'INSERT OR IGNORE INTO comments (doc_id, thread_id, id, body, author_id, author_name, author_verified, created_at) ' +
  'SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM threads WHERE doc_id = ? AND id = ?)'
/** Run right after another statement in the same transaction: touches the thread only if that one changed a row. */
const TOUCH_IF_CHANGED = 'UPDATE threads SET updated_at = ? WHERE doc_id = ? AND id = ? AND changes() > 0'

/** Threads in the same SQLite file as the documents, so `tandem backup` holds them too. */
export class SqliteCommentStore implements CommentStore {
  private readonly statements

  /** Reads on the main connection; writes on the writer thread, like the documents' own. */
  constructor(private readonly database: SqliteDatabase) {
    const db = database.reader
    this.statements = {
      threads: db.prepare(`SELECT ${THREAD_COLUMNS} FROM threads WHERE doc_id = ? ORDER BY created_at, rowid`),
      comments: db.prepare(`SELECT ${COMMENT_COLUMNS} FROM comments WHERE doc_id = ? ORDER BY seq`),
      thread: db.prepare(`SELECT ${THREAD_COLUMNS} FROM threads WHERE doc_id = ? AND id = ?`),
      threadComments: db.prepare(
        `SELECT ${COMMENT_COLUMNS} FROM comments WHERE doc_id = ? AND thread_id = ? ORDER BY seq`,
      ),
      count: db.prepare('SELECT COUNT(*) AS n FROM threads WHERE doc_id = ?'),
    }
  }

  async listThreads(docId: string): Promise<Thread[]> {
    return assembleThreads(
      this.statements.threads.all(docId) as ThreadRow[],
      this.statements.comments.all(docId) as CommentRow[],
    )
  }

  async getThread(docId: string, threadId: string): Promise<Thread | null> {
    const row = this.statements.thread.get(docId, threadId) as ThreadRow | undefined
    if (!row) return null
    return assembleThreads([row], this.statements.threadComments.all(docId, threadId) as CommentRow[])[0]!
  }

  async countThreads(docId: string): Promise<number> {
    return (this.statements.count.get(docId) as { n: number }).n
  }

  async createThread(docId: string, thread: NewThread): Promise<Thread> {
    const { comment } = thread
    await this.database.write([
      {
        sql:
          'INSERT OR IGNORE INTO threads ' +
          '(doc_id, id, status, quote, anchor_start, anchor_end, suggestion_id, created_at, updated_at) ' +
          "VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?)",
        params: [
          docId,
          thread.id,
          thread.quote,
          thread.anchor?.start ?? null,
          thread.anchor?.end ?? null,
          thread.suggestionId ?? null,
          comment.at,
          comment.at,
        ],
      },
      // Only with a thread just made: an existing one keeps its opening comment.
      {
        sql:
          'INSERT INTO comments (doc_id, thread_id, id, body, author_id, author_name, author_verified, created_at) ' +
          'SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() > 0',
        params: commentParams(docId, thread.id, comment),
      },
    ])
    return (await this.getThread(docId, thread.id))!
  }

  async addComment(docId: string, threadId: string, comment: NewComment): Promise<Thread | null> {
    await this.database.write([
      { sql: INSERT_COMMENT_IF_THREAD, params: [...commentParams(docId, threadId, comment), docId, threadId] },
      { sql: TOUCH_IF_CHANGED, params: [comment.at, docId, threadId] },
    ])
    return this.getThread(docId, threadId)
  }

  async editComment(docId: string, threadId: string, commentId: string, body: string, at: number) {
    return this.changeComment(docId, threadId, at, {
      sql: 'UPDATE comments SET body = ?, edited_at = ? WHERE doc_id = ? AND thread_id = ? AND id = ?',
      params: [body, at, docId, threadId, commentId],
    })
  }

  async deleteComment(docId: string, threadId: string, commentId: string, at: number) {
    return this.changeComment(docId, threadId, at, {
      sql: 'DELETE FROM comments WHERE doc_id = ? AND thread_id = ? AND id = ?',
      params: [docId, threadId, commentId],
    })
  }

  async setStatus(docId: string, threadId: string, status: ThreadStatus, at: number): Promise<Thread | null> {
    const [updated] = await this.database.write([
      {
        sql: 'UPDATE threads SET status = ?, updated_at = ? WHERE doc_id = ? AND id = ?',
        params: [status, at, docId, threadId],
      },
    ])
    return updated!.changes > 0 ? this.getThread(docId, threadId) : null
  }

  async deleteThread(docId: string, threadId: string): Promise<boolean> {
    const [, deleted] = await this.database.write([
      { sql: 'DELETE FROM comments WHERE doc_id = ? AND thread_id = ?', params: [docId, threadId] },
      { sql: 'DELETE FROM threads WHERE doc_id = ? AND id = ?', params: [docId, threadId] },
    ])
    return deleted!.changes > 0
  }

  async deleteDocument(docId: string): Promise<void> {
    await this.database.write([
      { sql: 'DELETE FROM comments WHERE doc_id = ?', params: [docId] },
      { sql: 'DELETE FROM threads WHERE doc_id = ?', params: [docId] },
    ])
  }

  /** One statement on one comment, then the thread's updated_at if it changed a row. */
  private async changeComment(
    docId: string,
    threadId: string,
    at: number,
    statement: SqlStatement,
  ): Promise<Thread | null> {
    const [changed] = await this.database.write([statement, { sql: TOUCH_IF_CHANGED, params: [at, docId, threadId] }])
    if (changed!.changes === 0) return null
    return this.getThread(docId, threadId)
  }
}

function commentParams(docId: string, threadId: string, comment: NewComment) {
  const { author } = comment
  return [docId, threadId, comment.id, comment.body, author.id, author.name, author.isVerified ? 1 : 0, comment.at]
}
