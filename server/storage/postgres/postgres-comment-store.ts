import type { ThreadStatus } from '../../../shared/comments.js'
import type { CommentStore, NewComment, NewThread, Thread } from '../../comments/comment-store.js'
import {
  assembleThreads,
  COMMENT_COLUMNS,
  THREAD_COLUMNS,
  type CommentRow,
  type ThreadRow,
} from '../../comments/thread-rows.js'
import type { PostgresDatabase } from './postgres-database.js'

type Queryable = Pick<PostgresDatabase['pool'], 'query'>

const INSERT_COMMENT =
  'INSERT INTO comments (doc_id, thread_id, id, body, author_id, author_name, author_verified, created_at) ' +
  'VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (doc_id, thread_id, id) DO NOTHING'
const TOUCH = 'UPDATE threads SET updated_at = $1 WHERE doc_id = $2 AND id = $3'

/** Threads in the same PostgreSQL database as the documents, shared by every instance. */
export class PostgresCommentStore implements CommentStore {
  constructor(private readonly database: PostgresDatabase) {}

  async listThreads(docId: string): Promise<Thread[]> {
    const { pool } = this.database
    const [threads, comments] = await Promise.all([
      pool.query<ThreadRow>(`SELECT ${THREAD_COLUMNS} FROM threads WHERE doc_id = $1 ORDER BY created_at, seq`, [
        docId,
      ]),
      pool.query<CommentRow>(`SELECT ${COMMENT_COLUMNS} FROM comments WHERE doc_id = $1 ORDER BY seq`, [docId]),
    ])
    // Read apart: a comment whose thread was not yet (or no longer) listed is simply left out.
    return assembleThreads(threads.rows, comments.rows)
  }

  getThread(docId: string, threadId: string): Promise<Thread | null> {
    return readThread(this.database.pool, docId, threadId)
  }

  async countThreads(docId: string): Promise<number> {
    const { rows } = await this.database.pool.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM threads WHERE doc_id = $1',
      [docId],
    )
    return Number(rows[0]!.n)
  }

  createThread(docId: string, thread: NewThread): Promise<Thread> {
    const { comment } = thread
    return this.database.transaction(async (client) => {
      const inserted = await client.query(
        'INSERT INTO threads (doc_id, id, status, quote, anchor_start, anchor_end, suggestion_id, created_at, updated_at) ' +
          "VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $7) ON CONFLICT (doc_id, id) DO NOTHING",
        [
          docId,
          thread.id,
          thread.quote,
          thread.anchor?.start ?? null,
          thread.anchor?.end ?? null,
          thread.suggestionId ?? null,
          comment.at,
        ],
      )
      // An existing thread keeps its opening comment.
      if (inserted.rowCount) await client.query(INSERT_COMMENT, commentParams(docId, thread.id, comment))
      return (await readThread(client, docId, thread.id))!
    })
  }

  addComment(docId: string, threadId: string, comment: NewComment): Promise<Thread | null> {
    return this.database.transaction(async (client) => {
      // Locks the thread row: a concurrent deleteThread cannot leave this comment orphaned.
      const thread = await client.query('SELECT 1 FROM threads WHERE doc_id = $1 AND id = $2 FOR UPDATE', [
        docId,
        threadId,
      ])
      if (!thread.rowCount) return null
      const inserted = await client.query(INSERT_COMMENT, commentParams(docId, threadId, comment))
      if (inserted.rowCount) await client.query(TOUCH, [comment.at, docId, threadId])
      return readThread(client, docId, threadId)
    })
  }

  editComment(docId: string, threadId: string, commentId: string, body: string, at: number) {
    return this.changeComment(
      docId,
      threadId,
      at,
      'UPDATE comments SET body = $1, edited_at = $2 WHERE doc_id = $3 AND thread_id = $4 AND id = $5',
      [body, at, docId, threadId, commentId],
    )
  }

  deleteComment(docId: string, threadId: string, commentId: string, at: number) {
    return this.changeComment(
      docId,
      threadId,
      at,
      'DELETE FROM comments WHERE doc_id = $1 AND thread_id = $2 AND id = $3',
      [docId, threadId, commentId],
    )
  }

  async setStatus(docId: string, threadId: string, status: ThreadStatus, at: number): Promise<Thread | null> {
    const updated = await this.database.pool.query(
      'UPDATE threads SET status = $1, updated_at = $2 WHERE doc_id = $3 AND id = $4',
      [status, at, docId, threadId],
    )
    return updated.rowCount ? this.getThread(docId, threadId) : null
  }

  deleteThread(docId: string, threadId: string): Promise<boolean> {
    return this.database.transaction(async (client) => {
      await client.query('DELETE FROM comments WHERE doc_id = $1 AND thread_id = $2', [docId, threadId])
      const deleted = await client.query('DELETE FROM threads WHERE doc_id = $1 AND id = $2', [docId, threadId])
      return (deleted.rowCount ?? 0) > 0
    })
  }

  async deleteDocument(docId: string): Promise<void> {
    await this.database.transaction(async (client) => {
      await client.query('DELETE FROM comments WHERE doc_id = $1', [docId])
      await client.query('DELETE FROM threads WHERE doc_id = $1', [docId])
    })
  }

  /** One statement on one comment, then the thread's updated_at if it changed a row. */
  private changeComment(
    docId: string,
    threadId: string,
    at: number,
    sql: string,
    params: unknown[],
  ): Promise<Thread | null> {
    return this.database.transaction(async (client) => {
      const changed = await client.query(sql, params)
      if (!changed.rowCount) return null
      await client.query(TOUCH, [at, docId, threadId])
      return readThread(client, docId, threadId)
    })
  }
}

async function readThread(db: Queryable, docId: string, threadId: string): Promise<Thread | null> {
  const threads = await db.query<ThreadRow>(`SELECT ${THREAD_COLUMNS} FROM threads WHERE doc_id = $1 AND id = $2`, [
    docId,
    threadId,
  ])
  if (!threads.rowCount) return null
  const comments = await db.query<CommentRow>(
    `SELECT ${COMMENT_COLUMNS} FROM comments WHERE doc_id = $1 AND thread_id = $2 ORDER BY seq`,
    [docId, threadId],
  )
  return assembleThreads(threads.rows, comments.rows)[0]!
}

function commentParams(docId: string, threadId: string, comment: NewComment) {
  const { author } = comment
  return [docId, threadId, comment.id, comment.body, author.id, author.name, author.isVerified, comment.at]
}
