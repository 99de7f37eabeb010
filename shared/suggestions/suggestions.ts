import { Mark, type Node as PMNode, type MarkType } from '@tiptap/pm/model'
import { Transform } from '@tiptap/pm/transform'
import { SuggestionMarkName, type FormatChangeAttrs, type MarkJSON, type SuggestionAttrs } from './suggestion-marks.js'

/**
 * Reading, accepting and rejecting suggestions (the marks of suggestion-marks.ts) on a ProseMirror
 * document: the same code for the editor's Accept / Reject buttons, the server's exports and the
 * server's suggest-only check (reject the author's suggestions before and after; equal → allowed).
 */

/** What one suggestion does, as its card says it: "Add: …", "Delete: …", "Replace … with …", "Format: bold". */
export const SuggestionKind = {
  Add: 'add',
  Delete: 'delete',
  Replace: 'replace',
  Format: 'format',
} as const
export type SuggestionKind = (typeof SuggestionKind)[keyof typeof SuggestionKind]

export interface Suggestion extends SuggestionAttrs {
  kind: SuggestionKind
  /** The text it adds (anchor characters removed). */
  inserted: string
  /** The text it removes. */
  deleted: string
  /** For a format suggestion: the marks it adds and removes. */
  added: MarkJSON[]
  removed: MarkJSON[]
  /** Where it starts and ends in the document (its first and last marked character). */
  from: number
  to: number
}

/** How an export shows pending suggestions: as if rejected (the default), as if accepted, or marked. */
export const SuggestionsView = { Reject: 'reject', Accept: 'accept', Show: 'show' } as const
export type SuggestionsView = (typeof SuggestionsView)[keyof typeof SuggestionsView]

/**
 * Zero-width space: the suggesting transform marks a suggested block split or join with one so the
 * mark has a character to sit on. Never part of the text a person sees: exports, cards and
 * word counts drop it.
 */
export const SUGGESTION_ANCHOR = '\u200B'

/** Which suggestions an operation applies to (all when absent). */
export type SuggestionFilter = (suggestion: SuggestionAttrs) => boolean

const all: SuggestionFilter = () => true

/** Every suggestion in the document, in document order (by where each starts). */
export function listSuggestions(doc: PMNode): Suggestion[] {
  const byId = new Map<string, Suggestion>()
  doc.descendants((node, pos) => {
    if (!node.isText) return true
    const text = (node.text ?? '').split(SUGGESTION_ANCHOR).join('')
    for (const mark of node.marks) {
      const name = mark.type.name
      if (!isSuggestionMarkName(name)) continue
      const attrs = mark.attrs as SuggestionAttrs
      if (typeof attrs.id !== 'string') continue
      let suggestion = byId.get(attrs.id)
      if (!suggestion) {
        suggestion = {
          id: attrs.id,
          author: attrs.author,
          authorName: attrs.authorName,
          at: attrs.at,
          kind: SuggestionKind.Add,
          inserted: '',
          deleted: '',
          added: [],
          removed: [],
          from: pos,
          to: pos + node.nodeSize,
        }
        byId.set(attrs.id, suggestion)
      }
      suggestion.to = Math.max(suggestion.to, pos + node.nodeSize)
      if (name === SuggestionMarkName.Insertion) suggestion.inserted += text
      else if (name === SuggestionMarkName.Deletion) suggestion.deleted += text
      else {
        const format = mark.attrs as FormatChangeAttrs
        suggestion.added = format.added ?? []
        suggestion.removed = format.removed ?? []
      }
    }
    return false
  })
  for (const suggestion of byId.values()) suggestion.kind = kindOf(suggestion)
  return [...byId.values()].sort((a, b) => a.from - b.from)
}

function kindOf(suggestion: Suggestion): SuggestionKind {
  if (suggestion.added.length > 0 || suggestion.removed.length > 0) return SuggestionKind.Format
  if (suggestion.inserted && suggestion.deleted) return SuggestionKind.Replace
  return suggestion.deleted ? SuggestionKind.Delete : SuggestionKind.Add
}

export function isSuggestionMarkName(name: string): name is SuggestionMarkName {
  return (
    name === SuggestionMarkName.Insertion || name === SuggestionMarkName.Deletion || name === SuggestionMarkName.Format
  )
}

interface MarkedRange {
  from: number
  to: number
  mark: Mark
}

/** Ranges of text carrying a mark of `type` that passes `filter`, in document order. */
function markedRanges(doc: PMNode, type: MarkType | undefined, filter: SuggestionFilter): MarkedRange[] {
  if (!type) return []
  const ranges: MarkedRange[] = []
  doc.descendants((node, pos) => {
    if (!node.isText) return true
    const mark = type.isInSet(node.marks)
    if (mark && filter(mark.attrs as SuggestionAttrs)) ranges.push({ from: pos, to: pos + node.nodeSize, mark })
    return false
  })
  return ranges
}

/** Deletes the ranges, last first, so earlier positions stay valid. */
function deleteRanges(tr: Transform, ranges: MarkedRange[]): void {
  for (const range of [...ranges].reverse()) {
    const from = tr.mapping.map(range.from)
    const to = tr.mapping.map(range.to)
    if (to > from) tr.delete(from, to)
  }
}

function restoreMark(tr: Transform, from: number, to: number, json: MarkJSON): void {
  try {
    tr.addMark(from, to, Mark.fromJSON(tr.doc.type.schema, json))
  } catch {
    // A mark type this schema does not know: nothing to put back.
  }
}

function removeMarkJSON(tr: Transform, from: number, to: number, json: MarkJSON): void {
  const type = tr.doc.type.schema.marks[json.type]
  if (type) tr.removeMark(from, to, type)
}

/** Rejects the suggestions `filter` selects: insertions go, deletions stay as plain text, formatting returns. */
export function rejectSuggestions(tr: Transform, filter: SuggestionFilter = all): Transform {
  const marks = tr.doc.type.schema.marks
  for (const { from, to, mark } of markedRanges(tr.doc, marks[SuggestionMarkName.Format], filter)) {
    const attrs = mark.attrs as FormatChangeAttrs
    for (const added of attrs.added ?? []) removeMarkJSON(tr, from, to, added)
    for (const removed of attrs.removed ?? []) restoreMark(tr, from, to, removed)
    tr.removeMark(from, to, mark)
  }
  for (const { from, to, mark } of markedRanges(tr.doc, marks[SuggestionMarkName.Deletion], filter)) {
    tr.removeMark(from, to, mark)
  }
  deleteRanges(tr, markedRanges(tr.doc, marks[SuggestionMarkName.Insertion], filter))
  return tr
}

/** Accepts the suggestions `filter` selects: insertions become plain text, deletions go, formatting stays. */
export function acceptSuggestions(tr: Transform, filter: SuggestionFilter = all): Transform {
  const marks = tr.doc.type.schema.marks
  for (const { from, to, mark } of markedRanges(tr.doc, marks[SuggestionMarkName.Format], filter)) {
    tr.removeMark(from, to, mark)
  }
  for (const { from, to, mark } of markedRanges(tr.doc, marks[SuggestionMarkName.Insertion], filter)) {
    tr.removeMark(from, to, mark)
  }
  deleteRanges(tr, markedRanges(tr.doc, marks[SuggestionMarkName.Deletion], filter))
  return tr
}

/** The document as if every pending suggestion were rejected or accepted (exports, the server's check). */
export function resolveSuggestions(
  doc: PMNode,
  view: typeof SuggestionsView.Reject | typeof SuggestionsView.Accept,
): PMNode {
  const tr = new Transform(doc)
  return (view === SuggestionsView.Accept ? acceptSuggestions(tr) : rejectSuggestions(tr)).doc
}

/** True when the document holds any suggestion mark. */
export function hasSuggestions(doc: PMNode): boolean {
  let found = false
  doc.descendants((node) => {
    if (found) return false
    if (node.isText && node.marks.some((mark) => isSuggestionMarkName(mark.type.name))) found = true
    return !found
  })
  return found
}
