import type { Mark, Node as PMNode } from '@tiptap/pm/model'
import { SuggestionMarkName } from '../../../shared/suggestions/suggestion-marks.js'
import { isSuggestionMarkName, onlyBoundaryBetween } from '../../../shared/suggestions/suggestions.js'

/**
 * A suggested split or join is the suggestion's text (or U+200B anchor) on both sides of a block
 * boundary, with the same id (shared/suggestions/suggestions.ts: suggestionRanges). Nothing may
 * then come between that text and the boundary, or the split or join is lost: these helpers find
 * such crossings so the transform keeps out of them.
 */

/** The start of the textblock right after textblock end `end` (only block boundaries between), or null. */
export function nextTextblockStart(doc: PMNode, end: number): number | null {
  const $end = doc.resolve(end)
  if (!$end.parent.inlineContent || $end.parentOffset !== $end.parent.content.size) return null
  let pos = end + 1
  while (pos <= doc.content.size && !doc.resolve(pos).parent.inlineContent) pos++
  return pos <= doc.content.size && onlyBoundaryBetween(doc, end, pos) ? pos : null
}

/** The end of the textblock right before textblock start `start` (only block boundaries between), or null. */
export function previousTextblockEnd(doc: PMNode, start: number): number | null {
  const $start = doc.resolve(start)
  if (!$start.parent.inlineContent || $start.parentOffset !== 0) return null
  let pos = start - 1
  while (pos >= 0 && !doc.resolve(pos).parent.inlineContent) pos--
  return pos >= 0 && onlyBoundaryBetween(doc, pos, start) ? pos : null
}

/** Insertion and deletion marks on the text ending at textblock end `end` that continue on the next textblock's first text. */
export function marksCrossingAfter(doc: PMNode, end: number): Mark[] {
  const next = nextTextblockStart(doc, end)
  if (next === null) return []
  const before = doc.resolve(end).nodeBefore
  const after = doc.resolve(next).nodeAfter
  if (!before?.isText || !after?.isText) return []
  return before.marks.filter(
    (mark) =>
      isSuggestionMarkName(mark.type.name) &&
      mark.type.name !== SuggestionMarkName.Format &&
      after.marks.some((other) => other.type === mark.type && other.attrs.id === mark.attrs.id),
  )
}

/** Insertion and deletion marks on the text starting at textblock start `start` that continue from the previous textblock. */
export function marksCrossingBefore(doc: PMNode, start: number): Mark[] {
  const previous = previousTextblockEnd(doc, start)
  return previous === null ? [] : marksCrossingAfter(doc, previous)
}

/** True when `node` carries a mark of the same type and id as one of `marks`. */
export function carriesAny(node: PMNode | null | undefined, marks: readonly Mark[]): boolean {
  return (
    !!node?.isText &&
    marks.some((mark) => node.marks.some((other) => other.type === mark.type && other.attrs.id === mark.attrs.id))
  )
}
