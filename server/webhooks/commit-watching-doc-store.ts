import type { DocId } from '../../shared/ids.js'
import type { DocInfo, DocStore, QuarantinedEntry, Seq, StoredDoc, StoredEntry } from '../storage/doc-store.js'

/**
 * A DocStore that reports each durable append, for features that follow changes without sitting
 * on the write path (document.changed webhooks). Rooms append once per committed batch, not per
 * update, so the report costs one callback per commit; the caller's promise is the store's own,
 * so acknowledgements wait for nothing more. Everything else goes straight through.
 */
export class CommitWatchingDocStore implements DocStore {
  constructor(
    private readonly inner: DocStore,
    /** Called once the append of `docId` is durable; must return at once and not throw. */
    private readonly onCommitted: (docId: DocId) => void,
  ) {}

  get kind(): string {
    return this.inner.kind
  }

  append(docId: DocId, update: Uint8Array): Promise<Seq> {
    const appended = this.inner.append(docId, update)
    // A failed append is reported by the room that made it; here it simply is no change.
    appended.then(
      () => this.onCommitted(docId),
      () => undefined,
    )
    return appended
  }

  load(docId: DocId): Promise<StoredDoc> {
    return this.inner.load(docId)
  }

  compact(docId: DocId, snapshot: Uint8Array, merged: readonly StoredEntry[]): Promise<boolean> {
    return this.inner.compact(docId, snapshot, merged)
  }

  quarantine(docId: DocId, seq: Seq, reason: string): Promise<void> {
    return this.inner.quarantine(docId, seq, reason)
  }

  listQuarantined(docId?: DocId): Promise<QuarantinedEntry[]> {
    return this.inner.listQuarantined(docId)
  }

  delete(docId: DocId): Promise<boolean> {
    return this.inner.delete(docId)
  }

  create(docId: DocId, title: string): Promise<boolean> {
    return this.inner.create(docId, title)
  }

  info(docId: DocId): Promise<DocInfo | null> {
    return this.inner.info(docId)
  }

  list(): Promise<DocInfo[]> {
    return this.inner.list()
  }

  setTitle(docId: DocId, title: string): Promise<boolean> {
    return this.inner.setTitle(docId, title)
  }

  ping(): Promise<void> {
    return this.inner.ping()
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
