import type { DocId } from '../../../shared/ids.js'
import { RequestWorker, threadEntry } from '../../threads/request-worker.js'
import type { Seq } from '../doc-store.js'
import {
  WriteKind,
  type AppendItem,
  type MergedRow,
  type SqliteWriterSettings,
  type SqlRunResult,
  type SqlStatement,
  type WriteReplies,
  type WriteRequest,
} from './sqlite-write-connection.js'

/**
 * Every SQLite write of the process, on a worker thread (sqlite-writer-thread.ts): batches of
 * appended updates, compactions, and the rare writes (documents, titles, quarantine, versions,
 * revocations). With synchronous=FULL every commit waits for fsync (3–5 ms here, over 100 ms on a
 * busy disk); on the main thread that wait stopped every broadcast, acknowledgement and new
 * connection of the process. The caller still acknowledges only after the commit, so durability is
 * unchanged. Compactions commit here too: one writer means the main thread never waits for
 * SQLite's write lock.
 */
export class SqliteWriter {
  private readonly worker: RequestWorker

  constructor(
    file: string,
    private readonly now: () => number,
    /** The same PRAGMAs as the store's own connection (WAL, synchronous=FULL, busy timeout). */
    pragmas: readonly string[],
  ) {
    const settings: SqliteWriterSettings = { file, pragmas: [...pragmas] }
    // A dead writer fails what it held (those rooms reload and their clients resend); the next
    // commit starts a fresh one.
    this.worker = new RequestWorker({
      entry: threadEntry(import.meta.url, 'sqlite-writer-thread'),
      name: 'SQLite writer',
      workerData: () => settings,
    })
  }

  commit(items: AppendItem[]): Promise<Seq[]> {
    return this.write({ kind: WriteKind.Append, items, now: this.now() })
  }

  /**
   * Replaces `merged` with `snapshot` in one transaction; false when another compaction replaced
   * any of those rows first (nothing changed then). Here rather than on the main thread: its
   * fsync, and its wait for the write lock while an append commits, stalled every client of the
   * process (fan-out p99 8.6 → 16.7 ms at 50 clients, one compaction per 5 s).
   */
  compact(docId: DocId, snapshot: Uint8Array, merged: readonly MergedRow[]): Promise<boolean> {
    return this.write({ kind: WriteKind.Compact, docId, snapshot, merged })
  }

  /**
   * Runs write statements in one transaction on the writer thread (all or none). The rare writes go
   * here too: on the main thread each waited for the writer's lock and then for its own fsync, with
   * every client of the process waiting behind it.
   */
  run(statements: readonly SqlStatement[]): Promise<SqlRunResult[]> {
    return this.write({ kind: WriteKind.Run, statements })
  }

  /** Closes the worker's connection; call after the last commit settled. */
  close(): Promise<void> {
    return this.worker.close()
  }

  private write<Kind extends WriteRequest['kind']>(
    request: Extract<WriteRequest, { kind: Kind }>,
  ): Promise<WriteReplies[Kind]> {
    return this.worker.request<WriteReplies[Kind]>(request)
  }
}
