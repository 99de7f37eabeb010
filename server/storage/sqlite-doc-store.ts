import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { DocId } from '../../shared/ids.js'
import type { DocInfo, DocStore, QuarantinedEntry, Seq, StoredDoc, StoredEntry } from './doc-store.js'
import { GROUP_COMMIT_MIN_INTERVAL_MS } from '../../shared/limits.js'
import { GroupCommitQueue } from './group-commit.js'
import { SqliteWriter, type AppendItem, type SqlRunResult, type SqlStatement } from './sqlite-writer.js'

export const SQLITE_FILE_NAME = 'tandem.db'

/** Every connection to the file, the main one and the append writer's: durable commits, no SQLITE_BUSY. */
const CONNECTION_PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'busy_timeout = 5000']

/** Schema migrations, applied in order at open; PRAGMA user_version records the last one run. */
const MIGRATIONS: string[] = [
  `CREATE TABLE documents (
     doc_id     TEXT PRIMARY KEY,
     title      TEXT NOT NULL DEFAULT '',
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   -- One table for the log and its snapshot: load is a single ordered range scan.
   CREATE TABLE updates (
     seq         INTEGER PRIMARY KEY AUTOINCREMENT,
     doc_id      TEXT NOT NULL,
     data        BLOB NOT NULL,
     is_snapshot INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX updates_by_doc ON updates (doc_id, seq);
   CREATE TABLE quarantine (
     doc_id         TEXT NOT NULL,
     seq            INTEGER NOT NULL,
     data           BLOB NOT NULL,
     reason         TEXT NOT NULL,
     quarantined_at INTEGER NOT NULL
   );
   CREATE INDEX updates_docs_by_time ON documents (updated_at);`,
  // Version history and token revocations were created by their own stores before they became
  // migrations; IF NOT EXISTS adopts those tables.
  `CREATE TABLE IF NOT EXISTS versions (
     id         INTEGER PRIMARY KEY AUTOINCREMENT,
     doc_id     TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     name       TEXT,
     authors    TEXT NOT NULL,
     size_bytes INTEGER NOT NULL,
     state      BLOB NOT NULL
   );
   CREATE INDEX IF NOT EXISTS versions_by_doc ON versions (doc_id, created_at);`,
  `CREATE TABLE IF NOT EXISTS revocations (
     id         INTEGER PRIMARY KEY AUTOINCREMENT,
     kind       TEXT NOT NULL,
     subject    TEXT NOT NULL,
     revoked_at INTEGER NOT NULL,
     expires_at INTEGER
   );
   CREATE INDEX IF NOT EXISTS revocations_by_expiry ON revocations (expires_at);`,
]

export interface SqliteDocStoreOptions {
  /** Directory holding tandem.db (created if missing). */
  dataDir: string
  now?: () => number
}

/**
 * The embedded default. WAL with synchronous=FULL: a commit survives an OS crash, and group commit
 * keeps that affordable (one fsync per batch, not per keystroke). Every write commits on a worker
 * thread (sqlite-writer.ts) so fsync never stalls the event loop; this connection reads and migrates.
 */
export class SqliteDocStore implements DocStore {
  readonly kind = 'sqlite'
  readonly file: string
  private readonly db: Database.Database
  private readonly now: () => number
  private readonly writer: SqliteWriter
  private readonly appends: GroupCommitQueue<AppendItem, Seq>
  private readonly statements

  constructor(options: SqliteDocStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true })
    this.file = path.join(options.dataDir, SQLITE_FILE_NAME)
    this.now = options.now ?? Date.now
    this.db = new Database(this.file)
    for (const pragma of CONNECTION_PRAGMAS) this.db.pragma(pragma)
    migrate(this.db)
    this.statements = {
      // The snapshot first: it sits at the highest seq it merged, and a row it did not merge may be lower.
      load: this.db.prepare(
        'SELECT seq, data, is_snapshot FROM updates WHERE doc_id = ? ORDER BY is_snapshot DESC, seq',
      ),
      listQuarantined: this.db.prepare(
        `SELECT doc_id, seq, reason, quarantined_at FROM quarantine
         WHERE ? IS NULL OR doc_id = ? ORDER BY quarantined_at DESC, seq DESC`,
      ),
      info: this.db.prepare(
        `SELECT d.doc_id, d.title, d.created_at, d.updated_at,
                (SELECT COALESCE(SUM(length(u.data)), 0) FROM updates u WHERE u.doc_id = d.doc_id) AS size_bytes
         FROM documents d WHERE d.doc_id = ?`,
      ),
      list: this.db.prepare(
        `SELECT d.doc_id, d.title, d.created_at, d.updated_at, COALESCE(s.size_bytes, 0) AS size_bytes
         FROM documents d
         LEFT JOIN (SELECT doc_id, SUM(length(data)) AS size_bytes FROM updates GROUP BY doc_id) s
           ON s.doc_id = d.doc_id
         ORDER BY d.updated_at DESC, d.doc_id`,
      ),
    }
    // Every write commits on a worker thread (appends, the hot path, in paced batches); this
    // connection only reads once the schema is migrated, and WAL lets it read while the writer commits.
    this.writer = new SqliteWriter(this.file, this.now, CONNECTION_PRAGMAS)
    this.appends = new GroupCommitQueue((items: AppendItem[]) => this.writer.commit(items), {
      minIntervalMs: GROUP_COMMIT_MIN_INTERVAL_MS,
    })
  }

  /** The open database, for reads by stores that keep their tables in the same file (history, revocations). */
  get database(): Database.Database {
    return this.db
  }

  /** Runs write statements in one transaction on the writer thread (see SqliteWriter.run). */
  write(statements: readonly SqlStatement[]): Promise<SqlRunResult[]> {
    return this.writer.run(statements)
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
    return this.writer.compact(
      docId,
      snapshot,
      merged.map((entry) => (entry.isSnapshot ? { seq: entry.seq, snapshot: entry.update } : { seq: entry.seq })),
    )
  }

  async quarantine(docId: DocId, seq: Seq, reason: string): Promise<void> {
    await this.write([
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
    const [updates, documents] = await this.write([
      { sql: 'DELETE FROM updates WHERE doc_id = ?', params: [docId] },
      { sql: 'DELETE FROM documents WHERE doc_id = ?', params: [docId] },
    ])
    return updates!.changes + documents!.changes > 0
  }

  async create(docId: DocId, title: string): Promise<boolean> {
    const now = this.now()
    const [created] = await this.write([
      {
        sql: `INSERT INTO documents (doc_id, title, created_at, updated_at) VALUES (?, ?, ?, ?)
              ON CONFLICT (doc_id) DO NOTHING`,
        params: [docId, title, now, now],
      },
    ])
    return created!.changes === 1
  }

  async info(docId: DocId): Promise<DocInfo | null> {
    const row = this.statements.info.get(docId) as InfoRow | undefined
    return row ? toInfo(row) : null
  }

  async list(): Promise<DocInfo[]> {
    return (this.statements.list.all() as InfoRow[]).map(toInfo)
  }

  async setTitle(docId: DocId, title: string): Promise<boolean> {
    const [updated] = await this.write([
      { sql: 'UPDATE documents SET title = ?, updated_at = ? WHERE doc_id = ?', params: [title, this.now(), docId] },
    ])
    return updated!.changes === 1
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get()
  }

  /** Online backup to `destination` (consistent while the server keeps writing). */
  async backup(destination: string, onProgress?: (copiedPages: number, totalPages: number) => void): Promise<void> {
    await this.appends.flush()
    await this.db.backup(destination, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages)
        return 100
      },
    })
  }

  async close(): Promise<void> {
    await this.appends.flush()
    await this.writer.close()
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)')
      this.db.close()
    }
  }
}

interface InfoRow {
  doc_id: DocId
  title: string
  created_at: number
  updated_at: number
  size_bytes: number
}

function toInfo(row: InfoRow): DocInfo {
  return {
    docId: row.doc_id,
    title: row.title,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sizeBytes: row.size_bytes,
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this Tandem build supports (${MIGRATIONS.length}); upgrade Tandem`,
    )
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}

export function createSqliteDocStore(options: SqliteDocStoreOptions): SqliteDocStore {
  return new SqliteDocStore(options)
}
