import type { DocId } from '../../../shared/ids.js'
import { newVersionMeta, type NewVersion, type VersionMeta, type VersionStore } from '../../history/version-store.js'

/** Versions in process memory: for tests and throwaway servers. */
export class MemoryVersionStore implements VersionStore {
  private readonly versions = new Map<DocId, { meta: VersionMeta; state: Uint8Array }[]>()
  private nextId = 1

  async add(docId: DocId, version: NewVersion): Promise<VersionMeta> {
    const meta = newVersionMeta(this.nextId++, docId, version)
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
