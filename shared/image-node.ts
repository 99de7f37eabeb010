import { mergeAttributes } from '@tiptap/core'
import { Image } from '@tiptap/extension-image'
import { safeUrl, UrlKind } from './url-policy.js'

/** Width presets of an image, as a share of the text column (CSS in tandem-editor.css). */
export const IMAGE_SIZES = ['small', 'medium', 'full'] as const
export type ImageSize = (typeof IMAGE_SIZES)[number]
export const IMAGE_ALIGNMENTS = ['left', 'center', 'right'] as const
export type ImageAlign = (typeof IMAGE_ALIGNMENTS)[number]
/** An upload's id: chosen by the uploading browser, shown as a placeholder by everyone until `src` is set. */
export const UPLOAD_ID_PATTERN = /^[\w-]{1,64}$/

/** What parsing reads of an element (shared code is built without the DOM types). */
interface Attributed {
  getAttribute(name: string): string | null
}

const oneOf =
  <T extends string>(allowed: readonly T[], fallback: T) =>
  (value: unknown) =>
    allowed.includes(value as T) ? (value as T) : fallback

/**
 * The image node, the same on the editor and the server (the schema-parity test checks it). A block
 * node, so it fits wherever a paragraph does (table cells, list items).
 *
 * - `src`: the stored URL (`/api/docs/<docId>/files/<sha256>` for uploads, relative to the server),
 *   never with a token in it: each reader adds its own when it renders (client/editor/images).
 *   The URL policy (shared/url-policy.ts, URL_ATTRIBUTES) polices it on parse, render and write.
 * - `uploadId` with `src: null`: an upload under way in some writer's browser; everyone sees a
 *   placeholder until that writer sets `src`.
 * - `size` and `align`: presets, not free pixel widths, so a document looks the same on a phone.
 * - `width` and `height` (from Image): the pixel dimensions, so the page keeps the image's place before it loads.
 */
export const ImageNode = Image.extend({
  addAttributes() {
    return {
      ...this.parent?.(),
      src: {
        default: null,
        parseHTML: (element: Attributed) => safeUrl(UrlKind.Image, element.getAttribute('src')),
        renderHTML: (attributes: Record<string, unknown>) => {
          const src = safeUrl(UrlKind.Image, attributes.src)
          return src === null ? {} : { src }
        },
      },
      size: {
        default: 'full',
        parseHTML: (element: Attributed) => oneOf(IMAGE_SIZES, 'full')(element.getAttribute('data-size')),
        renderHTML: (attributes: Record<string, unknown>) => ({ 'data-size': attributes.size }),
      },
      align: {
        default: 'center',
        parseHTML: (element: Attributed) => oneOf(IMAGE_ALIGNMENTS, 'center')(element.getAttribute('data-align')),
        renderHTML: (attributes: Record<string, unknown>) => ({ 'data-align': attributes.align }),
      },
      uploadId: {
        default: null,
        // An upload belongs to the session that started it: pasted HTML never resurrects a placeholder.
        parseHTML: () => null,
        renderHTML: (attributes: Record<string, unknown>) =>
          typeof attributes.uploadId === 'string' ? { 'data-upload-id': attributes.uploadId } : {},
      },
    }
  },

  parseHTML() {
    // Only images whose URL the policy keeps (no data:, javascript:, blob: …).
    return [
      {
        tag: 'img[src]',
        getAttrs: (element) =>
          safeUrl(UrlKind.Image, (element as unknown as Attributed).getAttribute('src')) ? null : false,
      },
    ]
  },

  renderHTML({ HTMLAttributes }) {
    return ['img', mergeAttributes(this.options.HTMLAttributes, HTMLAttributes)]
  },

  renderMarkdown: (node) => {
    const src = safeUrl(UrlKind.Image, node.attrs?.src)
    // A placeholder (upload not finished) has nothing to point at yet.
    if (src === null) return ''
    // One line: a line break in the description would end the image and make the rest of the alt
    // text live Markdown (raw HTML included). Brackets would end the description. On its one line
    // the description renders as plain text (CommonMark), a tag in it included.
    const alt = String(node.attrs?.alt ?? '')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/([\\[\]])/g, '\\$1')
    // A destination with spaces or parentheses goes in angle brackets (CommonMark), so it stays one URL.
    const destination = /^[^\s()<>]+$/.test(src) ? src : `<${src.replace(/[<>]/g, encodeURIComponent)}>`
    return `![${alt}](${destination})`
  },
})
