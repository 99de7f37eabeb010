import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import express, { type Request, type Router } from 'express'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { Authenticator } from '../auth/authenticator.js'
import { checkDocId } from '../documents/document-service.js'
import type { FileService, Uploader } from '../files/file-service.js'
import type { ClientAddressOf } from './client-address.js'
import { requestToken } from './request-token.js'

export interface FilesRoutesOptions {
  files: FileService
  authenticator: Authenticator
  clientAddress: ClientAddressOf
  /** MAX_UPLOAD_BYTES: the largest body an upload may carry. */
  maxUploadBytes: number
}

/**
 * Served files can never run as a page: no sniffing into HTML, no script, no plugins, no frames,
 * a sandbox even when opened directly.
 */
const FILE_SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
  // Inline: shown, not downloaded; the type is the sniffed one, never what the uploader said.
  'Content-Disposition': 'inline',
}

/** A file's bytes never change under its URL (the id is their hash): cached for a year, by this reader only. */
const IMMUTABLE = 'private, max-age=31536000, immutable'

/**
 * Uploaded images under /api/docs/:docId/files (docs/protocol.md, "Files"). POST takes the bytes as
 * the body (an edit token; the body is read with a cap, never whole first); GET /:fileId serves a
 * file to anyone who may read the document and only through a document that references it.
 */
export function filesRoutes({ files, authenticator, clientAddress, maxUploadBytes }: FilesRoutesOptions): Router {
  const router = express.Router({ mergeParams: true })
  const docIdOf = (request: Request) => checkDocId(String(request.params.docId))

  router.post('/', async (request, response) => {
    const docId = docIdOf(request)
    try {
      const principal = await authenticator.authorize(requestToken(request), docId)
      const uploader: Uploader = {
        role: principal.role,
        rateKey: principal.isVerified ? `user:${principal.userId}` : `address:${clientAddress(request)}`,
      }
      if (request.is('multipart/form-data')) {
        throw new SyncError(
          ErrorCode.UnsupportedMediaType,
          "send the image's bytes as the request body with their Content-Type, not as a multipart form",
        )
      }
      await files.admit(docId, uploader)
    } catch (error) {
      // Refused before its body was read: the body is dropped as it comes, never held.
      throw dropRestOfBody(request, error)
    }
    const { bytes, sha256 } = await readCapped(request, maxUploadBytes)
    const file = await files.store(docId, bytes, sha256)
    response.status(201).location(file.url).json(file)
  })

  router.get('/:fileId', async (request, response) => {
    const docId = docIdOf(request)
    const fileId = String(request.params.fileId)
    await authenticator.authorize(requestToken(request), docId)
    const etag = `"${fileId}"`
    // Only for a file this document references: a 304 must not confirm another document's file.
    // The caching headers go on answers about the file only: a cached 404 would hide it for a year.
    if (etagMatches(request.get('if-none-match'), etag)) {
      await files.info(docId, fileId)
      response.set(FILE_SECURITY_HEADERS).set({ 'Cache-Control': IMMUTABLE, ETag: etag }).status(304).end()
      return
    }
    const file = await files.read(docId, fileId)
    response
      .status(200)
      .set(FILE_SECURITY_HEADERS)
      .set({
        'Cache-Control': IMMUTABLE,
        ETag: etag,
        'Content-Type': file.type,
        'Content-Length': String(file.bytes.byteLength),
      })
      .end(
        request.method === 'HEAD'
          ? undefined
          : Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength),
      )
  })

  return router
}

/**
 * The request body, at most `maxBytes` of it, and its SHA-256 computed on the way. A Content-Length
 * above the cap is refused before a byte is read; a body that grows past it (chunked, or lying about
 * its length) is refused as soon as it does, the rest dropped unread: memory holds at most the
 * cap, whatever the client sends.
 */
function readCapped(request: IncomingMessage, maxBytes: number): Promise<{ bytes: Buffer; sha256: string }> {
  const tooLarge = () =>
    new SyncError(
      ErrorCode.FileTooLarge,
      `the file is larger than ${maxBytes} bytes (MAX_UPLOAD_BYTES), the most one upload may be`,
    )
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(dropRestOfBody(request, tooLarge()))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const hash = createHash('sha256')
    let received = 0
    const onData = (chunk: Buffer) => {
      received += chunk.byteLength
      if (received > maxBytes) {
        cleanup()
        chunks.length = 0
        reject(dropRestOfBody(request, tooLarge()))
        return
      }
      chunks.push(chunk)
      hash.update(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve({ bytes: Buffer.concat(chunks, received), sha256: hash.digest('hex') })
    }
    const onError = (error: Error) => {
      cleanup()
      reject(error)
    }
    const onAborted = () => onError(new SyncError(ErrorCode.BadRequest, 'the upload was cut off before its end'))
    const cleanup = () => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted)
    }
    request.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted)
  })
}

/**
 * How long a refused upload's connection may keep sending after the answer went out. Its bytes are
 * read and dropped meanwhile (memory stays flat): closing at once would make the kernel reset the
 * connection, and most clients, still writing, would then lose the answer and show a network error
 * instead of "too large". A client still sending after this is cut off.
 */
const REFUSED_BODY_LINGER_MS = 5_000

/**
 * Refuses the rest of the body: read and dropped, never held, and the connection ended if the
 * client keeps sending once the answer has been out for REFUSED_BODY_LINGER_MS.
 */
function dropRestOfBody<E>(request: IncomingMessage, error: E): E {
  request.on('data', () => undefined)
  request.resume()
  const response = (request as Request).res
  response?.once('finish', () => {
    if (request.complete) return
    const timer = setTimeout(() => request.socket.destroy(), REFUSED_BODY_LINGER_MS).unref()
    request.once('end', () => clearTimeout(timer))
    request.socket.once('close', () => clearTimeout(timer))
  })
  return error
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*')
}
