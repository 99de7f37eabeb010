import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import type { DocStore } from '../storage/doc-store.js'
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
}

/**
 * Merges a document's stored log into one snapshot. It works from storage, not from a room's
 * memory: with several instances writing one log, only rows actually read here may be replaced,
 * so nothing another instance appended meanwhile is lost (those rows have higher seqs and stay).
 */
export async function compactDocument(store: DocStore, docId: DocId): Promise<CompactionResult | null> {
  const stored = await store.load(docId)
  const tail = stored.entries.filter((e) => !e.isSnapshot)
  if (tail.length === 0) return null
  const doc = new Y.Doc()
  let quarantined = 0
  try {
    for (const entry of stored.entries) {
      try {
        applyValidatedUpdate(doc, entry.update, StorageOrigin)
      } catch (error) {
        quarantined++
        await store.quarantine(docId, entry.seq, error instanceof Error ? error.message : String(error))
      }
    }
    const snapshot = Y.encodeStateAsUpdate(doc)
    await store.compact(docId, snapshot, stored.lastSeq)
    return { mergedRows: tail.length, mergedBytes: stored.tailBytes, snapshotBytes: snapshot.byteLength, quarantined }
  } finally {
    doc.destroy()
  }
}
