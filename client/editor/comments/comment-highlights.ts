import type { Editor } from '@tiptap/core'
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state'
import { Decoration, DecorationSet } from '@tiptap/pm/view'
import { suggestionKey } from './suggestion-keys.js'

/** One commented range to draw, in ProseMirror positions of the current document. */
export interface HighlightRange {
  threadId: string
  from: number
  to: number
}

interface HighlightState {
  ranges: HighlightRange[]
  activeId: string | null
  decorations: DecorationSet
}

/** What a transaction's meta asks of the plugin: new ranges (from the threads), a new active thread, or both. */
interface HighlightMeta {
  ranges?: HighlightRange[]
  activeId?: string | null
}

/** What the click handler reads of a highlight's element. */
interface ThreadElement {
  getAttribute(name: string): string | null
}

export const commentHighlightsKey = new PluginKey<HighlightState>('tandemCommentHighlights')

/** Marks the range of a thread; the active one gets a second class so themes can draw it more strongly. */
export const HIGHLIGHT_CLASS = 'tandem-comment-highlight'
export const ACTIVE_HIGHLIGHT_CLASS = 'tandem-comment-highlight--active'

function build(state: EditorState, ranges: HighlightRange[], activeId: string | null): DecorationSet {
  const size = state.doc.content.size
  const decorations: Decoration[] = []
  for (const range of ranges) {
    const from = Math.max(0, Math.min(range.from, size))
    const to = Math.max(0, Math.min(range.to, size))
    if (from >= to) continue
    const isActive = range.threadId === activeId
    decorations.push(
      Decoration.inline(
        from,
        to,
        {
          class: isActive ? `${HIGHLIGHT_CLASS} ${ACTIVE_HIGHLIGHT_CLASS}` : HIGHLIGHT_CLASS,
          'data-thread-id': range.threadId,
        },
        // Inclusive ends would let text typed right after a comment join its highlight, which the anchor does not.
        { inclusiveStart: false, inclusiveEnd: false, threadId: range.threadId },
      ),
    )
  }
  return DecorationSet.create(state.doc, decorations)
}

/**
 * Draws each open thread's range (and the active suggestion's) as decorations (never marks: comments live outside the document, so
 * highlighting one must not change the Y.Doc). Between a document change and the next `ranges` from the
 * threads, the decorations are mapped through the change, so a highlight follows its text at once.
 * A click inside a highlight calls `onActivate` with its thread (the innermost, when ranges overlap).
 */
export function commentHighlightsPlugin(onActivate: (threadId: string) => void): Plugin<HighlightState> {
  return new Plugin<HighlightState>({
    key: commentHighlightsKey,
    state: {
      init: () => ({ ranges: [], activeId: null, decorations: DecorationSet.empty }),
      apply(tr: Transaction, value: HighlightState, _old: EditorState, next: EditorState): HighlightState {
        const meta = tr.getMeta(commentHighlightsKey) as HighlightMeta | undefined
        if (meta) {
          const ranges = meta.ranges ?? value.ranges
          const activeId = meta.activeId === undefined ? value.activeId : meta.activeId
          return { ranges, activeId, decorations: build(next, ranges, activeId) }
        }
        if (!tr.docChanged) return value
        // Keep the ranges in step with the decorations, so an activeId-only change redraws them where they are now.
        const ranges = value.ranges.map((range) => ({
          threadId: range.threadId,
          from: tr.mapping.map(range.from, 1),
          to: tr.mapping.map(range.to, -1),
        }))
        return { ...value, ranges, decorations: value.decorations.map(tr.mapping, tr.doc) }
      },
    },
    props: {
      decorations: (state) => commentHighlightsKey.getState(state)?.decorations,
      handleDOMEvents: {
        // A DOM handler, not handleClick: it runs in a read-only editor too (view and comment roles).
        click(_view, event) {
          // Structural, not `instanceof Element`: this module is also type-checked without the DOM library.
          const target = event.target as { closest?: (selector: string) => ThreadElement | null } | null
          const threadId = target?.closest?.('[data-thread-id]')?.getAttribute('data-thread-id')
          if (threadId) {
            onActivate(threadId)
            return false
          }
          // A suggestion's text (its <ins>/<del>) activates its card. No id at all: the text of a
          // comment still being written, or plain text.
          const suggestionId = target?.closest?.('[data-suggestion-id]')?.getAttribute('data-suggestion-id')
          if (suggestionId) onActivate(suggestionKey(suggestionId))
          return false
        },
      },
    },
  })
}

function sameRanges(a: readonly HighlightRange[], b: readonly HighlightRange[]): boolean {
  return (
    a.length === b.length &&
    a.every((range, i) => range.threadId === b[i]?.threadId && range.from === b[i].from && range.to === b[i].to)
  )
}

/**
 * Replaces the drawn ranges and/or the active thread. Nothing is dispatched when they are what the
 * plugin already draws: after a keystroke the threads' new places usually equal the mapped ones.
 */
export function setCommentHighlights(editor: Editor, meta: HighlightMeta): void {
  if (editor.isDestroyed) return
  const current = commentHighlightsKey.getState(editor.state)
  if (
    current &&
    (meta.ranges === undefined || sameRanges(current.ranges, meta.ranges)) &&
    (meta.activeId === undefined || meta.activeId === current.activeId)
  ) {
    return
  }
  const tr = editor.state.tr.setMeta(commentHighlightsKey, meta).setMeta('addToHistory', false)
  editor.view.dispatch(tr)
}
