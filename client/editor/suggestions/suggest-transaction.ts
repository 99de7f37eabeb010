/*
 * Adapted from @handlewithcare/prosemirror-suggest-changes 0.1.8 (withSuggestChanges.js), MIT
 * License, Copyright (c) 2025 Handle with Care Collective: see LICENSE-prosemirror-suggest-changes.
 * Changed for Tandem: steps the transform cannot express refuse the whole transaction (null)
 * instead of throwing or applying plainly; the output is checked with the server's own rule.
 */
import type { EditorState, Transaction } from '@tiptap/pm/state'
import { TextSelection } from '@tiptap/pm/state'
import { Slice, type Node as PMNode } from '@tiptap/pm/model'
import { AddMarkStep, RemoveMarkStep, ReplaceAroundStep, ReplaceStep } from '@tiptap/pm/transform'
import { changesOnlyOwnSuggestions } from '../../../shared/suggestions/suggestions.js'
import { suggestMarkStep } from './suggest-mark-step.js'
import { suggestReplaceStep } from './suggest-replace-step.js'
import { SuggestionContext, SuggestionRefused, newSuggestionId, type SuggestionAuthor } from './suggestion-context.js'

export interface SuggestOptions {
  author: SuggestionAuthor
  /** Time of the suggestion (ms since the epoch); Date.now() when absent. */
  at?: number
  /** Makes a new suggestion id; `<authorId>:<random>` when absent. */
  newId?: (authorId: string) => string
  /** Told why an edit was refused (for a notice, or a test). */
  onRefused?: (reason: string) => void
}

/**
 * The suggesting version of `original` (a transaction made on `state`): what it deletes is marked
 * deleted, what it inserts is marked inserted, formatting is a format suggestion, all by
 * `options.author`. Null when the edit cannot be expressed as suggestions (table structure, block
 * type changes, lists wrapped or lifted, atoms): the caller drops it. Never throws.
 */
export function suggestTransaction(
  original: Transaction,
  state: EditorState,
  options: SuggestOptions,
): Transaction | null {
  const ctx = new SuggestionContext(options.author, options.at ?? Date.now(), options.newId ?? newSuggestionId)
  try {
    const tracked = state.tr
    let cursor: { pos: number; steps: number } | null = null
    let touchesCaret = false
    const caret = state.selection.empty ? state.selection.head : null
    original.steps.forEach((step, index) => {
      const prevSteps = original.steps.slice(0, index)
      if (step instanceof ReplaceStep) {
        const isForwardDelete =
          index === 0 && state.selection.empty && state.selection.head === step.from && step.to > step.from
        const pos = suggestReplaceStep(tracked, step, prevSteps, ctx, isForwardDelete)
        cursor = { pos, steps: tracked.steps.length }
        if (index === 0 && caret !== null && step.from <= caret && caret <= step.to) touchesCaret = true
      } else if (step instanceof ReplaceAroundStep) {
        // A deletion across blocks of different depths (out of a list into a paragraph) comes
        // from ProseMirror's fitting as a replace-around step that moves the rest of a block:
        // as a suggestion it is the deletion of the text it removes. Any other (wrap, lift,
        // block type) is a structure change suggestions cannot express.
        const removed = removedRangeOf(step, original.docs[index] ?? state.doc)
        if (!removed) throw new SuggestionRefused('a structure change (wrap, lift, block type)')
        const pos = suggestReplaceStep(tracked, removed, prevSteps, ctx, false)
        cursor = { pos, steps: tracked.steps.length }
      } else if (step instanceof AddMarkStep || step instanceof RemoveMarkStep) {
        suggestMarkStep(tracked, step, prevSteps, ctx)
      } else {
        throw new SuggestionRefused(step.constructor.name)
      }
    })
    carrySelection(original, tracked, touchesCaret || original.selectionSet ? cursor : null)
    if (original.storedMarksSet) tracked.setStoredMarks(original.storedMarks)
    if (original.scrolledIntoView) tracked.scrollIntoView()
    copyMeta(original, tracked)
    // Exactly the server's suggest-only rule: what it would refuse is never sent.
    if (!changesOnlyOwnSuggestions(state.doc, tracked.doc, options.author.id)) {
      options.onRefused?.('the rewrite would change more than your own suggestions')
      return null
    }
    return tracked
  } catch (error) {
    if (!(error instanceof SuggestionRefused)) console.warn('suggesting: edit refused after an error', error)
    options.onRefused?.(error instanceof Error ? error.message : String(error))
    return null
  }
}

/**
 * The deletion a replace-around step amounts to, when it is one: its slice only closes or opens
 * blocks, and only one side of the kept gap holds content to remove.
 */
function removedRangeOf(step: ReplaceAroundStep, doc: PMNode): ReplaceStep | null {
  let sliceHasInline = false
  step.slice.content.descendants((node) => {
    sliceHasInline ||= node.isInline
    return !sliceHasInline
  })
  if (sliceHasInline) return null
  const hasInline = (from: number, to: number) => {
    let found = false
    doc.nodesBetween(from, to, (node) => {
      found ||= node.isInline
      return !found
    })
    return found
  }
  const before = hasInline(step.from, step.gapFrom)
  const after = hasInline(step.gapTo, step.to)
  if (before === after) return null
  return before
    ? new ReplaceStep(step.from, step.gapFrom, Slice.empty)
    : new ReplaceStep(step.gapTo, step.to, Slice.empty)
}

/**
 * The caret goes where the rewritten edit leaves it (after the inserted text; before the text a
 * Backspace marked deleted, after the text a Delete marked) when the edit was at the caret or
 * set the selection; a selection the original set is otherwise mapped.
 */
function carrySelection(
  original: Transaction,
  tracked: Transaction,
  cursor: { pos: number; steps: number } | null,
): void {
  if (cursor && original.selection.empty) {
    const pos = tracked.mapping.slice(cursor.steps).map(cursor.pos)
    tracked.setSelection(TextSelection.near(tracked.doc.resolve(pos)))
    return
  }
  if (!original.selectionSet) return
  const base = original.docs[0]
  const selection = base ? original.selection.map(base, original.mapping.invert()) : original.selection
  tracked.setSelection(selection.map(tracked.doc, tracked.mapping))
}

/** The original's metadata (input type, paste, y-sync flags…) goes with its rewrite. */
function copyMeta(original: Transaction, tracked: Transaction): void {
  // Transaction keeps its metadata in a private field with no enumeration API (the library does the same).
  const meta = (original as unknown as { meta: Record<string, unknown> }).meta
  for (const [key, value] of Object.entries(meta)) tracked.setMeta(key, value)
}
