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
  /** Bytes of the stored state. */
  sizeBytes: number
}

export interface NewVersion {
  /** The whole document as a Yjs V1 update: enough to show it exactly as it was. */
  state: Uint8Array
  name: string | null
  authors: string[]
  createdAt: number
}

/**
 * Saved versions of documents, apart from the update log: compacting the log never touches them.
 * Implementations: memory (tests), SQLite, PostgreSQL; all pass test/contracts/version-store-contract.ts.
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

export class MemoryVersionStore implements VersionStore {
  private readonly versions = new Map<DocId, { meta: VersionMeta; state: Uint8Array }[]>()
  private nextId = 1

  async add(docId: DocId, version: NewVersion): Promise<VersionMeta> {
    const meta: VersionMeta = {
      id: this.nextId++,
      docId,
      createdAt: version.createdAt,
      name: version.name,
      authors: [...version.authors],
      sizeBytes: version.state.byteLength,
    }
    const list = this.versions.get(docId) ?? []
    list.push({ meta, state: version.state.slice() })
    this.versions.set(docId, list)
    return { ...meta }
  }

  async list(docId: DocId): Promise<VersionMeta[]> {
    return (this.versions.get(docId) ?? [])
      .map((v) => ({ ...v.meta, authors: [...v.meta.authors] }))
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
  }

  async get(docId: DocId, id: number): Promise<{ meta: VersionMeta; state: Uint8Array } | null> {
    const found = this.versions.get(docId)?.find((v) => v.meta.id === id)
    return found ? { meta: { ...found.meta }, state: found.state.slice() } : null
  }

  async setName(docId: DocId, id: number, name: string | null): Promise<VersionMeta | null> {
    const found = this.versions.get(docId)?.find((v) => v.meta.id === id)
    if (!found) return null
    found.meta.name = name
    return { ...found.meta }
  }

  async remove(docId: DocId, ids: number[]): Promise<number> {
    const list = this.versions.get(docId) ?? []
    const kept = list.filter((v) => !ids.includes(v.meta.id))
    this.versions.set(docId, kept)
    return list.length - kept.length
  }

  async removeAll(docId: DocId): Promise<void> {
    this.versions.delete(docId)
  }
}
