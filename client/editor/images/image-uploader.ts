import type { Editor } from '@tiptap/core'
import type { Node as PmNode } from '@tiptap/pm/model'
import type { TandemProvider } from '../../provider/tandem-provider.js'
import { SyncState } from '../../provider/sync-status.js'
import { placeCursorAfterImage } from './cursor-after-image.js'
import { pendingUploads } from './pending-uploads.js'
import { addUploadNotice } from './upload-notices.js'
import { imageAddress, uploadImage, UploadRefused, UploadUnreachable, type UploadedImage } from './upload-client.js'

/** What this browser knows about one of its uploads, for the placeholder. */
export interface UploadProgress {
  /** `sending` with the share sent, or `waiting` for the network (offline, server unreachable). */
  state: 'sending' | 'waiting'
  fraction: number
}

/** How long after a 429 (too many uploads) we try again. */
const RATE_LIMIT_RETRY_MS = 15_000

/**
 * The uploads of one editor: inserts a placeholder (an image node with `uploadId` and no `src`, which
 * every reader shows as "uploading"), keeps the bytes in IndexedDB until the server has them, sends
 * them, then sets `src` for everyone. Setting `src` and removing a refused placeholder stay out of
 * the undo history: undo removes the image its author inserted, not half of it.
 */
export class ImageUploader {
  private editor: Editor | null = null
  private readonly progress = new Map<string, UploadProgress>()
  private readonly blobs = new Map<string, Blob>()
  private readonly listeners = new Set<() => void>()
  private tokenPromise: Promise<string | undefined> | null = null
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private hasResumed = false
  private isDestroyed = false
  private readonly docKey: string

  constructor(private readonly provider: TandemProvider) {
    this.docKey = `${provider.httpBase}/${provider.docId}`
  }

  /** Works for `editor` until the returned function is called (an effect's cleanup). */
  attach(editor: Editor): () => void {
    this.editor = editor
    this.isDestroyed = false
    // Back online, or the session came back: send what waited, and resume a closed tab's uploads.
    const unsubscribe = this.provider.subscribe(this.onConnectivity)
    window.addEventListener('online', this.onConnectivity)
    this.onConnectivity()
    return () => {
      this.isDestroyed = true
      this.editor = null
      unsubscribe()
      window.removeEventListener('online', this.onConnectivity)
      clearTimeout(this.retryTimer)
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  progressOf(uploadId: string): UploadProgress | undefined {
    return this.progress.get(uploadId)
  }

  /** The address this reader loads `src` from (its own token added for the server's files). */
  async address(src: string, refreshToken = false): Promise<string> {
    if (refreshToken || !this.tokenPromise) this.tokenPromise = this.provider.getToken().catch(() => undefined)
    return imageAddress(src, this.provider.httpBase, await this.tokenPromise)
  }

  /** Inserts a placeholder per file at `position` (else the selection) and uploads them. */
  insertFiles(files: readonly Blob[], position?: number): void {
    const editor = this.editor
    if (!editor || !editor.isEditable || files.length === 0) return
    const { nodes, start } = this.prepare(files)
    const chain = editor.chain().focus()
    if (position === undefined) chain.insertContent(nodes)
    else chain.insertContentAt(position, nodes)
    chain.command(({ tr }) => placeCursorAfterImage(tr)).run()
    start()
  }

  /**
   * The placeholder nodes for `files`, and the function that starts their uploads once the
   * placeholders are in the document (for a command that inserts them into its own transaction).
   */
  prepare(files: readonly Blob[]): { nodes: { type: 'image'; attrs: Record<string, unknown> }[]; start: () => void } {
    const ids = files.map(() => newUploadId())
    ids.forEach((uploadId, index) => {
      this.blobs.set(uploadId, files[index]!)
      this.progress.set(uploadId, { state: 'sending', fraction: 0 })
    })
    const start = () => {
      for (const uploadId of ids) {
        const blob = this.blobs.get(uploadId)
        if (!blob) continue
        // Kept before it is sent: a tab closed mid-upload resends on the next load.
        void pendingUploads
          .put({ uploadId, docKey: this.docKey, blob, createdAt: Date.now() })
          .finally(() => void this.send(uploadId))
      }
      this.emit()
    }
    return { nodes: ids.map((uploadId) => ({ type: 'image', attrs: { src: null, uploadId } })), start }
  }

  private readonly inFlight = new Set<string>()

  private async send(uploadId: string): Promise<void> {
    const blob = this.blobs.get(uploadId)
    if (!blob || this.inFlight.has(uploadId) || this.isDestroyed) return
    this.inFlight.add(uploadId)
    this.setProgress(uploadId, { state: 'sending', fraction: 0 })
    try {
      const image = await uploadImage({
        httpBase: this.provider.httpBase,
        docId: this.provider.docId,
        body: blob,
        token: await this.provider.getToken(),
        onProgress: (fraction) => this.setProgress(uploadId, { state: 'sending', fraction }),
      })
      this.finish(uploadId)
      this.setSource(uploadId, image)
    } catch (error) {
      if (error instanceof UploadRefused && error.status !== 429) {
        this.finish(uploadId)
        this.removePlaceholder(uploadId, `Image not added: ${error.message}`)
        this.emit()
      } else {
        // Unreachable (offline, 5xx) or rate limited: kept, and sent again later.
        if (!(error instanceof UploadUnreachable || error instanceof UploadRefused)) console.error(error)
        this.setProgress(uploadId, { state: 'waiting', fraction: 0 })
        if (error instanceof UploadRefused) this.retryLater(RATE_LIMIT_RETRY_MS)
      }
    } finally {
      this.inFlight.delete(uploadId)
    }
  }

  private finish(uploadId: string): void {
    this.blobs.delete(uploadId)
    this.progress.delete(uploadId)
    void pendingUploads.remove(uploadId)
  }

  private readonly onConnectivity = (): void => {
    if (this.isDestroyed || !this.editor) return
    const { state } = this.provider.getStatus()
    if (state !== SyncState.Saved && state !== SyncState.Saving && state !== SyncState.Connected) return
    if (!this.hasResumed) {
      this.hasResumed = true
      void this.resume()
    }
    for (const [uploadId, progress] of this.progress) {
      if (progress.state === 'waiting') void this.send(uploadId)
    }
  }

  private retryLater(delayMs: number): void {
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => {
      for (const [uploadId, progress] of this.progress) if (progress.state === 'waiting') void this.send(uploadId)
    }, delayMs)
  }

  /** Uploads a closed tab left behind for this document; those whose placeholder is gone are dropped. */
  private async resume(): Promise<void> {
    for (const upload of await pendingUploads.listFor(this.docKey)) {
      if (this.blobs.has(upload.uploadId)) continue
      if (this.findPlaceholders(upload.uploadId).length === 0) {
        void pendingUploads.remove(upload.uploadId)
        continue
      }
      this.blobs.set(upload.uploadId, upload.blob)
      this.progress.set(upload.uploadId, { state: 'sending', fraction: 0 })
      void this.send(upload.uploadId)
    }
    this.emit()
  }

  private findPlaceholders(uploadId: string): { node: PmNode; pos: number }[] {
    const found: { node: PmNode; pos: number }[] = []
    this.editor?.state.doc.descendants((node, pos) => {
      if (node.type.name === 'image' && node.attrs.uploadId === uploadId) found.push({ node, pos })
    })
    return found
  }

  private setSource(uploadId: string, image: UploadedImage): void {
    const editor = this.editor
    if (!editor || editor.isDestroyed) return
    const { tr } = editor.state
    for (const { node, pos } of this.findPlaceholders(uploadId)) {
      tr.setNodeMarkup(pos, undefined, {
        ...node.attrs,
        src: image.url,
        width: image.width || null,
        height: image.height || null,
        uploadId: null,
      })
    }
    if (tr.docChanged) editor.view.dispatch(tr.setMeta('addToHistory', false))
    this.emit()
  }

  /** Removes a refused upload's placeholder and shows `message` where it was (this writer only). */
  private removePlaceholder(uploadId: string, message: string): void {
    const editor = this.editor
    if (!editor || editor.isDestroyed) return
    const { tr } = editor.state
    const found = this.findPlaceholders(uploadId)
    // From the end, so earlier positions stay valid.
    for (const { node, pos } of [...found].reverse()) tr.delete(pos, pos + node.nodeSize)
    const first = found[0]
    if (first) addUploadNotice(tr, { id: uploadId, message, pos: tr.mapping.map(first.pos) })
    if (tr.docChanged) editor.view.dispatch(tr.setMeta('addToHistory', false))
  }

  private setProgress(uploadId: string, progress: UploadProgress): void {
    if (!this.blobs.has(uploadId)) return
    this.progress.set(uploadId, progress)
    this.emit()
  }

  private emit(): void {
    for (const listener of this.listeners) listener()
  }
}

function newUploadId(): string {
  return typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('')
}
