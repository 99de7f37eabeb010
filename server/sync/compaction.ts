import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import type { DocStore, StoredEntry } from '../storage/doc-store.js'
import { StorageOrigin } from './origins.js'
import { applyValidatedUpdate } from './update-guard.js'
import { errorMessage } from '../../shared/errors.js'

export interface CompactionResult {
  /** Log rows (not counting an earlier snapshot) merged into the new snapshot. */
  mergedRows: number
  mergedBytes: number
  /** Size of the new snapshot. */
  snapshotBytes: number
  /** Entries that could not be applied and were quarantined instead of merged. */
  quarantined: number
  /**
   * True when another compaction replaced some of these rows first; nothing was changed here (the
   * counts are then zero, which lets the room ask again on its next append).
   */
  isSuperseded: boolean
}

/** What merging a document's entries gives: the snapshot, and the entries that could not be applied. */
export interface MergeResult {
  snapshot: Uint8Array
  failed: { index: number; reason: string }[]
}

/** Applies entries to a fresh document and encodes it; on a worker in the server (compaction-worker.ts). */
export type MergeEntries = (entries: Uint8Array[]) => Promise<MergeResult>

/** What the compaction thread is asked (compaction-thread.ts). */
export interface MergeRequest {
  /** The stored entries, snapshot first, as the store loaded them. */
  entries: Uint8Array[]
}

/**
 * The merge on the calling thread: for the CLI and tests, where nobody else is waiting on the loop,
 * and on the compaction thread (compaction-thread.ts), which runs exactly this.
 */
export const mergeInProcess: MergeEntries = async (entries) => {
  const doc = new Y.Doc()
  try {
    const failed: MergeResult['failed'] = []
    entries.forEach((update, index) => {
      try {
        applyValidatedUpdate(doc, update, StorageOrigin)
      } catch (error) {
        failed.push({ index, reason: errorMessage(error) })
      }
    })
    return { snapshot: Y.encodeStateAsUpdate(doc), failed }
  } finally {
    doc.destroy()
  }
}

/**
 * Merges a document's stored log into one snapshot. It works from storage, not from a room's
 * memory, and replaces exactly the rows it read and applied: with several instances writing one
 * PostgreSQL log, a row can become visible after a higher seq was read (seqs are assigned at insert,
 * transactions commit in any order), so "everything up to the last seq read" could delete a row that
 * was never merged. Entries that cannot be applied are quarantined instead of merged. Returns null
 * when there was nothing left to compact.
 */
export async function compactDocument(
  store: DocStore,
  docId: DocId,
  merge: MergeEntries = mergeInProcess,
): Promise<CompactionResult | null> {
  const stored = await store.load(docId)
  const tail = stored.entries.filter((e) => !e.isSnapshot)
  if (tail.length === 0) return null
  const { snapshot, failed } = await merge(stored.entries.map((entry) => entry.update))
  const failedAt = new Set(failed.map((failure) => failure.index))
  for (const { index, reason } of failed) await store.quarantine(docId, stored.entries[index]!.seq, reason)
  const merged: StoredEntry[] = stored.entries.filter((_, index) => !failedAt.has(index))
  const quarantined = failed.length
  if (merged.length === 0) return null
  if (!(await store.compact(docId, snapshot, merged))) {
    return { mergedRows: 0, mergedBytes: 0, snapshotBytes: 0, quarantined, isSuperseded: true }
  }
  return {
    mergedRows: tail.length,
    mergedBytes: stored.tailBytes,
    snapshotBytes: snapshot.byteLength,
    quarantined,
    isSuperseded: false,
  }
}
