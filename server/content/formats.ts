/** Formats the content endpoint, the CLI and the editor's export speak. Kept apart from convert.ts,
 * whose editor dependencies take a second to load and are only imported when first needed. */
export const ContentFormat = {
  Markdown: 'markdown',
  Html: 'html',
  Text: 'text',
  Json: 'json',
} as const
export type ContentFormat = (typeof ContentFormat)[keyof typeof ContentFormat]
export const CONTENT_FORMATS = Object.values(ContentFormat)

export const CONTENT_TYPES: Record<ContentFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
}

/** Formats a document can be imported from. */
export type ImportFormat = 'markdown' | 'html'
