/**
 * Images waiting to reach the server, kept in IndexedDB so a tab closed while offline loses nothing:
 * the next editor for the same server and document finds them and sends them (ImageUploader.resume).
 * Raw IndexedDB, no library: three operations on one object store. Where IndexedDB is missing or
 * refuses (some private modes), uploads still work, only without surviving a closed tab.
 */

export interface PendingUpload {
  uploadId: string
  /** `<httpBase>/<docId>`: whose document the image belongs to. */
  docKey: string
  blob: Blob
  createdAt: number
}

const DB_NAME = 'tandem-image-uploads'
const STORE = 'uploads'
const BY_DOC = 'byDoc'

let opening: Promise<IDBDatabase | null> | null = null

function openDatabase(): Promise<IDBDatabase | null> {
  opening ??= new Promise((resolve) => {
    if (typeof indexedDB === 'undefined') return resolve(null)
    const request = indexedDB.open(DB_NAME, 1)
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(STORE, { keyPath: 'uploadId' })
      store.createIndex(BY_DOC, 'docKey')
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => resolve(null)
    request.onblocked = () => resolve(null)
  })
  return opening
}

function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T | null> {
  return openDatabase().then(
    (db) =>
      new Promise<T | null>((resolve) => {
        if (!db) return resolve(null)
        try {
          const transaction = db.transaction(STORE, mode)
          const request = action(transaction.objectStore(STORE))
          transaction.oncomplete = () => resolve(request.result)
          transaction.onerror = () => resolve(null)
          transaction.onabort = () => resolve(null)
        } catch {
          resolve(null)
        }
      }),
  )
}

export const pendingUploads = {
  /** Keeps the image until `remove`; resolves false when it could not be kept (no IndexedDB). */
  async put(upload: PendingUpload): Promise<boolean> {
    return (await run('readwrite', (store) => store.put(upload))) !== null
  },
  async remove(uploadId: string): Promise<void> {
    await run('readwrite', (store) => store.delete(uploadId))
  },
  async listFor(docKey: string): Promise<PendingUpload[]> {
    return ((await run('readonly', (store) => store.index(BY_DOC).getAll(docKey))) ?? []) as PendingUpload[]
  },
}
