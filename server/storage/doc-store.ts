import type { DocId } from '../../shared/ids.js'

/** Position in a document's update log; increases with every append. */
export type Seq = number

export interface StoredEntry {
  seq: Seq
  /** A Yjs V1 update; the snapshot, when there is one, comes first. */
  update: Uint8Array
  isSnapshot: boolean
}

export interface StoredDoc {
  /** The snapshot (if compacted) first, then every other update in append (seq) order. */
  entries: StoredEntry[]
  /** Highest seq among `entries`; 0 for a document never written. */
  lastSeq: Seq
  /** Bytes in the log tail (excluding the snapshot): drives the compaction threshold. */
  tailBytes: number
}

/**
 * A document's `updated_at` (the list order) follows its appends to within this: rewriting the
 * documents row and its index on every keystroke would double what each commit writes.
 */
export const UPDATED_AT_GRANULARITY_MS = 1_000

export interface DocInfo {
  docId: DocId
  title: string
  /** Milliseconds since the epoch. */
  createdAt: number
  /** Follows the document's appends to within UPDATED_AT_GRANULARITY_MS. */
  updatedAt: number
  /** Bytes stored for the document (snapshot plus log). */
  sizeBytes: number
}

export interface QuarantinedEntry {
  docId: DocId
  seq: Seq
  reason: string
  quarantinedAt: number
}

/**
 * Where documents live. Implementations: memory (tests), SQLite (default), PostgreSQL.
 * All of them pass test/contracts/doc-store-contract.ts.
 */
export interface DocStore {
  /** Short name for logs and /readyz ("sqlite", "memory", ...). */
  readonly kind: string
  /** Every stored entry of `docId`; empty for an unknown document. */
  load(docId: DocId): Promise<StoredDoc>
  /** Appends one update (creating the document if needed). Durable when the promise resolves. */
  append(docId: DocId, update: Uint8Array): Promise<Seq>
  /**
   * Atomically replaces exactly the entries in `merged` (as compaction loaded them, snapshot included)
   * by `snapshot`, stored at the highest of their seqs; every other entry is kept, even one with a
   * lower seq (with several writers a row can commit after a higher seq was read). Returns false and
   * changes nothing when any of them is gone or changed (a concurrent compaction won).
   */
  compact(docId: DocId, snapshot: Uint8Array, merged: readonly StoredEntry[]): Promise<boolean>
  /** Moves one entry out of the log so it is never loaded again, keeping its bytes for inspection. */
  quarantine(docId: DocId, seq: Seq, reason: string): Promise<void>
  /** Quarantined entries, newest first. */
  listQuarantined(docId?: DocId): Promise<QuarantinedEntry[]>
  /** Removes the document and its whole log. Returns false when it did not exist. */
  delete(docId: DocId): Promise<boolean>
  /** Creates an empty document record; false if it already exists. */
  create(docId: DocId, title: string): Promise<boolean>
  /** Metadata of one document, or null when it does not exist. */
  info(docId: DocId): Promise<DocInfo | null>
  /** All documents, most recently changed first. */
  list(): Promise<DocInfo[]>
  /** Renames a document; false when it does not exist. */
  setTitle(docId: DocId, title: string): Promise<boolean>
  /** Throws when storage is unreachable (drives /readyz). */
  ping(): Promise<void>
  /** Commits anything queued, then releases the storage. */
  close(): Promise<void>
}
