import { Mark } from '@tiptap/core'

/**
 * Suggestions (issue 17, docs/design/suggestions.md) are marks on the text they propose to change,
 * the same on the editor and the server (the schema-parity test keeps them equal), so storage,
 * history, restore and exports keep them like any mark.
 *
 * - `insertion`: text the author proposes to add (`<ins>`; the text is in the document).
 * - `deletion`: text the author proposes to remove (`<del>`; the text stays until accepted).
 *   Insertion and deletion may overlap: text inserted by B and deleted by A is both.
 * - `formatChange`: marks the author proposes to add or remove on the text (`added`, `removed`:
 *   mark JSON); the proposed formatting is applied, rejecting puts the old back.
 *
 * Every suggestion mark carries `id` (one suggestion: consecutive keystrokes of one author share
 * it), `author` (the author's id: the token's `sub` when it names a person, else the browser's
 * own id, as for comments), `authorName` and `at` (ms since the epoch).
 */
export const SuggestionMarkName = {
  Insertion: 'insertion',
  Deletion: 'deletion',
  Format: 'formatChange',
} as const
export type SuggestionMarkName = (typeof SuggestionMarkName)[keyof typeof SuggestionMarkName]

export const SUGGESTION_MARK_NAMES: readonly string[] = Object.values(SuggestionMarkName)

/** A suggestion id: `<author>:<random>` or any 1–120 characters of this set. */
export const SUGGESTION_ID_PATTERN = /^[\w:.-]{1,120}$/
/** An author id, as comments accept (client/comments/comment-author.ts) plus the `sub` claim's usual characters. */
export const SUGGESTION_AUTHOR_PATTERN = /^[\w:.@|-]{1,100}$/
/** Longest author name a suggestion mark keeps. */
export const MAX_SUGGESTION_AUTHOR_NAME_CHARS = 100

/** A mark as JSON, as `formatChange` records what it adds and removes. */
export interface MarkJSON {
  type: string
  attrs?: Record<string, unknown>
}

export interface SuggestionAttrs {
  id: string
  author: string
  authorName: string
  at: number
}

export interface FormatChangeAttrs extends SuggestionAttrs {
  added: MarkJSON[]
  removed: MarkJSON[]
}

/** What parsing reads of an element (shared code is built without the DOM types). */
interface Attributed {
  getAttribute(name: string): string | null
}

function dataAttribute(name: string, attribute: string) {
  return {
    default: null,
    parseHTML: (element: Attributed) => element.getAttribute(attribute),
    renderHTML: (attributes: Record<string, unknown>) =>
      attributes[name] === null || attributes[name] === undefined ? {} : { [attribute]: String(attributes[name]) },
  }
}

function commonAttributes() {
  return {
    id: dataAttribute('id', 'data-suggestion-id'),
    author: dataAttribute('author', 'data-author'),
    authorName: dataAttribute('authorName', 'data-author-name'),
    at: {
      default: null,
      parseHTML: (element: Attributed) => {
        const at = Number(element.getAttribute('data-at'))
        return Number.isSafeInteger(at) && at > 0 ? at : null
      },
      renderHTML: (attributes: Record<string, unknown>) =>
        typeof attributes.at === 'number' ? { 'data-at': String(attributes.at) } : {},
    },
  }
}

function markList(attribute: string) {
  return {
    default: [],
    parseHTML: (element: Attributed) => {
      try {
        const value: unknown = JSON.parse(element.getAttribute(attribute) ?? '[]')
        return Array.isArray(value) ? value : []
      } catch {
        return []
      }
    },
    renderHTML: () => ({}),
  }
}

/** Text proposed for addition: `<ins data-suggestion="insertion">`. */
export const InsertionMark = Mark.create({
  name: SuggestionMarkName.Insertion,
  // Typing next to a suggestion does not join it by itself: the suggesting transform decides
  // (the same author's adjacent suggestion, or a new one).
  inclusive: false,
  excludes: SuggestionMarkName.Insertion,
  addAttributes: commonAttributes,
  parseHTML: () => [{ tag: 'ins[data-suggestion-id]' }],
  renderHTML: ({ HTMLAttributes }) => ['ins', { ...HTMLAttributes, 'data-suggestion': 'insertion' }, 0],
})

/** Text proposed for removal: `<del data-suggestion="deletion">`. */
export const DeletionMark = Mark.create({
  name: SuggestionMarkName.Deletion,
  inclusive: false,
  excludes: SuggestionMarkName.Deletion,
  addAttributes: commonAttributes,
  // Above Strike's rule for every `<del>` (priority 50), or a suggested deletion would parse as strikethrough.
  parseHTML: () => [{ tag: 'del[data-suggestion-id]', priority: 60 }],
  renderHTML: ({ HTMLAttributes }) => ['del', { ...HTMLAttributes, 'data-suggestion': 'deletion' }, 0],
})

/** Formatting proposed for the text: `<span data-suggestion="format">`, with what it adds and removes. */
export const FormatChangeMark = Mark.create({
  name: SuggestionMarkName.Format,
  inclusive: false,
  excludes: SuggestionMarkName.Format,
  addAttributes: () => ({
    ...commonAttributes(),
    added: markList('data-added'),
    removed: markList('data-removed'),
  }),
  parseHTML: () => [{ tag: 'span[data-suggestion="format"]' }],
  renderHTML: ({ HTMLAttributes, mark }) => [
    'span',
    {
      ...HTMLAttributes,
      'data-suggestion': 'format',
      'data-added': JSON.stringify(mark.attrs.added ?? []),
      'data-removed': JSON.stringify(mark.attrs.removed ?? []),
    },
    0,
  ],
})

/** The three suggestion marks, for both schemas. */
export const suggestionMarks = () => [InsertionMark, DeletionMark, FormatChangeMark]
