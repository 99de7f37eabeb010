import Database from 'better-sqlite3'
import type { DocId } from '../../../shared/ids.js'
import { UPDATED_AT_GRANULARITY_MS, type Seq } from '../doc-store.js'

export interface AppendItem {
  /** The document the update belongs to (its row is created if missing). */
  docId: DocId
  /** A Yjs update, stored as it is. */
  update: Uint8Array
}

/** A value SQLite binds: what the stores write. */
export type SqlParam = string | number | bigint | Uint8Array | null

/** One write statement and its parameters, run on the writer thread. */
export interface SqlStatement {
  /** One of a fixed set of SQL texts (each is prepared once and kept). */
  sql: string
  /** Bound to the statement's `?` placeholders, in order. */
  params: readonly SqlParam[]
}

/** What running a write statement did. */
export interface SqlRunResult {
  /** Rows the statement inserted, updated or deleted. */
  changes: number
  /** The rowid of the last row inserted on this connection. */
  lastInsertRowid: number
}

/** A row a compaction merged: log rows by seq, a snapshot by seq and content. */
export interface MergedRow {
  /** The row's seq. */
  seq: Seq
  /** For a snapshot row: its exact bytes (a later snapshot may take the same seq). */
  snapshot?: Uint8Array
}

/** What the writer's connection is opened with (the thread's workerData). */
export interface SqliteWriterSettings {
  /** The database file, already migrated by the main connection. */
  file: string
  /** The same PRAGMAs as the main connection (WAL, synchronous=FULL, busy timeout). */
  pragmas: readonly string[]
}

/** The writes the writer thread takes, and what each answers. */
export const WriteKind = {
  /** A batch of appended updates (group commit): answers their seqs, in order. */
  Append: 'append',
  /** A compaction's replacement of merged rows by a snapshot: answers whether it won. */
  Compact: 'compact',
  /** Any other write statements, in one transaction: answers one result per statement. */
  Run: 'run',
} as const

export type WriteRequest =
  | { kind: typeof WriteKind.Append; items: AppendItem[]; now: number }
  | { kind: typeof WriteKind.Compact; docId: DocId; snapshot: Uint8Array; merged: readonly MergedRow[] }
  | { kind: typeof WriteKind.Run; statements: readonly SqlStatement[] }

/** What each kind of write answers. */
export interface WriteReplies {
  [WriteKind.Append]: Seq[]
  [WriteKind.Compact]: boolean
  [WriteKind.Run]: SqlRunResult[]
}

/** A row gone or changed: another compaction replaced it. Thrown to roll the transaction back. */
class CompactionRaced extends Error {}

/**
 * The writer thread's own connection to the file (sqlite-writer-thread.ts), doing every write of
 * the process: WAL lets the main thread's connection keep reading (loads, listings, history) while
 * this one commits.
 */
export class SqliteWriteConnection {
  private readonly db: Database.Database
  /** Every other write of the process, by SQL text: a fixed set of strings, so the cache stays small. */
  private readonly prepared = new Map<string, Database.Statement>()
  private readonly appendBatch: (items: AppendItem[], now: number) => Seq[]
  private readonly replace: (docId: DocId, snapshot: Uint8Array, merged: readonly MergedRow[]) => void
  private readonly runBatch: (statements: readonly SqlStatement[]) => SqlRunResult[]

  constructor(settings: SqliteWriterSettings) {
    const db = (this.db = new Database(settings.file))
    for (const pragma of settings.pragmas) db.pragma(pragma)
    // updated_at moves at most once per UPDATED_AT_GRANULARITY_MS (see doc-store.ts).
    const touch = db.prepare(
      `INSERT INTO documents (doc_id, title, created_at, updated_at) VALUES (?, '', ?, ?)
       ON CONFLICT (doc_id) DO UPDATE SET updated_at = excluded.updated_at
       WHERE documents.updated_at <= excluded.updated_at - ${UPDATED_AT_GRANULARITY_MS}`,
    )
    const insert = db.prepare('INSERT INTO updates (doc_id, data) VALUES (?, ?)')
    const deleteLogRow = db.prepare('DELETE FROM updates WHERE doc_id = ? AND seq = ? AND is_snapshot = 0')
    // A snapshot's seq is reused by the one that replaces it, so snapshots are matched by content too.
    const deleteSnapshot = db.prepare(
      'DELETE FROM updates WHERE doc_id = ? AND seq = ? AND is_snapshot = 1 AND data = ?',
    )
    const insertSnapshot = db.prepare('INSERT INTO updates (seq, doc_id, data, is_snapshot) VALUES (?, ?, ?, 1)')
    this.appendBatch = db.transaction((items: AppendItem[], now: number) =>
      items.map(({ docId, update }) => {
        touch.run(docId, now, now)
        return Number(insert.run(docId, update).lastInsertRowid)
      }),
    )
    this.replace = db.transaction((docId: DocId, snapshot: Uint8Array, merged: readonly MergedRow[]) => {
      let maxSeq = 0
      for (const entry of merged) {
        const changes = entry.snapshot
          ? deleteSnapshot.run(docId, entry.seq, entry.snapshot).changes
          : deleteLogRow.run(docId, entry.seq).changes
        if (changes !== 1) throw new CompactionRaced()
        if (entry.seq > maxSeq) maxSeq = entry.seq
      }
      insertSnapshot.run(maxSeq, docId, snapshot)
    })
    this.runBatch = db.transaction((statements: readonly SqlStatement[]) =>
      statements.map(({ sql, params }) => {
        const { changes, lastInsertRowid } = this.statementFor(sql).run(...params)
        return { changes, lastInsertRowid: Number(lastInsertRowid) }
      }),
    )
  }

  /** Does one write request, in one transaction. */
  handle(request: WriteRequest): WriteReplies[WriteRequest['kind']] {
    switch (request.kind) {
      case WriteKind.Append:
        return this.append(request.items, request.now)
      case WriteKind.Compact:
        return this.compact(request.docId, request.snapshot, request.merged)
      case WriteKind.Run:
        return this.run(request.statements)
    }
  }

  /** Appends every item (creating or touching its document row); returns their seqs, in order. */
  append(items: AppendItem[], now: number): Seq[] {
    return this.appendBatch(items, now)
  }

  /**
   * Replaces exactly `merged` by `snapshot`, stored at the highest of their seqs; false, changing
   * nothing, when any of them is gone or changed (another compaction won).
   */
  compact(docId: DocId, snapshot: Uint8Array, merged: readonly MergedRow[]): boolean {
    try {
      this.replace(docId, snapshot, merged)
      return true
    } catch (error) {
      if (error instanceof CompactionRaced) return false
      throw error
    }
  }

  /** Runs the statements in one transaction: all or none. */
  run(statements: readonly SqlStatement[]): SqlRunResult[] {
    return this.runBatch(statements)
  }

  close(): void {
    this.db.close()
  }

  private statementFor(sql: string): Database.Statement {
    let statement = this.prepared.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.prepared.set(sql, statement)
    }
    return statement
  }
}
