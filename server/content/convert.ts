import { createHash } from 'node:crypto'
import { generateText, type JSONContent } from '@tiptap/core'
import { generateJSON } from '@tiptap/html/server'
import { MarkdownManager } from '@tiptap/markdown'
import { renderToHTMLString } from '@tiptap/static-renderer/pm/html-string'
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap'
import * as Y from 'yjs'
import type { SuggestionsView } from '../../shared/suggestions/suggestions.js'
import { ContentFormat, DEFAULT_SUGGESTION_VIEW, type ImportFormat } from './formats.js'
import { escapeLinksForMarkdown } from './markdown-links.js'
import { sanitizeContent } from './sanitize-content.js'
import { DOCUMENT_FIELD, documentExtensions, documentSchema } from './schema.js'
import { withoutSuggestionMarks, withSuggestionsView } from './suggestions-export.js'

const extensions = documentExtensions()
const markdown = new MarkdownManager({ extensions })

/** Pending suggestions exactly as stored (marks and anchors): for restoring a version, never for an export. */
export const STORED_SUGGESTIONS = 'stored'

export interface DocToJSONOptions {
  /**
   * Pending suggestions: as if rejected (default), accepted, or shown (suggestions-export.ts);
   * STORED_SUGGESTIONS keeps them as they are.
   */
  suggestions?: SuggestionsView | typeof STORED_SUGGESTIONS
}

/**
 * The document as editor JSON, sanitised (sanitize-content.ts): whatever a crafted update or an
 * older version stored, every export and restore sees only the schema's types and attributes and
 * URLs the policy allows.
 */
export function docToJSON(doc: Y.Doc, { suggestions = DEFAULT_SUGGESTION_VIEW }: DocToJSONOptions = {}): JSONContent {
  let json = sanitizeContent(
    yXmlFragmentToProsemirrorJSON(doc.getXmlFragment(DOCUMENT_FIELD)) as JSONContent,
    documentSchema,
  )
  if (suggestions !== STORED_SUGGESTIONS) json = withSuggestionsView(json, suggestions)
  return json.content?.length ? json : { type: 'doc', content: [{ type: 'paragraph' }] }
}

export function renderDoc(doc: Y.Doc, format: ContentFormat): string {
  return renderJSON(docToJSON(doc), format)
}

/** Renders sanitised editor JSON (docToJSON's, maybe with its image URLs made absolute: image-urls.ts). */
export function renderJSON(json: JSONContent, format: ContentFormat): string {
  switch (format) {
    case ContentFormat.Json:
      return JSON.stringify(json)
    case ContentFormat.Markdown:
      return (
        markdown
          .serialize(escapeLinksForMarkdown(withoutSuggestionMarks(json)))
          .replace(/\n{3,}/g, '\n\n')
          .trim() + '\n'
      )
    case ContentFormat.Html:
      return renderToHTMLString({ extensions, content: json })
    case ContentFormat.Text:
      return (
        generateText(withoutSuggestionMarks(json), extensions, { blockSeparator: '\n' })
          .replace(/\n{3,}/g, '\n\n')
          .trim() + '\n'
      )
  }
}

/**
 * Parses imported text into editor JSON; throws with a readable message on content it cannot use.
 * Links the URL policy refuses lose their link (the text stays).
 */
export function parseContent(source: string, format: ImportFormat): JSONContent {
  const parsed = format === 'markdown' ? markdown.parse(source) : (generateJSON(source, extensions) as JSONContent)
  const json = sanitizeContent(parsed, documentSchema)
  // Validates against the schema: throws RangeError naming the offending node.
  documentSchema.nodeFromJSON(json)
  return json
}

/**
 * Makes the document's content equal to `json` inside the caller's transaction. y-tiptap diffs
 * against the current content, so unchanged paragraphs keep their identity (and their authors'
 * cursors) and only the difference becomes an update.
 */
export function replaceContent(doc: Y.Doc, json: JSONContent, origin: unknown): void {
  // Sanitised here too, so no server write (import, create, restore) can store a refused URL.
  const clean = sanitizeContent(json, documentSchema)
  doc.transact(() => {
    prosemirrorJSONToYXmlFragment(documentSchema, clean, doc.getXmlFragment(DOCUMENT_FIELD))
  }, origin)
}

/** True when the document has no content at all (never edited, or emptied). */
export function isEmptyDoc(doc: Y.Doc): boolean {
  return doc.getXmlFragment(DOCUMENT_FIELD).length === 0
}

/**
 * A validator for HTTP caching: the Yjs snapshot (state vector plus delete set) identifies the
 * document's version exactly, and is much cheaper than rendering it.
 */
export function contentETag(
  doc: Y.Doc,
  format: ContentFormat,
  suggestions: SuggestionsView = DEFAULT_SUGGESTION_VIEW,
): string {
  const version = Y.encodeSnapshot(Y.snapshot(doc))
  // The default view keeps the tag it had before views existed: clients' cached copies stay valid.
  const view = suggestions === DEFAULT_SUGGESTION_VIEW ? '' : `-${suggestions}`
  return `"${format}${view}-${createHash('sha1').update(version).digest('base64url')}"`
}
