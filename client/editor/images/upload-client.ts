/**
 * Sends one image to the server (docs/protocol.md, "Files"): `POST <httpBase>/api/docs/<docId>/files`
 * with the bytes as the body and their type as `Content-Type`, the token as `Authorization: Bearer`.
 * In a browser this uses XMLHttpRequest, the one API that reports upload progress over HTTP/1.1;
 * elsewhere (Node, tests) it uses fetch and reports 0 then 1.
 */

/** What the server answers on 201: `url` is relative to the server and carries no token. */
export interface UploadedImage {
  url: string
  type: string
  width: number
  height: number
  sizeBytes: number
}

export interface UploadOptions {
  /** REST base, `http(s)://host[/prefix]` (TandemProvider.httpBase). */
  httpBase: string
  docId: string
  body: Blob
  token?: string
  /** Called with the share of the body sent, 0 to 1. */
  onProgress?: (fraction: number) => void
  signal?: AbortSignal
}

/** The server answered and said no (415, 413, 429, 403…): re-sending the same bytes will not help (except 429). */
export class UploadRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'UploadRefused'
  }
}

/** No verdict from the server (offline, connection dropped, 5xx): worth sending again later. */
export class UploadUnreachable extends Error {
  constructor(message = 'the server could not be reached; the image will be uploaded when it can') {
    super(message)
    this.name = 'UploadUnreachable'
  }
}

export function filesUrl(httpBase: string, docId: string): string {
  return `${httpBase}/api/docs/${encodeURIComponent(docId)}/files`
}

/** The part of XMLHttpRequest used here (declared so this module also builds where there is no DOM, for tests). */
interface Xhr {
  open(method: string, url: string): void
  setRequestHeader(name: string, value: string): void
  send(body: Blob): void
  abort(): void
  readonly status: number
  readonly responseText: string
  readonly upload: {
    onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null
  }
  onload: (() => void) | null
  onerror: (() => void) | null
  ontimeout: (() => void) | null
  onabort: (() => void) | null
}
type XhrConstructor = new () => Xhr

export async function uploadImage(options: UploadOptions): Promise<UploadedImage> {
  const Xhr = (globalThis as { XMLHttpRequest?: XhrConstructor }).XMLHttpRequest
  const { status, text } = Xhr ? await sendWithXhr(Xhr, options) : await sendWithFetch(options)
  return readAnswer(status, text)
}

/** The server's sentence for a refusal, or one of ours when the answer is not Tandem's JSON. */
export function readAnswer(status: number, text: string): UploadedImage {
  if (status === 0 || status >= 500) throw new UploadUnreachable()
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON: a proxy's page, say; handled below.
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  if (status === 201 || status === 200) {
    if (typeof record.url !== 'string' || !record.url.startsWith('/')) {
      throw new UploadRefused(status, 'bad-answer', 'the server answered the upload without a file address')
    }
    return {
      url: record.url,
      type: String(record.type ?? ''),
      width: Number(record.width) || 0,
      height: Number(record.height) || 0,
      sizeBytes: Number(record.sizeBytes) || 0,
    }
  }
  const message =
    typeof record.message === 'string' && record.message !== ''
      ? record.message
      : `the server refused the image (HTTP ${status})`
  throw new UploadRefused(status, typeof record.error === 'string' ? record.error : 'refused', message)
}

function sendWithXhr(Xhr: XhrConstructor, options: UploadOptions): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new Xhr()
    xhr.open('POST', filesUrl(options.httpBase, options.docId))
    xhr.setRequestHeader('Content-Type', options.body.type || 'application/octet-stream')
    if (options.token) xhr.setRequestHeader('Authorization', `Bearer ${options.token}`)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total)
    }
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText })
    // A network failure has no status: the caller keeps the image and tries again later.
    xhr.onerror = () => resolve({ status: 0, text: '' })
    xhr.ontimeout = () => resolve({ status: 0, text: '' })
    xhr.onabort = () => reject(new DOMException('upload aborted', 'AbortError'))
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    options.onProgress?.(0)
    xhr.send(options.body)
  })
}

async function sendWithFetch(options: UploadOptions): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'Content-Type': options.body.type || 'application/octet-stream' }
  if (options.token) headers.Authorization = `Bearer ${options.token}`
  options.onProgress?.(0)
  let response: Response
  try {
    response = await fetch(filesUrl(options.httpBase, options.docId), {
      method: 'POST',
      headers,
      body: options.body,
      signal: options.signal,
    })
  } catch (error) {
    if (options.signal?.aborted) throw error
    return { status: 0, text: '' }
  }
  options.onProgress?.(1)
  return { status: response.status, text: await response.text() }
}

/** The path of an uploaded file as the upload route hands it out (server/http/files-routes.ts). */
const SERVED_FILE = /^\/api\/docs\/[A-Za-z0-9_-]{1,128}\/files\/[0-9a-f]{64}$/

/**
 * The address a reader's browser loads an image from: a stored upload (`/api/docs/<docId>/files/<id>`)
 * goes to the server with this reader's own token in the query (an `<img>` cannot send a header);
 * any other path on the server is loaded from it without the token (a crafted `src` must not make
 * every reader send their token to another endpoint); an absolute URL (an imported external image)
 * is used as it is, and never gets the token.
 */
export function imageAddress(src: string, httpBase: string, token: string | undefined): string {
  if (!src.startsWith('/') || src.startsWith('//')) return src
  const url = `${httpBase}${src}`
  if (!token || !SERVED_FILE.test(src)) return url
  return `${url}?token=${encodeURIComponent(token)}`
}
