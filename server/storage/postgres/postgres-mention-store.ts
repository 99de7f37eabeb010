import type { MentionPage, MentionStore, NewMention, StoredMention } from '../../mentions/mention-store.js'
import type { PostgresDatabase } from './postgres-database.js'

// BIGINT as float8, which node-postgres returns as numbers (BIGINT comes back as strings).
const MENTION_COLUMNS = `seq::float8 AS seq, id, doc_id AS "docId", thread_id AS "threadId", comment_id AS "commentId",
  email, author_id AS "authorId", author_name AS "authorName", excerpt, created_at::float8 AS "createdAt",
  read_at::float8 AS "readAt"`

type MentionRow = StoredMention & { seq: number }

/** Mentions in the shared PostgreSQL database, beside the comments they point at. */
export class PostgresMentionStore implements MentionStore {
  constructor(private readonly database: PostgresDatabase) {}

  async add(mentions: NewMention[]): Promise<StoredMention[]> {
    if (mentions.length === 0) return []
    return this.database.transaction(async (client) => {
      const added: StoredMention[] = []
      for (const mention of mentions) {
        const result = await client.query(
          `INSERT INTO mentions (id, doc_id, thread_id, comment_id, email, author_id, author_name, excerpt, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (doc_id, thread_id, comment_id, email) DO NOTHING`,
          [
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
        )
        if ((result.rowCount ?? 0) > 0) added.push({ ...mention, readAt: null })
      }
      return added
    })
  }

  async list(email: string, page: { limit: number; before?: string }): Promise<MentionPage> {
    // One more than asked: whether it exists says whether there is a next page.
    const { rows } =
      page.before === undefined
        ? await this.database.pool.query<MentionRow>(
            `SELECT ${MENTION_COLUMNS} FROM mentions WHERE email = $1 ORDER BY seq DESC LIMIT $2`,
            [email, page.limit + 1],
          )
        : await this.database.pool.query<MentionRow>(
            `SELECT ${MENTION_COLUMNS} FROM mentions WHERE email = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
            [email, Number(page.before), page.limit + 1],
          )
    const shown = rows.slice(0, page.limit)
    return {
      mentions: shown.map(({ seq: _seq, ...mention }) => mention),
      next: rows.length > page.limit ? String(shown[shown.length - 1]!.seq) : null,
    }
  }

  async unreadByDocument(email: string): Promise<{ docId: string; count: number }[]> {
    const { rows } = await this.database.pool.query<{ docId: string; count: number }>(
      `SELECT doc_id AS "docId", COUNT(*)::float8 AS count FROM mentions
       WHERE email = $1 AND read_at IS NULL GROUP BY doc_id`,
      [email],
    )
    return rows
  }

  async markRead(email: string, ids: string[], at: number): Promise<number> {
    if (ids.length === 0) return 0
    const result = await this.database.pool.query(
      'UPDATE mentions SET read_at = $1 WHERE email = $2 AND id = ANY($3::text[]) AND read_at IS NULL',
      [at, email, ids],
    )
    return result.rowCount ?? 0
  }

  async forgetComment(docId: string, threadId: string, commentId: string): Promise<void> {
    await this.database.pool.query('DELETE FROM mentions WHERE doc_id = $1 AND thread_id = $2 AND comment_id = $3', [
      docId,
      threadId,
      commentId,
    ])
  }

  async forgetThread(docId: string, threadId: string): Promise<void> {
    await this.database.pool.query('DELETE FROM mentions WHERE doc_id = $1 AND thread_id = $2', [docId, threadId])
  }

  async forgetDocument(docId: string): Promise<void> {
    await this.database.pool.query('DELETE FROM mentions WHERE doc_id = $1', [docId])
  }
}
