import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { readOnlyReason, type Principal } from '../auth/authenticator.js'
import { Role } from '../../shared/roles.js'
import { PerMinuteBudgets } from '../sync/token-bucket.js'
import type { FileInfo, FileStore, StoredFile } from './file-store.js'
import { sniffImage, type ImageType } from './image-sniff.js'

/** Who uploads: their role for the document, and the key their upload budget is kept under. */
export interface Uploader {
  role: Principal['role']
  /** `user:<id>` for a verified person, `address:<ip>` otherwise. */
  rateKey: string
}

/** What an upload answers (201): where the file is read, and what it is. */
export interface UploadedFile {
  /** Path under the server's origin; carries no token (readers add their own). */
  url: string
  type: ImageType
  width: number
  height: number
  sizeBytes: number
}

export interface FileServiceDeps {
  store: FileStore
  documentExists(docId: DocId): Promise<boolean>
  /**
   * Creates the (empty) document when an edit upload names one that has no content yet: a new
   * document's first act may be a pasted image, whose upload can reach the server before the edit
   * that inserts it, and an edit token may create the document by any edit anyway.
   */
  createDocument(docId: DocId): Promise<void>
  limits: { uploadsPerMinute: number }
  now?: () => number
}

/** A file id as the URL carries it: a SHA-256 in lowercase hex. */
const FILE_ID = /^[0-9a-f]{64}$/

/**
 * The rules around uploaded files (docs/security.md, "Uploads"): only edit uploads (into the document,
 * created if it has no content yet), within a per-author budget; only images that sniff as PNG, JPEG, GIF or
 * WebP are kept; a file is read only through a document that references it. Reading the body
 * (and its size cap) is the HTTP layer's: this service sees whole, bounded bytes.
 */
export class FileService {
  private readonly budgets: PerMinuteBudgets

  constructor(private readonly deps: FileServiceDeps) {
    this.budgets = new PerMinuteBudgets(deps.now ?? Date.now)
  }

  /**
   * Checks what can be checked before any byte of the body is read: the role, the document, the
   * budget (which this spends). Throws SyncError (ReadOnly, NotFound, RateLimited).
   */
  async admit(docId: DocId, uploader: Uploader): Promise<void> {
    if (uploader.role !== Role.Edit) {
      throw new SyncError(ErrorCode.ReadOnly, `${readOnlyReason(uploader.role)}: cannot upload images`)
    }
    this.spend(uploader)
    if (!(await this.deps.documentExists(docId))) await this.deps.createDocument(docId)
  }

  /**
   * Keeps the bytes as a file of the document when they are an image we serve (sniffed, whole,
   * dimensions within the caps); `sha256` is their hash, computed while they streamed in.
   */
  async store(docId: DocId, bytes: Uint8Array, sha256: string): Promise<UploadedFile> {
    const image = sniffImage(bytes)
    const info = await this.deps.store.put(docId, { id: sha256, ...image, bytes })
    // Deleted while the body streamed in: its deletion collected files before this reference
    // existed, so collect again, or the reference would keep the file for good.
    if (!(await this.deps.documentExists(docId))) {
      await this.deps.store.deleteDocument(docId)
      throw new SyncError(ErrorCode.NotFound, `document ${docId} was deleted during the upload`)
    }
    return uploaded(docId, info)
  }

  /** The file's facts, when the document references it; NotFound otherwise (a foreign document's file too). */
  async info(docId: DocId, fileId: string): Promise<FileInfo> {
    const info = FILE_ID.test(fileId) ? await this.deps.store.info(docId, fileId) : null
    if (!info) throw notFound(docId, fileId)
    return info
  }

  /** The file with its bytes, when the document references it; NotFound otherwise. */
  async read(docId: DocId, fileId: string): Promise<StoredFile> {
    const file = FILE_ID.test(fileId) ? await this.deps.store.get(docId, fileId) : null
    if (!file) throw notFound(docId, fileId)
    return file
  }

  /** The document was deleted: its references go, and the files no other document uses. */
  deleteDocument(docId: DocId): Promise<number> {
    return this.deps.store.deleteDocument(docId)
  }

  /** One upload from the uploader's per-minute budget, or 429. */
  private spend(uploader: Uploader): void {
    const perMinute = this.deps.limits.uploadsPerMinute
    if (perMinute > 0 && !this.budgets.take(uploader.rateKey, perMinute)) {
      throw new SyncError(
        ErrorCode.RateLimited,
        `you are uploading too fast (at most ${perMinute} images a minute); wait a moment and try again`,
      )
    }
  }
}

/** Where a document's file is read. */
export function fileUrl(docId: DocId, fileId: string): string {
  return `/api/docs/${docId}/files/${fileId}`
}

function uploaded(docId: DocId, info: FileInfo): UploadedFile {
  return {
    url: fileUrl(docId, info.id),
    type: info.type as ImageType,
    width: info.width,
    height: info.height,
    sizeBytes: info.sizeBytes,
  }
}

function notFound(docId: DocId, fileId: string): SyncError {
  return new SyncError(ErrorCode.NotFound, `document ${docId} has no file ${fileId.slice(0, 64)}`)
}
