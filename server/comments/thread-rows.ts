import type { Comment, Thread, ThreadStatus } from '../../shared/comments.js'

/** A `threads` row as the SQL stores (SQLite, PostgreSQL) read it; numbers may come as strings (BIGINT). */
export interface ThreadRow {
  id: string
  status: ThreadStatus
  quote: string
  anchor_start: string | null
  anchor_end: string | null
  suggestion_id: string | null
  created_at: number | string
  updated_at: number | string
}

/** A `comments` row, with the thread it belongs to. */
export interface CommentRow {
  thread_id: string
  id: string
  body: string
  author_id: string
  author_name: string
  author_verified: number | boolean
  created_at: number | string
  edited_at: number | string | null
}

export const THREAD_COLUMNS = 'id, status, quote, anchor_start, anchor_end, suggestion_id, created_at, updated_at'
export const COMMENT_COLUMNS = 'thread_id, id, body, author_id, author_name, author_verified, created_at, edited_at'

/** Threads in the order of `threads`, each with its comments in the order of `comments`. */
export function assembleThreads(threads: readonly ThreadRow[], comments: readonly CommentRow[]): Thread[] {
  const byThread = new Map<string, Comment[]>()
  for (const row of comments) {
    let list = byThread.get(row.thread_id)
    if (!list) byThread.set(row.thread_id, (list = []))
    list.push(toComment(row))
  }
  return threads.map((row) => ({
    id: row.id,
    status: row.status,
    quote: row.quote,
    anchor:
      row.anchor_start !== null && row.anchor_end !== null ? { start: row.anchor_start, end: row.anchor_end } : null,
    suggestionId: row.suggestion_id ?? null,
    comments: byThread.get(row.id) ?? [],
    createdAt: isoDate(row.created_at),
    updatedAt: isoDate(row.updated_at),
  }))
}

function toComment(row: CommentRow): Comment {
  return {
    id: row.id,
    body: row.body,
    author: { id: row.author_id, name: row.author_name, isVerified: Boolean(row.author_verified) },
    createdAt: isoDate(row.created_at),
    editedAt: row.edited_at === null ? null : isoDate(row.edited_at),
  }
}

function isoDate(millis: number | string): string {
  return new Date(Number(millis)).toISOString()
}
