import { RequestWorker, threadEntry } from '../threads/request-worker.js'
import type { MergeEntries, MergeRequest, MergeResult } from './compaction.js'

/** A merge taking longer than this is taken as a hung decoder (yjs#687): the worker is replaced. */
const MERGE_TIMEOUT_MS = 60_000

/**
 * Merges a document's stored entries on a worker thread (compaction-thread.ts). Applying a log to a
 * fresh Y.Doc costs about as much as the document is large (hundreds of ms for a MB-sized one),
 * every compaction threshold; on the main thread that stalled every client of the process (fan-out
 * p99 8.6 → 11.4 ms at 50 clients, one compaction per 5 s, even with the write itself off the
 * thread). A merge that never returns (a crafted entry) costs the worker, not the server.
 */
export class CompactionWorker {
  private readonly worker = new RequestWorker({
    entry: threadEntry(import.meta.url, 'compaction-thread'),
    name: 'compaction merge',
    workerData: () => undefined,
    timeoutMs: MERGE_TIMEOUT_MS,
  })

  readonly merge: MergeEntries = (entries) => this.worker.request<MergeResult>({ entries } satisfies MergeRequest)

  /** The watchdog; settable for tests. */
  set timeoutMs(ms: number) {
    this.worker.timeoutMs = ms
  }

  /** Starts the thread now (it loads yjs, ~50 ms of CPU), so the first compaction does not pay for it. */
  warm(): void {
    this.worker.warm()
  }

  close(): Promise<void> {
    return this.worker.close()
  }
}
