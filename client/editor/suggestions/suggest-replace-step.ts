/*
 * Adapted from @handlewithcare/prosemirror-suggest-changes 0.1.8 (replaceStep.js,
 * findSuggestionMarkEnd.js, rebasePos.js), MIT License, Copyright (c) 2025 Handle with Care
 * Collective: see LICENSE-prosemirror-suggest-changes in this folder.
 *
 * Changed for Tandem (docs/design/suggestions.md): marks carry the author; an adjacent suggestion's
 * id is reused only when it is the same author's, and no one else's mark is ever relabelled;
 * deleting inside someone else's insertion adds a deletion mark (both marks on the text) instead
 * of removing their text; whole blocks are marked through their text and U+200B anchors, never
 * node marks (the Yjs binding does not store them); deleting across one's own suggested split
 * joins the blocks again; table structure, inline atoms and leaf blocks are refused.
 */
import { Fragment, Slice, type Mark, type Node as PMNode } from '@tiptap/pm/model'
import type { Transaction } from '@tiptap/pm/state'
import { ReplaceStep, type Step } from '@tiptap/pm/transform'
import { SuggestionMarkName, type SuggestionAttrs } from '../../../shared/suggestions/suggestion-marks.js'
import { SUGGESTION_ANCHOR, isSuggestionMarkName, suggestionRanges } from '../../../shared/suggestions/suggestions.js'
import {
  SuggestionRefused,
  isTableStructure,
  suggestionMarkTypes,
  type SuggestionContext,
  type SuggestionMarkTypes,
} from './suggestion-context.js'
import {
  carriesAny,
  marksCrossingAfter,
  marksCrossingBefore,
  nextTextblockStart,
  previousTextblockEnd,
} from './suggestion-boundaries.js'

/**
 * Rebases a position of the original transaction (before its step `back.length`) onto the
 * suggesting transaction built so far: back through the original steps, forth through the new ones.
 */
export function rebasePos(pos: number, back: readonly Step[], forth: readonly Step[]): number {
  const reset = [...back].reverse().reduce((at, step) => step.getMap().invert().map(at), pos)
  return forth.reduce((at, step) => step.getMap().map(at), reset)
}

/**
 * Rewrites one replace step as a suggestion in `tr`: the replaced range stays, marked deleted by
 * the author (the author's own suggested insertions in it really go); the new content is inserted
 * after it, marked inserted. Returns where the caret belongs afterwards, in `tr.doc`.
 */
export function suggestReplaceStep(
  tr: Transaction,
  step: ReplaceStep,
  prevSteps: readonly Step[],
  ctx: SuggestionContext,
  isForwardDelete: boolean,
): number {
  const types = suggestionMarkTypes(tr.doc.type.schema)
  let from = rebasePos(step.from, prevSteps, tr.steps)
  let to = rebasePos(step.to, prevSteps, tr.steps)
  const slice = suggestedSlice(step.slice)
  const attrs = ownAdjacentAttrs(tr.doc, from, to, types, ctx) ?? ctx.attrs(ctx.newId())
  let cursor = from
  let deletedWholeBlocks = false
  if (from < to) {
    deletedWholeBlocks = !tr.doc.resolve(from).parent.inlineContent && !tr.doc.resolve(to).parent.inlineContent
    ;[from, to] = markDeleted(tr, from, to, attrs, types)
    cursor = isForwardDelete ? to : from
  }
  if (slice.size > 0) {
    const end = insertSuggested(tr, to, slice, attrs, types, deletedWholeBlocks)
    if (end !== null) cursor = end
  }
  return cursor
}

/**
 * The attrs of the author's own suggestion right before `from` or right after `to`, if any:
 * typing on extends it (same id and time, so the marks are equal and the text stays one node).
 */
function ownAdjacentAttrs(
  doc: PMNode,
  from: number,
  to: number,
  types: SuggestionMarkTypes,
  ctx: SuggestionContext,
): SuggestionAttrs | null {
  for (const node of [doc.resolve(from).nodeBefore, doc.resolve(to).nodeAfter]) {
    const mark = node?.marks.find(
      (candidate) => (candidate.type === types.insertion || candidate.type === types.deletion) && ctx.isOwn(candidate),
    )
    if (mark) return ctx.attrs(mark.attrs.id as string, mark.attrs.at as number)
  }
  return null
}

/**
 * The content to insert, without suggestion marks (pasted or copied suggestions would otherwise
 * forge someone's mark) and without U+200B (reserved for anchors). Refuses content whose
 * suggestion could not be marked: inline atoms (hard breaks, images), leaf blocks, table structure.
 */
function suggestedSlice(slice: Slice): Slice {
  const clean = (fragment: Fragment): Fragment => {
    const nodes: PMNode[] = []
    fragment.forEach((node) => {
      if (node.isText) {
        const text = (node.text ?? '').split(SUGGESTION_ANCHOR).join('')
        const marks = node.marks.filter((mark) => !isSuggestionMarkName(mark.type.name))
        if (text) nodes.push(node.type.schema.text(text, marks))
      } else if (node.isInline || node.isLeaf || isTableStructure(node)) {
        throw new SuggestionRefused(`inserting ${node.type.name}`)
      } else nodes.push(node.copy(clean(node.content)))
    })
    return Fragment.fromArray(nodes)
  }
  return new Slice(clean(slice.content), slice.openStart, slice.openEnd)
}

/**
 * Marks `from`–`to` deleted by the author and returns the range as it now stands (anchors
 * included). Whole blocks are widened to the end of the textblock before them, so accepting
 * joins as the plain deletion did.
 */
function markDeleted(
  tr: Transaction,
  from: number,
  to: number,
  attrs: SuggestionAttrs,
  types: SuggestionMarkTypes,
): [number, number] {
  ;[from, to] = widenWholeBlocks(tr.doc, from, to)
  assertMarkable(tr.doc, from, to)
  // The author's own suggested insertions go for real, with the block boundaries they inserted
  // (one range across a suggested split), as undoing one's own typing would.
  const start = tr.steps.length
  const isOwnInsertion = (node: PMNode) => types.insertion.isInSet(node.marks)?.attrs.author === attrs.author
  const own = suggestionRanges(tr.doc, types.insertion, (other) => other.author === attrs.author)
    .map((range) => keepCutAnchors(tr.doc, range, from, to))
    .filter((range) => range.to > range.from)
  for (const range of own.reverse()) tr.delete(range.from, range.to)
  const map = tr.mapping.slice(start)
  from = map.map(from, -1)
  to = Math.max(from, map.map(to, 1))
  if (from === to) return [from, to]

  const deletion = types.deletion.create(attrs)
  const targets: [number, number][] = []
  tr.doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isText) return true
    // Text someone already proposes to delete keeps their mark (never relabel another's
    // suggestion); the author's own inserted anchors left above stay as they are.
    if (!types.deletion.isInSet(node.marks) && !isOwnInsertion(node))
      targets.push([Math.max(pos, from), Math.min(pos + node.nodeSize, to)])
    return false
  })
  for (const [a, b] of targets) tr.addMark(a, b, deletion)
  return [from, addBoundaryAnchors(tr, from, to, types.deletion.create(attrs))]
}

/**
 * `range` (an own suggestion, maybe across block boundaries) clipped to `from`–`to`; where the
 * clip cuts it next to a boundary the suggestion crosses but the deletion does not, the U+200B
 * anchor there stays: it keeps that suggested split whole.
 */
function keepCutAnchors(
  doc: PMNode,
  range: { from: number; to: number },
  from: number,
  to: number,
): { from: number; to: number } {
  let start = Math.max(range.from, from)
  let end = Math.min(range.to, to)
  if (start >= end) return { from: start, to: end }
  const isAnchorAt = (pos: number) => doc.textBetween(pos, pos + 1) === SUGGESTION_ANCHOR
  if (range.from < start && doc.resolve(start).parentOffset === 0 && isAnchorAt(start)) start += 1
  const $end = doc.resolve(end)
  if (range.to > end && $end.parentOffset === $end.parent.content.size && isAnchorAt(end - 1)) end -= 1
  return { from: start, to: end }
}

/**
 * A range from one block position to another (whole blocks) starts instead at the end of the
 * textblock before it, when there is one: accepting then joins into that block, which is what
 * the plain deletion leaves.
 */
function widenWholeBlocks(doc: PMNode, from: number, to: number): [number, number] {
  if (doc.resolve(from).parent.inlineContent || doc.resolve(to).parent.inlineContent) return [from, to]
  const end = textblockEndBefore(doc, from)
  return end === null ? [from, to] : [end, to]
}

/** The end of the textblock that ends right before block position `pos` (only closing tokens between), or null. */
function textblockEndBefore(doc: PMNode, pos: number): number | null {
  let at = pos
  for (;;) {
    const $at = doc.resolve(at)
    if ($at.parent.inlineContent) return at
    const before = $at.nodeBefore
    if (!before || before.isLeaf || isTableStructure(before)) return null
    at -= 1
  }
}

/** Refuses a range whose suggestion could not be marked or accepted: table structure, inline atoms, leaf blocks. */
function assertMarkable(doc: PMNode, from: number, to: number): void {
  const $from = doc.resolve(from)
  const $to = doc.resolve(to)
  const shared = $from.sharedDepth(to)
  for (const $pos of [$from, $to]) {
    for (let depth = shared + 1; depth <= $pos.depth; depth++) {
      if (isTableStructure($pos.node(depth))) throw new SuggestionRefused('a range across table cells')
    }
  }
  doc.nodesBetween(from, to, (node, pos) => {
    if (node.isText) return false
    if (pos < from || pos + node.nodeSize > to) return true
    if (node.isLeaf || node.isInline || isTableStructure(node)) {
      throw new SuggestionRefused(`removing ${node.type.name}`)
    }
    return true
  })
}

/**
 * Makes every block boundary inside `from`–`to` part of the suggestion: a textblock that ends (or
 * starts) inside the range gets, as its last (first) character, text of suggestion `id`; where it
 * has none, a U+200B anchor carrying the mark. Accept and reject then read one range across the
 * boundary (shared/suggestions/suggestions.ts: suggestionRanges). Returns the range's new end.
 */
function addBoundaryAnchors(tr: Transaction, from: number, to: number, mark: Mark): number {
  const isOfSuggestion = (node: PMNode | null) =>
    !!node?.isText && mark.type.isInSet(node.marks)?.attrs.id === mark.attrs.id
  const isDeletion = mark.type.name === SuggestionMarkName.Deletion
  const anchors = new Set<number>()
  const marked: [number, number][] = []
  /**
   * A deletion over a boundary someone already crosses: proposed deleted already (their join)
   * needs nothing; their suggested split gets this deletion on its own characters, which keeps
   * both suggestions whole (an anchor of ours would come between theirs and the boundary).
   */
  const side = (crossing: Mark[], char: [number, number], edge: number, node: PMNode | null) => {
    if (isOfSuggestion(node)) return
    if (isDeletion && crossing.some((other) => other.type.name === SuggestionMarkName.Deletion)) return
    if (isDeletion && crossing.length > 0) {
      // Their text (not an anchor) at the boundary: marking it would also delete that text, and
      // an anchor of ours would cut their split from its boundary.
      if (tr.doc.textBetween(char[0], char[1]) !== SUGGESTION_ANCHOR) {
        throw new SuggestionRefused("joining across another author's suggested split")
      }
      marked.push(char)
      return
    }
    anchors.add(edge)
  }
  tr.doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isTextblock) return true
    const start = pos + 1
    const end = pos + node.nodeSize - 1
    if (end >= from && end < to) side(marksCrossingAfter(tr.doc, end), [end - 1, end], end, node.lastChild)
    if (start > from && start <= to)
      side(marksCrossingBefore(tr.doc, start), [start, start + 1], start, node.firstChild)
    return false
  })
  for (const [a, b] of marked) tr.addMark(a, b, mark)
  const anchor = tr.doc.type.schema.text(SUGGESTION_ANCHOR, [mark])
  for (const pos of [...anchors].sort((a, b) => b - a)) tr.insert(pos, anchor)
  return to + anchors.size
}

/**
 * Where inserted content goes: after any suggested deletion it lands in or before (the library's
 * rule: new text follows the text it replaces), and never between a suggested split or join and
 * its block boundary (before such text at a block's end, after it at a block's start), except
 * the author's own insertion it extends.
 */
function insertionPoint(
  doc: PMNode,
  pos: number,
  attrs: SuggestionAttrs,
  types: SuggestionMarkTypes,
): { at: number; isPastJoin: boolean } {
  let at = pos
  let isPastJoin = false
  for (;;) {
    const $at = doc.resolve(at)
    const after = $at.nodeAfter
    if (after?.isText && types.deletion.isInSet(after.marks)) {
      at += after.nodeSize
      continue
    }
    // At the end of a block whose deleted text goes on into the next one (a suggested join):
    // the deletion ends there, so the new text goes after it (the library's findSuggestionMarkEnd).
    const isJoined =
      $at.parent.inlineContent &&
      $at.parentOffset === $at.parent.content.size &&
      marksCrossingAfter(doc, at).some((mark) => mark.type === types.deletion)
    const next = isJoined ? nextTextblockStart(doc, at) : null
    if (next === null) break
    at = next
    isPastJoin = true
  }
  if (!doc.resolve(at).parent.inlineContent) return { at, isPastJoin }
  const isExtended = (mark: Mark) => mark.type === types.insertion && mark.attrs.id === attrs.id
  const $at = doc.resolve(at)
  if ($at.parentOffset === $at.parent.content.size) {
    const crossing = marksCrossingAfter(doc, at).filter((mark) => !isExtended(mark))
    for (let before = doc.resolve(at).nodeBefore; carriesAny(before, crossing); before = doc.resolve(at).nodeBefore) {
      assertInvisibleOnAccept(before, types)
      at -= before?.nodeSize ?? 0
    }
  }
  if (doc.resolve(at).parentOffset === 0) {
    const crossing = marksCrossingBefore(doc, at).filter((mark) => !isExtended(mark))
    for (let after = doc.resolve(at).nodeAfter; carriesAny(after, crossing); after = doc.resolve(at).nodeAfter) {
      assertInvisibleOnAccept(after, types)
      at += after?.nodeSize ?? 0
    }
  }
  // A block whose text all crosses both boundaries (a split's anchor that someone's join also
  // marks deleted) has no place left: before that text the new text cuts the join, after it the split.
  const $end = doc.resolve(at)
  if ($end.parentOffset === $end.parent.content.size) {
    const crossing = marksCrossingAfter(doc, at).filter((mark) => !isExtended(mark))
    if (carriesAny($end.nodeBefore, crossing)) {
      throw new SuggestionRefused('typing between a suggested split and a suggested join')
    }
  }
  return { at, isPastJoin }
}

/**
 * Refuses to move new text past `node` unless accepting leaves nothing of it (U+200B anchors, or
 * text someone proposes to delete): moving past visible text would put the new text on the
 * other side of it once accepted, which is not the edit that was made.
 */
function assertInvisibleOnAccept(node: PMNode | null | undefined, types: SuggestionMarkTypes): void {
  if (!node?.isText || types.deletion.isInSet(node.marks)) return
  if ((node.text ?? '').split(SUGGESTION_ANCHOR).join('') === '') return
  throw new SuggestionRefused("typing between another author's suggested split and its text")
}

/**
 * Inserts `slice` at `pos` (after any suggested deletion there, as the library does) marked as
 * the author's insertion, with anchors on the block boundaries it creates. Returns the end of the
 * inserted content, or null when nothing was inserted.
 */
function insertSuggested(
  tr: Transaction,
  pos: number,
  slice: Slice,
  attrs: SuggestionAttrs,
  types: SuggestionMarkTypes,
  deletedWholeBlocks: boolean,
): number | null {
  const { at, isPastJoin } = insertionPoint(tr.doc, pos, attrs, types)
  // Blocks inserted into a block that a suggested join moves into another parent (out of a
  // list item, say) would stay behind when the join is accepted: the plain edit puts them there.
  const isBlockLevel = slice.openStart > 0 || slice.openEnd > 0 || !!slice.content.firstChild?.isBlock
  if (
    isBlockLevel &&
    (isPastJoin || tr.doc.resolve(at).parent.inlineContent) &&
    isJoinedAcrossParents(tr.doc, at, types)
  ) {
    throw new SuggestionRefused('splitting a block that a suggested join moves')
  }
  let previousEnd: number | null = null
  if (!tr.doc.resolve(at).parent.inlineContent) {
    // The plain step refilled what it emptied (an emptied table cell gets an empty paragraph):
    // the suggested deletion leaves the content in place, so there is nothing to refill.
    if (deletedWholeBlocks && isLoneEmptyTextblock(slice)) return null
    // Whole blocks are a suggested split of the textblock before them: an anchor at its end.
    previousEnd = textblockEndBefore(tr.doc, at)
    if (previousEnd === null) throw new SuggestionRefused('inserting blocks with no textblock before them')
  }
  const start = tr.steps.length
  tr.replace(at, at, slice)
  const step = tr.steps[start]
  if (!(step instanceof ReplaceStep)) return null
  const from = step.from
  const to = step.from + step.slice.size
  const insertion = types.insertion.create(attrs)
  tr.addMark(from, to, insertion)
  let end = addBoundaryAnchors(tr, from, to, insertion)
  if (previousEnd !== null) {
    const mapped = tr.mapping.slice(start).map(previousEnd, -1)
    const last = tr.doc.resolve(mapped).nodeBefore
    if (!(last?.isText && types.insertion.isInSet(last.marks)?.attrs.id === attrs.id)) {
      tr.insert(mapped, tr.doc.type.schema.text(SUGGESTION_ANCHOR, [insertion]))
      end += 1
    }
  }
  return end
}

/**
 * True when the textblock around `pos` is joined, by suggested deletions (a chain of them,
 * block after block), to a textblock with another parent.
 */
function isJoinedAcrossParents(doc: PMNode, pos: number, types: SuggestionMarkTypes): boolean {
  let $pos = doc.resolve(pos)
  if (!$pos.parent.inlineContent) return false
  for (;;) {
    const start = $pos.start()
    if (!marksCrossingBefore(doc, start).some((mark) => mark.type === types.deletion)) return false
    const previous = previousTextblockEnd(doc, start)
    if (previous === null) return false
    const $previous = doc.resolve(previous)
    const container = $pos.depth - 1
    const isSibling =
      $previous.depth === $pos.depth && (container === 0 || $previous.before(container) === $pos.before(container))
    if (!isSibling) return true
    $pos = $previous
  }
}

function isLoneEmptyTextblock(slice: Slice): boolean {
  const only = slice.content.childCount === 1 ? slice.content.firstChild : null
  return slice.openStart === 0 && slice.openEnd === 0 && !!only?.isTextblock && only.content.size === 0
}
