import type { DocId } from '../../../shared/ids.js'
import type { DocInfo, DocStore, QuarantinedEntry, Seq, StoredDoc, StoredEntry } from '../doc-store.js'

interface MemoryDoc {
  title: string
  createdAt: number
  updatedAt: number
  entries: StoredEntry[]
}

/** Keeps everything in process memory: for tests and throwaway servers, never the default. */
export class MemoryDocStore implements DocStore {
  readonly kind = 'memory'
  private readonly docs = new Map<DocId, MemoryDoc>()
  private readonly quarantined: (QuarantinedEntry & { update: Uint8Array })[] = []
  private nextSeq = 1

  constructor(private readonly now: () => number = Date.now) {}

  async load(docId: DocId): Promise<StoredDoc> {
    const entries = (this.docs.get(docId)?.entries ?? [])
      .map((e) => ({ ...e, update: e.update.slice() }))
      .sort((a, b) => Number(b.isSnapshot) - Number(a.isSnapshot) || a.seq - b.seq)
    return {
      entries,
      lastSeq: entries.reduce((max, e) => Math.max(max, e.seq), 0),
      tailBytes: entries.filter((e) => !e.isSnapshot).reduce((sum, e) => sum + e.update.byteLength, 0),
    }
  }

  async append(docId: DocId, update: Uint8Array): Promise<Seq> {
    const doc = this.ensure(docId)
    const seq = this.nextSeq++
    doc.entries.push({ seq, update: update.slice(), isSnapshot: false })
    doc.updatedAt = this.now()
    return seq
  }

  async compact(docId: DocId, snapshot: Uint8Array, merged: readonly StoredEntry[]): Promise<boolean> {
    const doc = this.docs.get(docId)
    if (!doc || merged.length === 0) return false
    const replaced = new Set<StoredEntry>()
    for (const entry of merged) {
      // A snapshot's seq is reused by the one that replaces it, so snapshots are matched by content too.
      const found = doc.entries.find(
        (e) =>
          e.seq === entry.seq &&
          e.isSnapshot === entry.isSnapshot &&
          (!e.isSnapshot || Buffer.compare(e.update, entry.update) === 0),
      )
      if (!found) return false
      replaced.add(found)
    }
    const kept = doc.entries.filter((e) => !replaced.has(e))
    const seq = Math.max(...merged.map((e) => e.seq))
    doc.entries = [{ seq, update: snapshot.slice(), isSnapshot: true }, ...kept]
    return true
  }

  async quarantine(docId: DocId, seq: Seq, reason: string): Promise<void> {
    const doc = this.docs.get(docId)
    const entry = doc?.entries.find((e) => e.seq === seq)
    if (!doc || !entry) return
    doc.entries = doc.entries.filter((e) => e !== entry)
    this.quarantined.unshift({ docId, seq, reason, quarantinedAt: this.now(), update: entry.update })
  }

  async listQuarantined(docId?: DocId): Promise<QuarantinedEntry[]> {
    return this.quarantined
      .filter((q) => docId === undefined || q.docId === docId)
      .map(({ docId, seq, reason, quarantinedAt }) => ({ docId, seq, reason, quarantinedAt }))
  }

  async delete(docId: DocId): Promise<boolean> {
    return this.docs.delete(docId)
  }

  async create(docId: DocId, title: string): Promise<boolean> {
    if (this.docs.has(docId)) return false
    this.ensure(docId).title = title
    return true
  }

  async info(docId: DocId): Promise<DocInfo | null> {
    const doc = this.docs.get(docId)
    return doc ? this.toInfo(docId, doc) : null
  }

  async list(): Promise<DocInfo[]> {
    return [...this.docs].map(([id, doc]) => this.toInfo(id, doc)).sort((a, b) => b.updatedAt - a.updatedAt)
  }

  async setTitle(docId: DocId, title: string): Promise<boolean> {
    const doc = this.docs.get(docId)
    if (!doc) return false
    doc.title = title
    doc.updatedAt = this.now()
    return true
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private ensure(docId: DocId): MemoryDoc {
    let doc = this.docs.get(docId)
    if (!doc) {
      const now = this.now()
      doc = { title: '', createdAt: now, updatedAt: now, entries: [] }
      this.docs.set(docId, doc)
    }
    return doc
  }

  private toInfo(docId: DocId, doc: MemoryDoc): DocInfo {
    const sizeBytes = doc.entries.reduce((sum, e) => sum + e.update.byteLength, 0)
    return { docId, title: doc.title, createdAt: doc.createdAt, updatedAt: doc.updatedAt, sizeBytes }
  }
}

export function createMemoryDocStore(): MemoryDocStore {
  return new MemoryDocStore()
}
