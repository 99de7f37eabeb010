import { createRequire } from 'node:module'
import type { DocId } from '../../../shared/ids.js'
import { EvalWorker } from '../../eval-worker.js'
import { UPDATED_AT_GRANULARITY_MS, type Seq } from '../doc-store.js'

export interface AppendItem {
  docId: DocId
  update: Uint8Array
}

/**
 * The worker's code (plain JavaScript: see EvalWorker). It opens its own connection to the same file: WAL lets the main thread's
 * connection keep reading (loads, listings, history) while this one commits.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driverPath)
const db = new Database(workerData.file)
for (const pragma of workerData.pragmas) db.pragma(pragma)
// updated_at moves at most once per UPDATED_AT_GRANULARITY_MS (see doc-store.ts).
const touch = db.prepare(
  "INSERT INTO documents (doc_id, title, created_at, updated_at) VALUES (?, '', ?, ?) " +
  'ON CONFLICT (doc_id) DO UPDATE SET updated_at = excluded.updated_at ' +
  'WHERE documents.updated_at <= excluded.updated_at - ' + workerData.touchIntervalMs)
const insert = db.prepare('INSERT INTO updates (doc_id, data) VALUES (?, ?)')
const append = db.transaction((items, now) =>
  items.map(({ docId, update }) => {
    touch.run(docId, now, now)
    return Number(insert.run(docId, update).lastInsertRowid)
  }))
const deleteLogRow = db.prepare('DELETE FROM updates WHERE doc_id = ? AND seq = ? AND is_snapshot = 0')
// A snapshot's seq is reused by the one that replaces it, so snapshots are matched by content too.
const deleteSnapshot = db.prepare('DELETE FROM updates WHERE doc_id = ? AND seq = ? AND is_snapshot = 1 AND data = ?')
const insertSnapshot = db.prepare('INSERT INTO updates (seq, doc_id, data, is_snapshot) VALUES (?, ?, ?, 1)')
class CompactionRaced extends Error {}
const replace = db.transaction((docId, snapshot, merged) => {
  let maxSeq = 0
  for (const entry of merged) {
    const changes = entry.snapshot
      ? deleteSnapshot.run(docId, entry.seq, entry.snapshot).changes
      : deleteLogRow.run(docId, entry.seq).changes
    // A row gone or changed means another compaction replaced it: throwing rolls this one back.
    if (changes !== 1) throw new CompactionRaced()
    if (entry.seq > maxSeq) maxSeq = entry.seq
  }
  insertSnapshot.run(maxSeq, docId, snapshot)
})
function compact({ docId, snapshot, merged }) {
  try {
    replace(docId, snapshot, merged)
    return true
  } catch (error) {
    if (error instanceof CompactionRaced) return false
    throw error
  }
}
// Every other write of the process (documents, titles, quarantine, versions, revocations), so the
// main thread never waits for the write lock or an fsync. A fixed set of SQL strings: the cache stays small.
const prepared = new Map()
function statementFor(sql) {
  let statement = prepared.get(sql)
  if (!statement) {
    statement = db.prepare(sql)
    prepared.set(sql, statement)
  }
  return statement
}
const runAll = db.transaction((statements) =>
  statements.map(({ sql, params }) => {
    const { changes, lastInsertRowid } = statementFor(sql).run(...params)
    return { changes, lastInsertRowid: Number(lastInsertRowid) }
  }))
parentPort.on('message', (message) => {
  if (message.close) {
    db.close()
    parentPort.close()
    return
  }
  try {
    const value = message.compact
      ? compact(message.compact)
      : message.run
        ? runAll(message.run)
        : append(message.items, message.now)
    parentPort.postMessage({ id: message.id, value })
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String((error && error.message) || error) })
  }
})
`

/** A value SQLite binds: what the stores write. */
export type SqlParam = string | number | bigint | Uint8Array | null

/** One write statement and its parameters, run on the writer thread. */
export interface SqlStatement {
  sql: string
  params: readonly SqlParam[]
}

/** What running a write statement did. */
export interface SqlRunResult {
  changes: number
  lastInsertRowid: number
}

/** A row a compaction merged: log rows by seq, a snapshot by seq and content. */
export interface MergedRow {
  seq: Seq
  snapshot?: Uint8Array
}

/**
 * Every SQLite write of the process, on a worker thread: batches of appended updates, compactions,
 * and the rare writes (documents, titles, quarantine, versions, revocations). With synchronous=FULL every commit waits
 * for fsync (3–5 ms here, over 100 ms on a busy disk); on the main thread that wait stopped every
 * broadcast, acknowledgement and new connection of the process. The caller still acknowledges only
 * after the commit, so durability is unchanged. Compactions commit here too: one writer means the
 * main thread never waits for SQLite's write lock.
 */
export class SqliteWriter {
  private readonly worker: EvalWorker

  constructor(
    file: string,
    private readonly now: () => number,
    /** The same PRAGMAs as the store's own connection (WAL, synchronous=FULL, busy timeout). */
    pragmas: readonly string[],
  ) {
    // A dead writer fails what it held (those rooms reload and their clients resend); the next
    // commit starts a fresh one.
    this.worker = new EvalWorker({
      source: WORKER_SOURCE,
      name: 'SQLite writer',
      workerData: () => ({
        file,
        driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
        pragmas: [...pragmas],
        touchIntervalMs: UPDATED_AT_GRANULARITY_MS,
      }),
    })
  }

  commit(items: AppendItem[]): Promise<Seq[]> {
    return this.worker.request<Seq[]>({ items, now: this.now() })
  }

  /**
   * Replaces `merged` with `snapshot` in one transaction; false when another compaction replaced
   * any of those rows first (nothing changed then). Here rather than on the main thread: its
   * fsync, and its wait for the write lock while an append commits, stalled every client of the
   * process (fan-out p99 8.6 → 16.7 ms at 50 clients, one compaction per 5 s).
   */
  compact(docId: DocId, snapshot: Uint8Array, merged: readonly MergedRow[]): Promise<boolean> {
    return this.worker.request<boolean>({ compact: { docId, snapshot, merged } })
  }

  /**
   * Runs write statements in one transaction on the writer thread (all or none). The rare writes go
   * here too: on the main thread each waited for the writer's lock and then for its own fsync, with
   * every client of the process waiting behind it.
   */
  run(statements: readonly SqlStatement[]): Promise<SqlRunResult[]> {
    return this.worker.request<SqlRunResult[]>({ run: statements })
  }

  /** Closes the worker's connection; call after the last commit settled. */
  close(): Promise<void> {
    return this.worker.close()
  }
}
