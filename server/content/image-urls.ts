import type { JSONContent } from '@tiptap/core'

/**
 * Image URLs in exports (docs/protocol.md, "Export"). A document stores an upload's `src` relative
 * to the server (`/api/docs/<docId>/files/<sha256>`), which means nothing once the Markdown or
 * HTML leaves it: exports resolve those against the server's origin. Only URLs this server serves
 * are touched; external images and other relative URLs stay as written. No token is ever added:
 * whoever reads an export needs their own access to fetch the images.
 */

/** The path of an uploaded file, as the upload route hands it out (server/http/files-routes.ts). */
const SERVED_FILE = /^\/api\/docs\/([A-Za-z0-9_-]{1,128})\/files\/([0-9a-f]{64})$/

/** The document and file an image `src` names, when it is one of this server's uploads. */
export function servedFile(src: unknown): { docId: string; fileId: string } | null {
  if (typeof src !== 'string') return null
  const match = SERVED_FILE.exec(src)
  return match ? { docId: match[1]!, fileId: match[2]! } : null
}

/** A copy of `json` with every image `src` passed through `map` (the input is not changed). */
export function mapImageSrcs(json: JSONContent, map: (src: string) => string): JSONContent {
  const copy: JSONContent = { ...json }
  if (json.type === 'image' && typeof json.attrs?.src === 'string') {
    copy.attrs = { ...json.attrs, src: map(json.attrs.src) }
  }
  if (json.content) copy.content = json.content.map((child) => mapImageSrcs(child, map))
  return copy
}

/** Every image `src` this server serves, made absolute against `baseUrl` (an http(s) origin, maybe with a path). */
export function absoluteImageUrls(json: JSONContent, baseUrl: string): JSONContent {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`
  // The served path is made relative (no leading slash) so a base with a path prefix keeps it.
  return mapImageSrcs(json, (src) => (servedFile(src) ? new URL(src.slice(1), base).href : src))
}

/**
 * Checks a `--base-url`: an absolute http or https URL without credentials, query or fragment.
 * Returns it without a trailing slash; throws a readable sentence otherwise.
 */
export function checkBaseUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`--base-url must be an absolute http(s) URL such as https://tandem.example.org, not "${value}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--base-url must use http or https, not ${url.protocol.slice(0, -1)}`)
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error('--base-url must not carry credentials, a query or a fragment (exports never carry tokens)')
  }
  return url.href.replace(/\/+$/, '')
}

/** What embedding reads: the exported document's stored file, or null when it does not reference it. */
export type FileReader = (fileId: string) => Promise<{ type: string; bytes: Uint8Array } | null>

/** An `<img …>` start tag; `<` in text and attribute values is escaped by the renderer, so this finds only real ones. */
const IMG_TAG = /<img\b[^>]*>/g
const SRC_ATTRIBUTE = /\ssrc="([^"]*)"/

/**
 * Inlines the document's uploaded images into rendered HTML as `data:` URLs, for a self-contained
 * file (`tandem export --format html --embed-images`). The URL policy refuses `data:` inside
 * documents, rightly (an SVG data URL can carry script); this is different: it happens only in the
 * exported HTML, never in the document, and the bytes are our own stored uploads, whose type the
 * upload route sniffed and limited to raster formats (PNG, JPEG, GIF, WebP). A file the document
 * does not reference (read through `read`, which asks the store for this document's files only)
 * and external URLs stay as they are.
 */
export async function embedImages(html: string, read: FileReader, baseUrl?: string): Promise<string> {
  // With a base URL the served paths were made absolute first (absoluteImageUrls): read them back.
  const base = baseUrl?.replace(/\/+$/, '')
  const fileOf = (src: string | undefined) =>
    servedFile(base !== undefined && src?.startsWith(`${base}/`) ? src.slice(base.length) : src)
  const inlined = new Map<string, string | null>()
  for (const tag of html.match(IMG_TAG) ?? []) {
    const file = fileOf(SRC_ATTRIBUTE.exec(tag)?.[1])
    if (!file || inlined.has(file.fileId)) continue
    const stored = await read(file.fileId)
    inlined.set(file.fileId, stored && `data:${stored.type};base64,${Buffer.from(stored.bytes).toString('base64')}`)
  }
  return html.replace(IMG_TAG, (tag) =>
    tag.replace(SRC_ATTRIBUTE, (attribute, src: string) => {
      const file = fileOf(src)
      const data = file && inlined.get(file.fileId)
      return data ? ` src="${data}"` : attribute
    }),
  )
}
