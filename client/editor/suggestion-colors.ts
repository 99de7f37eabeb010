import { Extension } from '@tiptap/core'
import { DOMSerializer, type DOMOutputSpec, type Mark } from '@tiptap/pm/model'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import type { MarkViewConstructor } from '@tiptap/pm/view'
import { SUGGESTION_MARK_NAMES } from '../../shared/suggestions/suggestion-marks.js'
import { USER_COLORS } from './user-identity.js'

/** The CSS variable each suggestion's element carries: its author's colour (tandem-editor.css draws with it). */
export const SUGGESTION_COLOR_VARIABLE = '--tandem-suggestion-color'

/**
 * One colour per author, the same in every browser and on the card: a hash of the author id picks
 * from the caret palette (readable on light and dark). Caret colours themselves are chosen per
 * browser and only known while their writer is online, so they cannot name a stored suggestion.
 */
export function authorColor(authorId: string | null | undefined): string {
  let hash = 2166136261 // FNV-1a: small, stable, spreads similar ids apart
  for (const char of authorId ?? '') {
    hash ^= char.codePointAt(0) ?? 0
    hash = Math.imul(hash, 16777619)
  }
  // Murmur3's finaliser: ids that differ in their last characters land on different colours too.
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
  hash ^= hash >>> 16
  return USER_COLORS[(hash >>> 0) % USER_COLORS.length] ?? USER_COLORS[0]
}

/** Draws a suggestion mark as its schema says (`<ins>`, `<del>`, the format span), with its author's colour. */
const colouredMarkView: MarkViewConstructor = (mark: Mark, view, inline) => {
  const toDOM = mark.type.spec.toDOM
  const spec: DOMOutputSpec = toDOM ? toDOM(mark, inline) : ['span', 0]
  // The view's own document (not the global): structural for the Node type-check, see below.
  const { ownerDocument } = view.dom as unknown as { ownerDocument: Parameters<typeof DOMSerializer.renderSpec>[0] }
  const rendered = DOMSerializer.renderSpec(ownerDocument, spec)
  const author = typeof mark.attrs.author === 'string' ? mark.attrs.author : null
  // Structural: this module is also type-checked without the DOM library (the unit tests).
  const element = rendered.dom as { style?: { setProperty(name: string, value: string): void } }
  element.style?.setProperty(SUGGESTION_COLOR_VARIABLE, authorColor(author))
  return { dom: rendered.dom, contentDOM: rendered.contentDOM ?? undefined }
}

export const suggestionColorsKey = new PluginKey('tandemSuggestionColors')

/**
 * Colours suggested insertions, deletions and format changes by author in the editor. A mark view,
 * not a decoration: the colour belongs on the `<ins>`/`<del>` itself, whose underline and
 * strike-through take their colour from the element that draws them.
 */
export const SuggestionColors = Extension.create({
  name: 'tandemSuggestionColors',
  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: suggestionColorsKey,
        props: { markViews: Object.fromEntries(SUGGESTION_MARK_NAMES.map((name) => [name, colouredMarkView])) },
      }),
    ]
  },
})
