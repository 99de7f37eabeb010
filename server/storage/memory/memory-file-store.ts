import type { FileInfo, FileStore, NewFile, StoredFile } from '../../files/file-store.js'

/** Files in process memory: for tests and throwaway servers. Hands out copies, never its own bytes. */
export class MemoryFileStore implements FileStore {
  private readonly files = new Map<string, StoredFile>()
  /** By document: the ids of the files it references. */
  private readonly refs = new Map<string, Set<string>>()

  async put(docId: string, file: NewFile): Promise<FileInfo> {
    let stored = this.files.get(file.id)
    if (!stored) {
      stored = { ...file, bytes: file.bytes.slice(), sizeBytes: file.bytes.byteLength }
      this.files.set(file.id, stored)
    }
    let ids = this.refs.get(docId)
    if (!ids) this.refs.set(docId, (ids = new Set()))
    ids.add(file.id)
    return infoOf(stored)
  }

  async info(docId: string, fileId: string): Promise<FileInfo | null> {
    const stored = this.find(docId, fileId)
    return stored ? infoOf(stored) : null
  }

  async get(docId: string, fileId: string): Promise<StoredFile | null> {
    const stored = this.find(docId, fileId)
    return stored ? { ...infoOf(stored), bytes: stored.bytes.slice() } : null
  }

  async deleteDocument(docId: string): Promise<number> {
    const ids = this.refs.get(docId)
    this.refs.delete(docId)
    let removed = 0
    for (const id of ids ?? []) {
      const isUsed = [...this.refs.values()].some((other) => other.has(id))
      if (!isUsed && this.files.delete(id)) removed++
    }
    return removed
  }

  async usage(): Promise<{ files: number; bytes: number }> {
    let bytes = 0
    for (const file of this.files.values()) bytes += file.sizeBytes
    return { files: this.files.size, bytes }
  }

  private find(docId: string, fileId: string): StoredFile | undefined {
    return this.refs.get(docId)?.has(fileId) ? this.files.get(fileId) : undefined
  }
}

function infoOf(file: StoredFile): FileInfo {
  return { id: file.id, type: file.type, width: file.width, height: file.height, sizeBytes: file.sizeBytes }
}
