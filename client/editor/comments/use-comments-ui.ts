import type { Editor } from '@tiptap/core'
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type RefObject } from 'react'
import type { ThreadAnchor } from '../../../shared/comments.js'
import type { ThreadsState } from '../../comments/threads-api.js'
import { commentHighlightsKey, commentHighlightsPlugin, setCommentHighlights } from './comment-highlights.js'
import type { ThreadDraft } from './comments-sidebar.js'

/** Below this width the sidebar is a panel over the document, closed until asked for (tandem-comments.css). */
export const NARROW_QUERY = '(max-width: 720px)'

function isNarrow(): boolean {
  return typeof window !== 'undefined' && window.matchMedia(NARROW_QUERY).matches
}

function subscribeToNarrow(onChange: () => void): () => void {
  const query = window.matchMedia(NARROW_QUERY)
  query.addEventListener('change', onChange)
  return () => query.removeEventListener('change', onChange)
}

/** True while the screen is phone-sized (the sidebar is then a panel, not a column beside the text). */
export function useIsNarrow(): boolean {
  return useSyncExternalStore(subscribeToNarrow, isNarrow, () => false)
}

/** The highlight of the text a new comment is being written on (no thread yet; a click on it does nothing). */
const DRAFT_HIGHLIGHT_ID = ''

export interface CommentsUi {
  activeThreadId: string | null
  /** Make a thread active; from the text, its card comes into view (and takes focus in a read-only editor). */
  activate: (threadId: string, from: 'text' | 'card') => void
  draft: (ThreadDraft & { key: number }) | null
  setDraft: (draft: ThreadDraft | null) => void
  /** Opens the composer on the editor's selection; false when nothing is selected. */
  startComment: () => boolean
  isSidebarOpen: boolean
  setSidebarOpen: (isOpen: boolean) => void
  cardRefs: RefObject<Map<string, HTMLElement>>
}

/**
 * The comments UI's state beside an editor: the active thread, the composer's draft and whether the
 * sidebar is open; draws the open threads' highlights and keeps text and cards in step.
 */
export function useCommentsUi(
  editor: Editor | null,
  threads: ThreadsState,
  isEnabled: boolean,
  describeRange: (editor: Editor, from: number, to: number) => { quote: string; anchor: ThreadAnchor },
  placeRange: (editor: Editor, anchor: ThreadAnchor) => { from: number; to: number } | null,
): CommentsUi {
  const [activeThreadId, setActiveThreadId] = useState<string | null>(null)
  const [draft, setDraftState] = useState<(ThreadDraft & { key: number }) | null>(null)
  const [isSidebarOpen, setSidebarOpen] = useState(() => !isNarrow())
  const cardRefs = useRef(new Map<string, HTMLElement>())
  const revealCard = useRef<string | null>(null)
  const draftKey = useRef(0)

  const placeOf = useCallback(
    (threadId: string) => threads.threads.find((placed) => placed.thread.id === threadId)?.place ?? null,
    [threads.threads],
  )

  const activate = useCallback(
    (threadId: string, from: 'text' | 'card') => {
      setActiveThreadId(threadId)
      if (from === 'text') {
        setSidebarOpen(true)
        revealCard.current = threadId
        return
      }
      const place = placeOf(threadId)
      if (!editor || editor.isDestroyed || place?.kind !== 'range') return
      const { node } = editor.view.domAtPos(place.from)
      const element = node instanceof Element ? node : node.parentElement
      element?.scrollIntoView({ block: 'nearest', behavior: 'smooth' })
    },
    [editor, placeOf],
  )
  const activateRef = useRef(activate)
  activateRef.current = activate

  // After a click on a highlight, bring its card into view once it is rendered (the sidebar may just
  // have opened). Focus moves to the card only in a read-only editor: a writer clicking into
  // commented text to type must keep the caret.
  useEffect(() => {
    const threadId = revealCard.current
    if (!threadId) return
    const card = cardRefs.current.get(threadId)
    if (!card) return
    revealCard.current = null
    card.scrollIntoView({ block: 'nearest', behavior: 'smooth' })
    if (editor && !editor.isEditable) card.focus({ preventScroll: true })
  })

  // A thread deleted (or filtered away by the server) is no longer active.
  useEffect(() => {
    if (activeThreadId && !threads.threads.some((placed) => placed.thread.id === activeThreadId)) {
      setActiveThreadId(null)
    }
  }, [threads.threads, activeThreadId])

  useEffect(() => {
    if (!editor || !isEnabled) return
    editor.registerPlugin(commentHighlightsPlugin((threadId) => activateRef.current(threadId, 'text')))
    return () => {
      if (!editor.isDestroyed) editor.unregisterPlugin(commentHighlightsKey)
    }
  }, [editor, isEnabled])

  const ranges = useMemo(() => {
    const drawn = threads.threads.flatMap(({ thread, place }) =>
      thread.status === 'open' && place.kind === 'range'
        ? [{ threadId: thread.id, from: place.from, to: place.to }]
        : [],
    )
    // The text a new comment is being written on stays marked while focus is in the composer
    // (threads.threads changes with every document change, so this follows edits too).
    const draftPlace = draft?.anchor && editor && !editor.isDestroyed ? placeRange(editor, draft.anchor) : null
    if (draftPlace) drawn.push({ threadId: DRAFT_HIGHLIGHT_ID, ...draftPlace })
    return drawn
  }, [threads.threads, draft, editor, placeRange])
  const highlightedId = draft ? DRAFT_HIGHLIGHT_ID : activeThreadId
  useEffect(() => {
    if (editor && isEnabled) setCommentHighlights(editor, { ranges, activeId: highlightedId })
  }, [editor, isEnabled, ranges, highlightedId])

  const setDraft = useCallback((next: ThreadDraft | null) => {
    draftKey.current += 1
    // The composer is what is being worked on now, not a thread.
    if (next) setActiveThreadId(null)
    setDraftState(next ? { ...next, key: draftKey.current } : null)
  }, [])

  const startComment = useCallback(() => {
    if (!editor || editor.isDestroyed) return false
    const { from, to, empty } = editor.state.selection
    if (empty) return false
    const { quote, anchor } = describeRange(editor, from, to)
    if (quote.trim() === '') return false
    setDraft({ quote: quote.trim(), anchor })
    setSidebarOpen(true)
    return true
  }, [editor, setDraft, describeRange])

  return {
    activeThreadId,
    activate,
    draft,
    setDraft,
    startComment,
    isSidebarOpen,
    setSidebarOpen,
    cardRefs,
  }
}
