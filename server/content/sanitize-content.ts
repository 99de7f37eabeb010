import type { JSONContent } from '@tiptap/core'
import type { NodeType, Schema } from '@tiptap/pm/model'
import { safeUrl, URL_ATTRIBUTES } from '../../shared/url-policy.js'
import { isAllowedAttributeValue } from './attribute-rules.js'

type Attrs = Record<string, unknown>
type Mark = NonNullable<JSONContent['marks']>[number]

const EMPTY_DOC: JSONContent = { type: 'doc', content: [{ type: 'paragraph' }] }

/**
 * Brings editor JSON within what the schema and the URL policy allow, whatever wrote it: an import,
 * an old version, or a crafted Yjs update that put arbitrary element names, marks and attributes
 * into the document. Every read (exports, restores) and every write of content goes through here.
 *
 * - node and mark types the schema does not know are dropped (a node with everything inside it),
 *   and so is a mark where its parent node allows none of that type (a link inside a code block:
 *   the Markdown export would write its syntax, title and all, into the code as text);
 * - attributes the type does not declare are dropped, and so is any value its rule refuses or
 *   whose JSON exceeds MAX_ATTRIBUTE_CHARS (attribute-rules.ts; the attribute's default applies);
 * - a URL attribute (URL_ATTRIBUTES) the policy refuses drops its mark (the text stays, unlinked)
 *   or its node (an image that may not load is not shown at all); an allowed one is kept trimmed.
 */
export function sanitizeContent(
  json: JSONContent,
  schema: Schema,
  { keepMarksTheParentRefuses = false }: SanitizeOptions = {},
): JSONContent {
  const doc = sanitizeNode(json, schema, null, keepMarksTheParentRefuses)
  return doc?.type === 'doc' ? doc : EMPTY_DOC
}

export interface SanitizeOptions {
  /**
   * Keeps marks where the parent node allows none of their type. Only for a version comparison
   * (server/history/version-comparison.ts), whose change marks also show changes inside code blocks.
   */
  keepMarksTheParentRefuses?: boolean
}

function sanitizeNode(
  node: JSONContent,
  schema: Schema,
  parent: NodeType | null,
  keepMarksTheParentRefuses: boolean,
): JSONContent | null {
  if (typeof node !== 'object' || node === null || typeof node.type !== 'string') return null
  const type = schema.nodes[node.type]
  if (!type) return null
  const markParent = keepMarksTheParentRefuses ? null : parent
  if (node.type === 'text') {
    if (typeof node.text !== 'string' || node.text === '') return null
    const marks = sanitizeMarks(node.marks, schema, markParent)
    return marks.length > 0 ? { type: 'text', text: node.text, marks } : { type: 'text', text: node.text }
  }
  const clean: JSONContent = { type: node.type }
  const attrs = sanitizeAttrs(node.type, node.attrs, type.spec.attrs)
  if (attrs === null) return null
  if (Object.keys(attrs).length > 0) clean.attrs = attrs
  const marks = sanitizeMarks(node.marks, schema, markParent)
  if (marks.length > 0) clean.marks = marks
  if (Array.isArray(node.content)) {
    clean.content = node.content.flatMap((child) => sanitizeNode(child, schema, type, keepMarksTheParentRefuses) ?? [])
  }
  return clean
}

/** The marks the schema knows, with their attributes bounded, and (given `parent`) only those it allows there. */
function sanitizeMarks(marks: unknown, schema: Schema, parent: NodeType | null): Mark[] {
  if (!Array.isArray(marks)) return []
  const clean: Mark[] = []
  for (const mark of marks as Mark[]) {
    if (typeof mark !== 'object' || mark === null || typeof mark.type !== 'string') continue
    const type = schema.marks[mark.type]
    if (!type || (parent && !parent.allowsMarkType(type))) continue
    const attrs = sanitizeAttrs(mark.type, mark.attrs, type.spec.attrs)
    if (attrs === null) continue
    clean.push(Object.keys(attrs).length > 0 ? { type: mark.type, attrs } : { type: mark.type })
  }
  return clean
}

/** The declared, bounded attributes; null when a URL attribute is refused (drop the owner). */
function sanitizeAttrs(typeName: string, attrs: unknown, declared: Attrs | undefined): Attrs | null {
  const urlKinds = URL_ATTRIBUTES[typeName] ?? {}
  const clean: Attrs = {}
  const given = typeof attrs === 'object' && attrs !== null ? (attrs as Attrs) : {}
  for (const [name, value] of Object.entries(given)) {
    if (!declared || !Object.hasOwn(declared, name)) continue
    if (Object.hasOwn(urlKinds, name) || isAllowedAttributeValue(typeName, name, value)) clean[name] = value
  }
  for (const [name, kind] of Object.entries(urlKinds)) {
    // An image whose upload is under way has no URL yet: everyone shows its placeholder.
    if (typeName === 'image' && name === 'src' && clean[name] == null && typeof clean.uploadId === 'string') {
      continue
    }
    const url = safeUrl(kind, clean[name])
    if (url === null) return null
    clean[name] = url
  }
  return clean
}
