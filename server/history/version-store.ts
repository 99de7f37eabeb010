import type { DocId } from '../../shared/ids.js'

export interface VersionMeta {
  id: number
  docId: DocId
  /** Milliseconds since the epoch. */
  createdAt: number
  /** Set for versions named by a user ("Before the rewrite"); named versions are kept forever. */
  name: string | null
  /** Who edited between the previous version and this one. */
  authors: string[]
  /** Bytes stored for the version (its state and attribution). */
  sizeBytes: number
}

export interface NewVersion {
  /**
   * What the history keeps of the version: enough to show it exactly as it was. The history
   * service stores a version record here (version-record.ts: the Yjs state and who made what);
   * stores treat it as opaque bytes.
   */
  state: Uint8Array
  name: string | null
  authors: string[]
  createdAt: number
}

/**
 * Saved versions of documents, apart from the update log: compacting the log never touches them.
 * Implementations: storage/memory, storage/sqlite, storage/postgres; all pass test/contracts/version-store.test.ts.
 */
export interface VersionStore {
  /** Stores a version; returns its metadata with its new id. */
  add(docId: DocId, version: NewVersion): Promise<VersionMeta>
  /** Every version of the document, newest first, without their states (cheap for long histories). */
  list(docId: DocId): Promise<VersionMeta[]>
  /** One version with its state, or null. */
  get(docId: DocId, id: number): Promise<{ meta: VersionMeta; state: Uint8Array } | null>
  /** Names (or renames) a version; null when it does not exist. */
  setName(docId: DocId, id: number, name: string | null): Promise<VersionMeta | null>
  /** Removes versions by id; returns how many existed. */
  remove(docId: DocId, ids: number[]): Promise<number>
  /** Removes every version of a deleted document. */
  removeAll(docId: DocId): Promise<void>
}

/** The metadata a store returns for a version it has just stored under `id`. */
export function newVersionMeta(id: number, docId: DocId, version: NewVersion): VersionMeta {
  return {
    id,
    docId,
    createdAt: version.createdAt,
    name: version.name,
    authors: [...version.authors],
    sizeBytes: version.state.byteLength,
  }
}
