import type { DocId } from '../../../shared/ids.js'
import { GROUP_COMMIT_MAX_INTERVAL_MS, GROUP_COMMIT_MIN_INTERVAL_MS } from '../../../shared/limits.js'
import type { DocInfo, DocStore, QuarantinedEntry, Seq, StoredDoc, StoredEntry } from '../doc-store.js'
import { GroupCommitQueue } from '../group-commit.js'
import type { SqliteDatabase } from './sqlite-database.js'
import type { AppendItem } from './sqlite-write-connection.js'

/**
 * Documents in the SQLite file (the embedded default). Appends, the hot path, go to the writer
 * thread in paced batches (group commit); reads run on the main connection, which WAL lets read
 * while the writer commits.
 */
/** A document's DocInfo fields (sizeBytes aside), named as DocInfo names them so rows need no mapping. */
const INFO_COLUMNS = 'd.doc_id AS docId, d.title, d.created_at AS createdAt, d.updated_at AS updatedAt'

export class SqliteDocStore implements DocStore {
  readonly kind = 'sqlite'
  private readonly appends: GroupCommitQueue<AppendItem, Seq>
  private readonly statements

  constructor(
    private readonly database: SqliteDatabase,
    private readonly now: () => number,
  ) {
    const db = database.reader
    this.statements = {
      // The snapshot first: it sits at the highest seq it merged, and a row it did not merge may be lower.
      load: db.prepare('SELECT seq, data, is_snapshot FROM updates WHERE doc_id = ? ORDER BY is_snapshot DESC, seq'),
      listQuarantined: db.prepare(
        `SELECT doc_id, seq, reason, quarantined_at FROM quarantine
         WHERE ? IS NULL OR doc_id = ? ORDER BY quarantined_at DESC, seq DESC`,
      ),
      info: db.prepare(
        `SELECT ${INFO_COLUMNS},
                (SELECT COALESCE(SUM(length(u.data)), 0) FROM updates u WHERE u.doc_id = d.doc_id) AS sizeBytes
         FROM documents d WHERE d.doc_id = ?`,
      ),
      list: db.prepare(
        `SELECT ${INFO_COLUMNS}, COALESCE(s.size_bytes, 0) AS sizeBytes
         FROM documents d
         LEFT JOIN (SELECT doc_id, SUM(length(data)) AS size_bytes FROM updates GROUP BY doc_id) s
           ON s.doc_id = d.doc_id
         ORDER BY d.updated_at DESC, d.doc_id`,
      ),
      ping: db.prepare('SELECT 1'),
    }
    this.appends = new GroupCommitQueue((items: AppendItem[]) => database.writer.commit(items), {
      minIntervalMs: GROUP_COMMIT_MIN_INTERVAL_MS,
      maxIntervalMs: GROUP_COMMIT_MAX_INTERVAL_MS,
    })
  }

  async load(docId: DocId): Promise<StoredDoc> {
    const rows = this.statements.load.all(docId) as { seq: number; data: Buffer; is_snapshot: number }[]
    let tailBytes = 0
    const entries = rows.map((row) => {
      if (!row.is_snapshot) tailBytes += row.data.byteLength
      return { seq: row.seq, update: new Uint8Array(row.data), isSnapshot: row.is_snapshot === 1 }
    })
    return { entries, lastSeq: entries.reduce((max, e) => Math.max(max, e.seq), 0), tailBytes }
  }

  append(docId: DocId, update: Uint8Array): Promise<Seq> {
    return this.appends.push({ docId, update })
  }

  async compact(docId: DocId, snapshot: Uint8Array, merged: readonly StoredEntry[]): Promise<boolean> {
    if (merged.length === 0) return false
    return this.database.writer.compact(
      docId,
      snapshot,
      merged.map((entry) => (entry.isSnapshot ? { seq: entry.seq, snapshot: entry.update } : { seq: entry.seq })),
    )
  }

  async quarantine(docId: DocId, seq: Seq, reason: string): Promise<void> {
    await this.database.write([
      {
        sql: `INSERT INTO quarantine (doc_id, seq, data, reason, quarantined_at)
              SELECT doc_id, seq, data, ?, ? FROM updates WHERE doc_id = ? AND seq = ?`,
        params: [reason, this.now(), docId, seq],
      },
      { sql: 'DELETE FROM updates WHERE doc_id = ? AND seq = ?', params: [docId, seq] },
    ])
  }

  async listQuarantined(docId?: DocId): Promise<QuarantinedEntry[]> {
    const rows = this.statements.listQuarantined.all(docId ?? null, docId ?? null) as {
      doc_id: DocId
      seq: number
      reason: string
      quarantined_at: number
    }[]
    return rows.map((r) => ({ docId: r.doc_id, seq: r.seq, reason: r.reason, quarantinedAt: r.quarantined_at }))
  }

  async delete(docId: DocId): Promise<boolean> {
    await this.appends.flush()
    const [updates, documents] = await this.database.write([
      { sql: 'DELETE FROM updates WHERE doc_id = ?', params: [docId] },
      { sql: 'DELETE FROM documents WHERE doc_id = ?', params: [docId] },
    ])
    return updates!.changes + documents!.changes > 0
  }

  async create(docId: DocId, title: string): Promise<boolean> {
    const now = this.now()
    const [created] = await this.database.write([
      {
        sql: `INSERT INTO documents (doc_id, title, created_at, updated_at) VALUES (?, ?, ?, ?)
              ON CONFLICT (doc_id) DO NOTHING`,
        params: [docId, title, now, now],
      },
    ])
    return created!.changes === 1
  }

  async info(docId: DocId): Promise<DocInfo | null> {
    return (this.statements.info.get(docId) as DocInfo | undefined) ?? null
  }

  async list(): Promise<DocInfo[]> {
    return this.statements.list.all() as DocInfo[]
  }

  async setTitle(docId: DocId, title: string): Promise<boolean> {
    const [updated] = await this.database.write([
      { sql: 'UPDATE documents SET title = ?, updated_at = ? WHERE doc_id = ?', params: [title, this.now(), docId] },
    ])
    return updated!.changes === 1
  }

  async ping(): Promise<void> {
    this.statements.ping.get()
  }

  /** Resolves once every append so far is committed (or has failed); skips the pacing wait. */
  flush(): Promise<void> {
    return this.appends.flush()
  }

  /** Commits the queued appends; the database closes with its backend (sqlite-storage.ts). */
  close(): Promise<void> {
    return this.appends.flush()
  }
}
