import type { IndexeddbPersistence } from 'y-indexeddb'

/** y-indexeddb's object store of updates (src/y-indexeddb.js). */
const UPDATES_STORE = 'updates'

/**
 * Knows whether every change made in this tab is committed to the browser's IndexedDB copy.
 *
 * y-indexeddb writes each update in a transaction of its own and says nothing when it commits: a
 * tab closed or reloaded a moment after the last keystroke may lose it (a loaded CI run reloaded
 * within that moment and lost the last word). IndexedDB runs a read-only transaction on a store only
 * after every read-write one on that store begun before it has committed, so one opened after the
 * update was handed over completes exactly when that update (and each before it) is on disk.
 */
export class LocalCopyTracker {
  private handed = 0
  private committed = 0
  private isOpen = false

  constructor(
    private readonly persistence: IndexeddbPersistence,
    private readonly onChange: () => void,
  ) {
    // Until the database opens, y-indexeddb keeps nothing itself: on opening it stores the whole
    // document, this tab's early changes included, and then says "synced".
    void persistence.whenSynced.then(
      () => {
        this.isOpen = true
        this.confirm(this.handed)
      },
      () => undefined,
    )
  }

  /** True when every change handed to the local copy is committed there. */
  get isCurrent(): boolean {
    return this.committed === this.handed
  }

  /** A change was made: y-indexeddb stores it in its own `update` handler, during this same event. */
  noteChange(): void {
    const seq = ++this.handed
    // After the event: y-indexeddb's handler, registered after ours, has begun its write by then.
    queueMicrotask(() => {
      if (this.isOpen) this.confirm(seq)
    })
  }

  private confirm(seq: number): void {
    const db = this.persistence.db
    if (!db) return
    let transaction: IDBTransaction
    try {
      transaction = db.transaction([UPDATES_STORE], 'readonly')
    } catch {
      // Closed (the provider is being destroyed): nothing more will be committed or confirmed.
      return
    }
    transaction.oncomplete = () => {
      if (seq <= this.committed) return
      this.committed = seq
      this.onChange()
    }
  }
}
