import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import type { DocStore, StoredEntry } from '../storage/doc-store.js'
import { StorageOrigin } from './origins.js'
import { applyValidatedUpdate } from './update-guard.js'

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

/**
 * Merges a document's stored log into one snapshot. It works from storage, not from a room's
 * memory, and replaces exactly the rows it read and applied: with several instances writing one
 * PostgreSQL log, a row can become visible after a higher seq was read (seqs are assigned at insert,
 * transactions commit in any order), so "everything up to the last seq read" could delete a row that
 * was never merged. Returns null when there was nothing left to compact.
 */
export async function compactDocument(store: DocStore, docId: DocId): Promise<CompactionResult | null> {
  const stored = await store.load(docId)
  const tail = stored.entries.filter((e) => !e.isSnapshot)
  if (tail.length === 0) return null
  const doc = new Y.Doc()
  let quarantined = 0
  try {
    const merged: StoredEntry[] = []
    for (const entry of stored.entries) {
      try {
        applyValidatedUpdate(doc, entry.update, StorageOrigin)
        merged.push(entry)
      } catch (error) {
        quarantined++
        await store.quarantine(docId, entry.seq, error instanceof Error ? error.message : String(error))
      }
    }
    if (merged.length === 0) return null
    const snapshot = Y.encodeStateAsUpdate(doc)
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
  } finally {
    doc.destroy()
  }
}
