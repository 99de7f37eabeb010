/*
 * Replaces the library's addMarkStep.js / removeMarkStep.js (@handlewithcare/prosemirror-suggest-changes
 * 0.1.8, MIT, see LICENSE-prosemirror-suggest-changes), which turned formatting into a deletion plus
 * an insertion of the same text: here the formatting is applied and recorded in a `formatChange`
 * mark (what it added and removed), so a card can say "Format: bold" and rejecting puts the old back.
 */
import { Mark, type Node as PMNode, type Schema } from '@tiptap/pm/model'
import type { Transaction } from '@tiptap/pm/state'
import { AddMarkStep, type RemoveMarkStep, type Step } from '@tiptap/pm/transform'
import type { FormatChangeAttrs, MarkJSON } from '../../../shared/suggestions/suggestion-marks.js'
import { isSuggestionMarkName } from '../../../shared/suggestions/suggestions.js'
import { rebasePos } from './suggest-replace-step.js'
import { SuggestionRefused, suggestionMarkTypes, type SuggestionContext } from './suggestion-context.js'

/** Rewrites an add- or remove-mark step as a format suggestion of the author, text node by text node. */
export function suggestMarkStep(
  tr: Transaction,
  step: AddMarkStep | RemoveMarkStep,
  prevSteps: readonly Step[],
  ctx: SuggestionContext,
): void {
  // "Clear formatting" removes every mark, suggestion marks included: those are not formatting.
  if (isSuggestionMarkName(step.mark.type.name)) return
  const types = suggestionMarkTypes(tr.doc.type.schema)
  const isAdding = step instanceof AddMarkStep
  const from = rebasePos(step.from, prevSteps, tr.steps)
  const to = rebasePos(step.to, prevSteps, tr.steps)
  const segments: { from: number; to: number; node: PMNode }[] = []
  tr.doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isText) return true
    segments.push({ from: Math.max(pos, from), to: Math.min(pos + node.nodeSize, to), node })
    return false
  })
  const apply = (a: number, b: number) => (isAdding ? tr.addMark(a, b, step.mark) : tr.removeMark(a, b, step.mark))
  for (const segment of segments) {
    const { node } = segment
    // The author's own suggested text is theirs to format: rejecting removes it anyway.
    if (ctx.isOwn(types.insertion.isInSet(node.marks))) {
      apply(segment.from, segment.to)
      continue
    }
    const format = types.format.isInSet(node.marks)
    if (format && !ctx.isOwn(format)) throw new SuggestionRefused("formatting text with another's format suggestion")
    const current = node.marks.filter((mark) => !isSuggestionMarkName(mark.type.name))
    const next = isAdding ? step.mark.addToSet(current) : step.mark.removeFromSet(current)
    if (Mark.sameSet(next, current)) continue
    const original = format ? originalMarks(current, format.attrs as FormatChangeAttrs, tr.doc.type.schema) : current
    const added = next.filter((mark) => !mark.isInSet(original))
    const removed = original.filter((mark) => !mark.isInSet(next))
    apply(segment.from, segment.to)
    if (format) tr.removeMark(segment.from, segment.to, format)
    if (added.length > 0 || removed.length > 0) {
      const attrs: FormatChangeAttrs = {
        ...(format ? ctx.attrs(format.attrs.id as string, format.attrs.at as number) : ctx.attrs(ctx.newId())),
        added: added.map((mark) => mark.toJSON() as MarkJSON),
        removed: removed.map((mark) => mark.toJSON() as MarkJSON),
      }
      tr.addMark(segment.from, segment.to, types.format.create(attrs))
    }
  }
}

/** The marks the text had before the author's format suggestion: its additions taken off, its removals put back. */
function originalMarks(current: readonly Mark[], attrs: FormatChangeAttrs, schema: Schema): readonly Mark[] {
  let marks: readonly Mark[] = current.filter((mark) => !(attrs.added ?? []).some((json) => sameMarkJSON(mark, json)))
  for (const json of attrs.removed ?? []) {
    try {
      marks = Mark.fromJSON(schema, json).addToSet(marks)
    } catch {
      // A mark this schema does not know cannot be restored.
    }
  }
  return marks
}

function sameMarkJSON(mark: Mark, json: MarkJSON): boolean {
  try {
    return mark.eq(Mark.fromJSON(mark.type.schema, json))
  } catch {
    return false
  }
}
