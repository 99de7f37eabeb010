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
  /** Where each suggestion's inserted / deleted text last ended, to see it cross a block boundary. */
  const lastEnd = new Map<string, number>()
  doc.descendants((node, pos) => {
    if (!node.isText) return true
    const raw = (node.text ?? '').split(SUGGESTION_ANCHOR).join('')
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
      const key = `${name}|${attrs.id}`
      const previous = lastEnd.get(key)
      lastEnd.set(key, pos + node.nodeSize)
      const text =
        previous !== undefined && previous !== pos && onlyBoundaryBetween(doc, previous, pos) ? `\n${raw}` : raw
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

/** Ranges of text carrying a mark of `type` that passes `filter`, in document order (one per text node). */
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

/** A node a suggestion never crosses: table structure (its cells, rows and columns are not suggested). */
function isTableStructure(node: PMNode): boolean {
  return typeof node.type.spec.tableRole === 'string'
}

/**
 * True when nothing but block boundaries lies between `a` and `b` (closing tokens, then opening
 * tokens: no character, no empty block, no table structure): a suggestion whose text sits on both
 * sides of such a gap also inserts (or deletes) the boundary itself — a split or a join.
 */
export function onlyBoundaryBetween(doc: PMNode, a: number, b: number): boolean {
  if (a === b) return true
  if (a > b) return false
  const $a = doc.resolve(a)
  const $b = doc.resolve(b)
  if (!$a.parent.isTextblock || !$b.parent.isTextblock) return false
  if ($a.parentOffset !== $a.parent.content.size || $b.parentOffset !== 0) return false
  const shared = $a.sharedDepth(b)
  for (let depth = shared + 1; depth <= $a.depth; depth++) if (isTableStructure($a.node(depth))) return false
  for (let depth = shared + 1; depth <= $b.depth; depth++) if (isTableStructure($b.node(depth))) return false
  let pure = true
  doc.nodesBetween(a, b, (node, pos) => {
    if (!pure) return false
    if (pos >= a && pos + node.nodeSize <= b) pure = false
    return pure
  })
  return pure
}

/**
 * The ranges to remove for suggestions of `type`: the marked text, where one suggestion's text
 * continues across a block boundary (its text — or U+200B anchor — on both sides), one range
 * across the boundary, so removing it joins the blocks again. Every range lies in text, so
 * deleting it never leaves an emptied block behind.
 */
export function suggestionRanges(doc: PMNode, type: MarkType | undefined, filter: SuggestionFilter): MarkedRange[] {
  const merged: MarkedRange[] = []
  for (const range of markedRanges(doc, type, filter)) {
    const last = merged.at(-1)
    if (last && last.mark.attrs.id === range.mark.attrs.id && onlyBoundaryBetween(doc, last.to, range.from)) {
      last.to = range.to
    } else merged.push({ ...range })
  }
  return merged
}

/** Positions of the U+200B anchors in text carrying a mark of `type` that passes `filter` (and, if given, `keep`). */
function anchorPositions(
  doc: PMNode,
  type: MarkType | undefined,
  filter: SuggestionFilter,
  keep: (node: PMNode) => boolean = () => true,
): number[] {
  if (!type) return []
  const positions: number[] = []
  doc.descendants((node, pos) => {
    if (!node.isText) return true
    const mark = type.isInSet(node.marks)
    if (!mark || !filter(mark.attrs as SuggestionAttrs) || !keep(node)) return false
    const text = node.text ?? ''
    for (let i = text.indexOf(SUGGESTION_ANCHOR); i >= 0; i = text.indexOf(SUGGESTION_ANCHOR, i + 1)) {
      positions.push(pos + i)
    }
    return false
  })
  return positions
}

/**
 * Deletes the ranges, read from the document after the first `since` steps of `tr` (later steps
 * may only be mark steps or these deletions), last first, mapping each through what came after.
 */
function deleteRanges(tr: Transform, ranges: readonly { from: number; to: number }[], since: number): void {
  for (const range of [...ranges].sort((a, b) => b.from - a.from || b.to - a.to)) {
    const mapping = tr.mapping.slice(since)
    const from = mapping.map(range.from, 1)
    const to = mapping.map(range.to, -1)
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

/**
 * Rejects the suggestions `filter` selects: insertions go (with the block boundaries they
 * inserted), deletions stay as plain text (their U+200B anchors go), formatting returns.
 */
export function rejectSuggestions(tr: Transform, filter: SuggestionFilter = all): Transform {
  const marks = tr.doc.type.schema.marks
  for (const { from, to, mark } of markedRanges(tr.doc, marks[SuggestionMarkName.Format], filter)) {
    const attrs = mark.attrs as FormatChangeAttrs
    for (const added of attrs.added ?? []) removeMarkJSON(tr, from, to, added)
    for (const removed of attrs.removed ?? []) restoreMark(tr, from, to, removed)
    tr.removeMark(from, to, mark)
  }
  const insertion = marks[SuggestionMarkName.Insertion]
  const deletion = marks[SuggestionMarkName.Deletion]
  // A deletion's anchors were added by the suggestion; one also inserted by someone is theirs.
  const notInserted = (node: PMNode) => !insertion?.isInSet(node.marks)
  const anchors = anchorPositions(tr.doc, deletion, filter, notInserted).map((pos) => ({ from: pos, to: pos + 1 }))
  const insertions = suggestionRanges(tr.doc, insertion, filter)
  const since = tr.steps.length
  for (const { from, to, mark } of markedRanges(tr.doc, deletion, filter)) tr.removeMark(from, to, mark)
  deleteRanges(tr, [...anchors, ...insertions], since)
  return tr
}

/**
 * Accepts the suggestions `filter` selects: insertions become plain text (their U+200B anchors
 * go), deletions go (with the block boundaries they deleted), formatting stays.
 */
export function acceptSuggestions(tr: Transform, filter: SuggestionFilter = all): Transform {
  const marks = tr.doc.type.schema.marks
  for (const { from, to, mark } of markedRanges(tr.doc, marks[SuggestionMarkName.Format], filter)) {
    tr.removeMark(from, to, mark)
  }
  const insertion = marks[SuggestionMarkName.Insertion]
  const deletion = marks[SuggestionMarkName.Deletion]
  // An anchor someone else still proposes to delete stays, as that deletion's anchor.
  const notDeletedByOthers = (node: PMNode) => {
    const deleted = deletion?.isInSet(node.marks)
    return !deleted || filter(deleted.attrs as SuggestionAttrs)
  }
  const anchors = anchorPositions(tr.doc, insertion, filter, notDeletedByOthers).map((pos) => ({
    from: pos,
    to: pos + 1,
  }))
  const deletions = suggestionRanges(tr.doc, deletion, filter)
  const since = tr.steps.length
  for (const { from, to, mark } of markedRanges(tr.doc, insertion, filter)) tr.removeMark(from, to, mark)
  deleteRanges(tr, [...anchors, ...deletions], since)
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

/** Suggestions by one author (the mark's `author` attr). */
export function byAuthor(authorId: string): SuggestionFilter {
  return (suggestion) => suggestion.author === authorId
}

/**
 * True when going from `before` to `after` changes nothing but `authorId`'s own suggestions:
 * rejecting that author's suggestions gives the same document on both sides. The server's
 * suggest-only check for the comment role; the suggesting transform checks its own output with it
 * so the editor never sends what the server would refuse.
 */
export function changesOnlyOwnSuggestions(before: PMNode, after: PMNode, authorId: string): boolean {
  const filter = byAuthor(authorId)
  return rejectSuggestions(new Transform(after), filter).doc.eq(rejectSuggestions(new Transform(before), filter).doc)
}
