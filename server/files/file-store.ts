/** What the store keeps about a file besides its bytes (the upload route decided all of it by sniffing). */
export interface FileInfo {
  /** The SHA-256 of the bytes, lowercase hex: the same bytes are one file, whoever uploads them. */
  id: string
  /** The sniffed media type: image/png, image/jpeg, image/gif or image/webp. */
  type: string
  /** Pixel dimensions read from the image's header. */
  width: number
  height: number
  /** Length of the bytes. */
  sizeBytes: number
}

/** A file with its bytes. */
export interface StoredFile extends FileInfo {
  bytes: Uint8Array
}

/** What `put` takes: the bytes and what sniffing found (the store trusts both; the id must be their SHA-256). */
export type NewFile = Omit<FileInfo, 'sizeBytes'> & { bytes: Uint8Array }

/**
 * Uploaded files (images), content-addressed, and which documents use each (docs/protocol.md,
 * "Files"). Implementations: storage/memory, storage/sqlite, storage/postgres; all pass
 * test/contracts/file-store.test.ts. Bytes are stored once however many documents use them; a
 * reference (document, file) is what makes a file readable through that document. References live
 * as long as the document: its versions belong to it, so a file an old version shows stays while
 * the document exists, and deleting the document is the one point where files are collected.
 */
export interface FileStore {
  /**
   * Stores the bytes (unless a file with that id is stored already) and records that the document
   * uses it; durable when it resolves. Putting the same file twice changes nothing.
   */
  put(docId: string, file: NewFile): Promise<FileInfo>
  /** The file's facts, when the document references it; null otherwise (another document's file included). */
  info(docId: string, fileId: string): Promise<FileInfo | null>
  /** The file with its bytes, when the document references it; null otherwise. */
  get(docId: string, fileId: string): Promise<StoredFile | null>
  /**
   * Removes every reference the document holds and every file no other document references; returns
   * how many files were removed. Safe against a concurrent `put` of one of those files (it either
   * lands after and stores the bytes again, or before and keeps the file).
   */
  deleteDocument(docId: string): Promise<number>
  /** How many files are stored and their total size (docs/operations.md, storage size). */
  usage(): Promise<{ files: number; bytes: number }>
}
