import { createHash, randomBytes } from 'node:crypto'
import type { Thread } from '../../shared/comments.js'
import type { SuggestionsView } from '../../shared/suggestions/suggestions.js'
import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'
import { DOC_ID_RULE, isValidDocId, type DocId } from '../../shared/ids.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import { appendComments } from '../content/comments-export.js'
import type { ContentFormat, ImportFormat } from '../content/formats.js'
import { absoluteImageUrls, embedImages, type FileReader } from '../content/image-urls.js'
import type { DocInfo, DocStore } from '../storage/doc-store.js'
import { LocalOrigin } from '../sync/origins.js'
import type { RoomRegistry } from '../sync/room-registry.js'

export const MAX_TITLE_LENGTH = 200

export interface ImportSource {
  source: string
  format: ImportFormat
}

/** The editor schema and converters take about a second to import: load them on first use only. */
const converters = () => import('../content/convert.js')

/** How an export treats the document's uploaded images (server/content/image-urls.ts). */
export interface RenderOptions {
  /** Markdown and HTML: uploaded images' relative URLs resolved against this origin (no token added). */
  imageBaseUrl?: string
  /** HTML only: uploaded images inlined as data: URLs, read through this (the exported document's files). */
  embedImages?: FileReader
  /** Pending suggestions: as if rejected (default), accepted, or shown (formats.ts SUGGESTION_VIEWS). */
  suggestions?: SuggestionsView
}

/**
 * Document operations shared by the REST API and the CLI. Content is created here, on the server,
 * through the live room: clients never seed documents (that duplicates content on reconnects).
 */
export class DocumentService {
  constructor(
    private readonly store: DocStore,
    private readonly registry: RoomRegistry,
    /** Told when a document is deleted, so its version history goes with it. */
    private readonly history?: { removeAll(docId: DocId): Promise<void> },
    /** Told when a document is deleted, so its comment threads go with it. */
    private readonly comments?: { deleteDocument(docId: DocId): Promise<void> },
    /**
     * Told when a document is deleted, so its file references go, with the files no other
     * document uses. The only point where files are collected: references live as long as the
     * document, so every version of it keeps showing its images.
     */
    private readonly files?: { deleteDocument(docId: DocId): Promise<unknown> },
  ) {}

  list(): Promise<DocInfo[]> {
    return this.store.list()
  }

  async info(docId: string): Promise<DocInfo> {
    const info = await this.store.info(checkDocId(docId))
    if (!info) throw new SyncError(ErrorCode.NotFound, `document ${docId} does not exist`)
    return info
  }

  async create(options: { docId?: string; title?: string; content?: ImportSource }): Promise<DocInfo> {
    const docId = options.docId === undefined ? newDocId() : checkDocId(options.docId)
    const title = checkTitle(options.title ?? '')
    // Parse before creating anything: bad input must leave no half-made document behind.
    const json = options.content ? await parseImport(options.content) : null
    if (!(await this.store.create(docId, title))) {
      throw new SyncError(ErrorCode.AlreadyExists, `document ${docId} already exists`)
    }
    if (json) {
      const { replaceContent } = await converters()
      await this.registry.withRoom(docId, async (room) => {
        replaceContent(room.doc, json, LocalOrigin)
        await room.flush()
      })
    }
    return this.info(docId)
  }

  /**
   * Imports into an existing or new document. A document with content is only overwritten with
   * `replace`, and then through a diff, so connected editors see an ordinary change.
   */
  async importContent(docId: string, content: ImportSource, replace = false): Promise<DocInfo> {
    const id = checkDocId(docId)
    const json = await parseImport(content)
    const { isEmptyDoc, replaceContent } = await converters()
    await this.store.create(id, '')
    await this.registry.withRoom(id, async (room) => {
      if (!replace && !isEmptyDoc(room.doc)) {
        throw new SyncError(
          ErrorCode.AlreadyExists,
          `document ${id} already has content; pass --replace to overwrite it`,
        )
      }
      replaceContent(room.doc, json, LocalOrigin)
      await room.flush()
    })
    return this.info(id)
  }

  async rename(docId: string, title: string): Promise<DocInfo> {
    const id = checkDocId(docId)
    if (!(await this.store.setTitle(id, checkTitle(title)))) {
      throw new SyncError(ErrorCode.NotFound, `document ${docId} does not exist`)
    }
    return this.info(id)
  }

  /** Renders the document; `etag` identifies its version, so unchanged polls cost no rendering. */
  /** With `threads`, they follow the text (`?comments=1`) and are part of the ETag. */
  async render(
    docId: string,
    format: ContentFormat,
    ifNoneMatch?: string,
    threads?: readonly Thread[],
    options: RenderOptions = {},
  ): Promise<{ etag: string; body: string | null }> {
    const info = await this.info(docId)
    const { contentETag, docToJSON, renderJSON } = await converters()
    // Only Markdown and HTML carry image URLs to resolve: JSON is the document as stored, text has no images.
    const base = format === 'markdown' || format === 'html' ? options.imageBaseUrl : undefined
    const rendered = await this.registry.withRoom(info.docId, (room) => {
      let etag = contentETag(room.doc, format, options.suggestions)
      if (threads) etag = `${etag.slice(0, -1)}-${threadsDigest(threads)}"`
      // The same version exported through another origin has other image URLs: another ETag.
      if (base !== undefined) etag = `${etag.slice(0, -1)}-${digest(base)}"`
      if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etag)) return { etag, json: null }
      return { etag, json: docToJSON(room.doc, { suggestions: options.suggestions }) }
    })
    if (rendered.json === null) return { etag: rendered.etag, body: null }
    const json = base === undefined ? rendered.json : absoluteImageUrls(rendered.json, base)
    let body = renderJSON(json, format)
    if (format === 'html' && options.embedImages) body = await embedImages(body, options.embedImages, base)
    return { etag: rendered.etag, body: threads ? appendComments(body, format, threads) : body }
  }

  async delete(docId: string): Promise<void> {
    const id = checkDocId(docId)
    await this.registry.evict(id, CloseCode.DocumentDeleted, closeReason(ErrorCode.DocumentDeleted, 'deleted'))
    const existed = await this.store.delete(id)
    await this.history?.removeAll(id)
    await this.comments?.deleteDocument(id)
    await this.files?.deleteDocument(id)
    if (!existed) throw new SyncError(ErrorCode.NotFound, `document ${docId} does not exist`)
  }
}

function threadsDigest(threads: readonly Thread[]): string {
  return digest(JSON.stringify(threads))
}

function digest(value: string): string {
  return createHash('sha1').update(value).digest('base64url').slice(0, 16)
}

export function checkDocId(docId: string): DocId {
  if (!isValidDocId(docId)) throw new SyncError(ErrorCode.InvalidDocId, `invalid document id: ${DOC_ID_RULE}`)
  return docId
}

function checkTitle(title: string): string {
  const trimmed = title.trim()
  if (trimmed.length > MAX_TITLE_LENGTH) {
    throw new SyncError(ErrorCode.BadRequest, `title is longer than ${MAX_TITLE_LENGTH} characters`)
  }
  return trimmed
}

async function parseImport(content: ImportSource) {
  const { parseContent } = await converters()
  try {
    return parseContent(content.source, content.format)
  } catch (error) {
    const detail = errorMessage(error)
    throw new SyncError(ErrorCode.BadRequest, `could not import ${content.format}: ${detail}`)
  }
}

/** 12 random url-safe characters: unguessable enough to share as a link, short enough to read. */
export function newDocId(): DocId {
  return randomBytes(9).toString('base64url') as DocId
}

function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*')
}
