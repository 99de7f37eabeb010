import type { MentionPage, MentionStore, NewMention, StoredMention } from '../../mentions/mention-store.js'
import type { SqliteDatabase } from './sqlite-database.js'

const MENTION_COLUMNS =
  'seq, id, doc_id AS docId, thread_id AS threadId, comment_id AS commentId, email, author_id AS authorId, ' +
  'author_name AS authorName, excerpt, created_at AS createdAt, read_at AS readAt'

type MentionRow = StoredMention & { seq: number }

/** Mentions in the documents' SQLite file (one backup holds them with the comments they point at). */
export class SqliteMentionStore implements MentionStore {
  private readonly statements

  /** Reads on the main connection; writes on the writer thread, like the documents' own. */
  constructor(private readonly database: SqliteDatabase) {
    const db = database.reader
    this.statements = {
      newest: db.prepare(`SELECT ${MENTION_COLUMNS} FROM mentions WHERE email = ? ORDER BY seq DESC LIMIT ?`),
      older: db.prepare(
        `SELECT ${MENTION_COLUMNS} FROM mentions WHERE email = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
      unread: db.prepare(
        'SELECT doc_id AS docId, COUNT(*) AS count FROM mentions WHERE email = ? AND read_at IS NULL GROUP BY doc_id',
      ),
    }
  }

  async add(mentions: NewMention[]): Promise<StoredMention[]> {
    if (mentions.length === 0) return []
    const results = await this.database.write(
      mentions.map((mention) => ({
        sql:
          'INSERT INTO mentions (id, doc_id, thread_id, comment_id, email, author_id, author_name, excerpt, created_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (doc_id, thread_id, comment_id, email) DO NOTHING',
        params: [
          mention.id,
          mention.docId,
          mention.threadId,
          mention.commentId,
          mention.email,
          mention.authorId,
          mention.authorName,
          mention.excerpt,
          mention.createdAt,
        ],
      })),
    )
    return mentions.filter((_, index) => results[index]!.changes > 0).map((mention) => ({ ...mention, readAt: null }))
  }

  async list(email: string, page: { limit: number; before?: string }): Promise<MentionPage> {
    // One more than asked: whether it exists says whether there is a next page.
    const rows = (
      page.before === undefined
        ? this.statements.newest.all(email, page.limit + 1)
        : this.statements.older.all(email, Number(page.before), page.limit + 1)
    ) as MentionRow[]
    const shown = rows.slice(0, page.limit)
    return {
      mentions: shown.map(({ seq: _seq, ...mention }) => mention),
      next: rows.length > page.limit ? String(shown[shown.length - 1]!.seq) : null,
    }
  }

  async unreadByDocument(email: string): Promise<{ docId: string; count: number }[]> {
    return this.statements.unread.all(email) as { docId: string; count: number }[]
  }

  async markRead(email: string, ids: string[], at: number): Promise<number> {
    if (ids.length === 0) return 0
    // One fixed statement per id (the writer prepares each SQL text once), in one transaction.
    const results = await this.database.write(
      ids.map((id) => ({
        sql: 'UPDATE mentions SET read_at = ? WHERE email = ? AND id = ? AND read_at IS NULL',
        params: [at, email, id],
      })),
    )
    return results.reduce((sum, result) => sum + result.changes, 0)
  }

  async forgetComment(docId: string, threadId: string, commentId: string): Promise<void> {
    await this.database.write([
      {
        sql: 'DELETE FROM mentions WHERE doc_id = ? AND thread_id = ? AND comment_id = ?',
        params: [docId, threadId, commentId],
      },
    ])
  }

  async forgetThread(docId: string, threadId: string): Promise<void> {
    await this.database.write([
      { sql: 'DELETE FROM mentions WHERE doc_id = ? AND thread_id = ?', params: [docId, threadId] },
    ])
  }

  async forgetDocument(docId: string): Promise<void> {
    await this.database.write([{ sql: 'DELETE FROM mentions WHERE doc_id = ?', params: [docId] }])
  }
}
