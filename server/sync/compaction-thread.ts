/**
 * The compaction thread's entry (started by compaction-worker.ts): the same merge as on the main
 * thread — validate, apply, encode — so a hung or slow one costs this thread, not the server.
 */
import { serveRequests } from '../threads/serve-requests.js'
import { mergeInProcess, type MergeRequest, type MergeResult } from './compaction.js'

serveRequests((request: MergeRequest) => mergeInProcess(request.entries), {
  // The snapshot owns its buffer (Yjs encodes into a fresh one): moved to the caller, not copied.
  transfer: (result: MergeResult) => [result.snapshot.buffer as ArrayBuffer],
})
