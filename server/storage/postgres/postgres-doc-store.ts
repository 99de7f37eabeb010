import type { DocId } from '../../../shared/ids.js'
import { GROUP_COMMIT_MAX_INTERVAL_MS, GROUP_COMMIT_MIN_INTERVAL_MS } from '../../../shared/limits.js'
import {
  UPDATED_AT_GRANULARITY_MS,
  type DocInfo,
  type DocStore,
  type QuarantinedEntry,
  type Seq,
  type StoredDoc,
  type StoredEntry,
} from '../doc-store.js'
import { GroupCommitQueue } from '../group-commit.js'
import type { PostgresDatabase } from './postgres-database.js'

/** Deadlock and serialization failures: the transaction did nothing and may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001'])
const MAX_COMMIT_ATTEMPTS = 3

interface AppendItem {
  docId: DocId
  update: Uint8Array
}

/**
 * Documents in PostgreSQL, for several instances sharing one database. The log is append-only, so
 * concurrent writers never conflict on update rows; group commit makes one transaction per batch
 * (per event-loop turn) and acknowledges only after COMMIT (synchronous: see PostgresDatabase).
 */
/**
 * A document's DocInfo fields (sizeBytes aside) under DocInfo's names; BIGINT milliseconds as float8,
 * which node-postgres returns as numbers (it returns BIGINT as strings), so rows need no mapping.
 */
const INFO_COLUMNS =
  'd.doc_id AS "docId", d.title, d.created_at::float8 AS "createdAt", d.updated_at::float8 AS "updatedAt"'

export class PostgresDocStore implements DocStore {
  readonly kind = 'postgres'
  private readonly appends: GroupCommitQueue<AppendItem, Seq>

  constructor(
    private readonly database: PostgresDatabase,
    private readonly now: () => number,
  ) {
    this.appends = new GroupCommitQueue((items) => this.commitAppends(items), {
      minIntervalMs: GROUP_COMMIT_MIN_INTERVAL_MS,
      maxIntervalMs: GROUP_COMMIT_MAX_INTERVAL_MS,
    })
  }

  async load(docId: DocId): Promise<StoredDoc> {
    // The snapshot first: it sits at the highest seq it merged, and a row it did not merge may be lower.
    const { rows } = await this.database.pool.query<{ seq: string; data: Buffer; is_snapshot: boolean }>(
      'SELECT seq, data, is_snapshot FROM updates WHERE doc_id = $1 ORDER BY is_snapshot DESC, seq',
      [docId],
    )
    let tailBytes = 0
    let lastSeq = 0
    const entries = rows.map((row) => {
      const seq = Number(row.seq)
      if (!row.is_snapshot) tailBytes += row.data.byteLength
      lastSeq = Math.max(lastSeq, seq)
      return { seq, update: new Uint8Array(row.data), isSnapshot: row.is_snapshot }
    })
    return { entries, lastSeq, tailBytes }
  }

  append(docId: DocId, update: Uint8Array): Promise<Seq> {
    return this.appends.push({ docId, update })
  }

  async compact(docId: DocId, snapshot: Uint8Array, merged: readonly StoredEntry[]): Promise<boolean> {
    if (merged.length === 0) return false
    try {
      return await this.database.transaction(async (client) => {
        // Exactly the rows compaction read: a row that committed late with a lower seq stays. A snapshot's
        // seq is reused by the one replacing it, so snapshots must also match by content.
        const deleted = await client.query(
          `DELETE FROM updates u
           USING unnest($2::int8[], $3::bool[], $4::bytea[]) AS m(seq, is_snapshot, data)
           WHERE u.doc_id = $1 AND u.seq = m.seq AND u.is_snapshot = m.is_snapshot
             AND (NOT m.is_snapshot OR u.data = m.data)`,
          [
            docId,
            merged.map((e) => e.seq),
            merged.map((e) => e.isSnapshot),
            merged.map((e) => (e.isSnapshot ? Buffer.from(e.update) : Buffer.alloc(0))),
          ],
        )
        if (deleted.rowCount !== merged.length) return false
        await client.query('INSERT INTO updates (seq, doc_id, data, is_snapshot) VALUES ($1, $2, $3, TRUE)', [
          Math.max(...merged.map((e) => e.seq)),
          docId,
          Buffer.from(snapshot),
        ])
        return true
      })
    } catch (error) {
      // Two compactions deleting overlapping rows in different orders: one is chosen to lose.
      if (isRetryable(error)) return false
      throw error
    }
  }

  async quarantine(docId: DocId, seq: Seq, reason: string): Promise<void> {
    await this.database.pool.query(
      `WITH gone AS (DELETE FROM updates WHERE doc_id = $1 AND seq = $2 RETURNING data)
       INSERT INTO quarantine (doc_id, seq, data, reason, quarantined_at) SELECT $1, $2, data, $3, $4 FROM gone`,
      [docId, seq, reason, this.now()],
    )
  }

  async listQuarantined(docId?: DocId): Promise<QuarantinedEntry[]> {
    const { rows } = await this.database.pool.query<{
      doc_id: DocId
      seq: string
      reason: string
      quarantined_at: string
    }>(
      `SELECT doc_id, seq, reason, quarantined_at FROM quarantine
       WHERE $1::text IS NULL OR doc_id = $1 ORDER BY quarantined_at DESC, seq DESC`,
      [docId ?? null],
    )
    return rows.map((r) => ({
      docId: r.doc_id,
      seq: Number(r.seq),
      reason: r.reason,
      quarantinedAt: Number(r.quarantined_at),
    }))
  }

  async delete(docId: DocId): Promise<boolean> {
    await this.appends.flush()
    return this.database.transaction(async (client) => {
      const updates = await client.query('DELETE FROM updates WHERE doc_id = $1', [docId])
      const documents = await client.query('DELETE FROM documents WHERE doc_id = $1', [docId])
      return (updates.rowCount ?? 0) + (documents.rowCount ?? 0) > 0
    })
  }

  async create(docId: DocId, title: string): Promise<boolean> {
    const now = this.now()
    const result = await this.database.pool.query(
      `INSERT INTO documents (doc_id, title, created_at, updated_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (doc_id) DO NOTHING`,
      [docId, title, now],
    )
    return result.rowCount === 1
  }

  async info(docId: DocId): Promise<DocInfo | null> {
    const { rows } = await this.database.pool.query<DocInfo>(
      `SELECT ${INFO_COLUMNS},
              (SELECT COALESCE(SUM(octet_length(u.data)), 0) FROM updates u WHERE u.doc_id = d.doc_id)::float8 AS "sizeBytes"
       FROM documents d WHERE d.doc_id = $1`,
      [docId],
    )
    return rows[0] ?? null
  }

  async list(): Promise<DocInfo[]> {
    const { rows } = await this.database.pool.query<DocInfo>(
      `SELECT ${INFO_COLUMNS}, COALESCE(s.size_bytes, 0)::float8 AS "sizeBytes"
       FROM documents d
       LEFT JOIN (SELECT doc_id, SUM(octet_length(data)) AS size_bytes FROM updates GROUP BY doc_id) s
         ON s.doc_id = d.doc_id
       ORDER BY d.updated_at DESC, d.doc_id`,
    )
    return rows
  }

  async setTitle(docId: DocId, title: string): Promise<boolean> {
    const result = await this.database.pool.query(
      'UPDATE documents SET title = $1, updated_at = $2 WHERE doc_id = $3',
      [title, this.now(), docId],
    )
    return result.rowCount === 1
  }

  async ping(): Promise<void> {
    await this.database.pool.query('SELECT 1')
  }

  /** Commits the queued appends; the pool closes with its backend (postgres-storage.ts). */
  close(): Promise<void> {
    return this.appends.flush()
  }

  /**
   * One transaction for the whole batch; the promise resolves only after COMMIT returned, so every
   * acknowledgement is for a committed row. Seqs are taken from the sequence first, in item order,
   * so a batch's seqs increase in the order its updates arrived.
   */
  private async commitAppends(items: AppendItem[]): Promise<Seq[]> {
    const docIds = [...new Set(items.map((i) => i.docId))].sort()
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.database.transaction(async (client) => {
          const allocated = await client.query<{ seq: string }>(
            `SELECT nextval(pg_get_serial_sequence('updates', 'seq')) AS seq FROM generate_series(1, $1)`,
            [items.length],
          )
          const seqs = allocated.rows.map((r) => Number(r.seq)).sort((a, b) => a - b)
          await client.query(
            'INSERT INTO updates (seq, doc_id, data) SELECT * FROM unnest($1::int8[], $2::text[], $3::bytea[])',
            [seqs, items.map((i) => i.docId), items.map((i) => Buffer.from(i.update))],
          )
          // Last, so document rows stay locked only until COMMIT. The timestamp moves at most once a
          // second: with every instance appending to a busy document, touching its row on every batch
          // would serialize all their commits on that one row lock (rows the WHERE skips are not locked).
          const now = this.now()
          await client.query(
            `INSERT INTO documents (doc_id, title, created_at, updated_at)
             SELECT d, '', $2, $2 FROM unnest($1::text[]) AS d ORDER BY d
             ON CONFLICT (doc_id) DO NOTHING`,
            [docIds, now],
          )
          await client.query(
            'UPDATE documents SET updated_at = $2 WHERE doc_id = ANY($1::text[]) AND updated_at <= $2::int8 - $3::int8',
            [docIds, now, UPDATED_AT_GRANULARITY_MS],
          )
          return seqs
        })
      } catch (error) {
        if (!isRetryable(error) || attempt >= MAX_COMMIT_ATTEMPTS) throw error
      }
    }
  }
}

function isRetryable(error: unknown): boolean {
  return RETRYABLE_SQLSTATES.has((error as { code?: string }).code ?? '')
}
