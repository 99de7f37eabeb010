import { createRequire } from 'node:module'
import { EvalWorker } from '../eval-worker.js'
import type { MergeResult, MergeEntries } from './compaction.js'

/**
 * The worker's code (plain JavaScript: see EvalWorker). It does what `mergeInProcess`
 * (compaction.ts) does — validate, apply, encode — with the same checks as update-guard.ts: decode
 * first, so an entry corrupt at its end is refused whole.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Y = require(workerData.yjsPath)
const describe = (error) => (error instanceof Error ? error.message : String(error))
parentPort.on('message', ({ id, entries, close }) => {
  if (close) return parentPort.close()
  const doc = new Y.Doc()
  const failed = []
  try {
    entries.forEach((update, index) => {
      if (update.byteLength === 0) return failed.push({ index, reason: 'empty update' })
      try {
        Y.decodeUpdate(update)
      } catch (error) {
        return failed.push({ index, reason: 'update could not be decoded: ' + describe(error) })
      }
      try {
        Y.applyUpdate(doc, update)
      } catch (error) {
        failed.push({ index, reason: 'update could not be applied: ' + describe(error) })
      }
    })
    const snapshot = Y.encodeStateAsUpdate(doc)
    parentPort.postMessage({ id, value: { snapshot, failed } }, [snapshot.buffer])
  } catch (error) {
    parentPort.postMessage({ id, error: describe(error) })
  } finally {
    doc.destroy()
  }
})
`

/** A merge taking longer than this is taken as a hung decoder (yjs#687): the worker is replaced. */
const MERGE_TIMEOUT_MS = 60_000

/**
 * Merges a document's stored entries on a worker thread. Applying a log to a fresh Y.Doc costs
 * about as much as the document is large (hundreds of ms for a MB-sized one), every
 * compaction threshold; on the main thread that stalled every client of the process (fan-out p99
 * 8.6 → 11.4 ms at 50 clients, one compaction per 5 s, even with the write itself off the thread).
 * A merge that never returns (a crafted entry) costs the worker, not the server.
 */
export class CompactionWorker {
  private readonly worker = new EvalWorker({
    source: WORKER_SOURCE,
    name: 'compaction merge',
    workerData: () => ({ yjsPath: createRequire(import.meta.url).resolve('yjs') }),
    timeoutMs: MERGE_TIMEOUT_MS,
  })

  readonly merge: MergeEntries = (entries) => this.worker.request<MergeResult>({ entries })

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
