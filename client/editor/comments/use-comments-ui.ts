import type { Editor } from '@tiptap/core'
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type RefObject } from 'react'
import type { ThreadAnchor } from '../../../shared/comments.js'
import type { Suggestion } from '../../../shared/suggestions/suggestions.js'
import type { ThreadsState } from '../../comments/threads-api.js'
import { commentHighlightsKey, commentHighlightsPlugin, setCommentHighlights } from './comment-highlights.js'
import type { ThreadDraft } from './comments-sidebar.js'
import { suggestionIdOf } from './suggestion-keys.js'

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

/** A link to one thread: `#thread-<id>` after the document's address (the Mentions inbox makes them). */
const THREAD_HASH = /^#thread-([A-Za-z0-9_-]{1,64})$/

/** The thread the page's address names, or null. */
export function threadIdFromHash(hash: string): string | null {
  return THREAD_HASH.exec(hash)?.[1] ?? null
}

/** The page's `#thread-<id>`, now and after each change of the hash; null during server rendering. */
function useThreadFromAddress(): [string | null, () => void] {
  const [threadId, setThreadId] = useState(() =>
    typeof location === 'undefined' ? null : threadIdFromHash(location.hash),
  )
  useEffect(() => {
    const onHashChange = () => setThreadId(threadIdFromHash(location.hash))
    window.addEventListener('hashchange', onHashChange)
    return () => window.removeEventListener('hashchange', onHashChange)
  }, [])
  return [threadId, useCallback(() => setThreadId(null), [])]
}

/** The highlight of the text a new comment is being written on (no thread yet; a click on it does nothing). */
const DRAFT_HIGHLIGHT_ID = ''

export interface CommentsUi {
  /** The active card: a thread's id, or a suggestion's card id (suggestion-keys.ts). */
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
  /** Pending suggestions: their cards are activated like threads' (by card id). */
  suggestions: readonly Suggestion[] = [],
): CommentsUi {
  const [activeThreadId, setActiveThreadId] = useState<string | null>(null)
  const [draft, setDraftState] = useState<(ThreadDraft & { key: number }) | null>(null)
  const [isSidebarOpen, setSidebarOpen] = useState(() => !isNarrow())
  const cardRefs = useRef(new Map<string, HTMLElement>())
  const revealCard = useRef<string | null>(null)
  const draftKey = useRef(0)

  const placeOf = useCallback(
    (cardId: string) => {
      const suggestionId = suggestionIdOf(cardId)
      if (suggestionId !== null) {
        const suggestion = suggestions.find((candidate) => candidate.id === suggestionId)
        return suggestion ? { kind: 'range' as const, from: suggestion.from, to: suggestion.to } : null
      }
      return threads.threads.find((placed) => placed.thread.id === cardId)?.place ?? null
    },
    [threads.threads, suggestions],
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

  // A link to a thread opens it once it has arrived: active, its card in view, its text scrolled to.
  const [linkedThreadId, linkFollowed] = useThreadFromAddress()
  useEffect(() => {
    if (!linkedThreadId || !isEnabled) return
    const linked = threads.threads.find((placed) => placed.thread.id === linkedThreadId)
    if (!linked) return
    linkFollowed()
    activate(linkedThreadId, 'text')
    if (linked.place.kind === 'range' && editor && !editor.isDestroyed) {
      const { node } = editor.view.domAtPos(linked.place.from)
      const element = node instanceof Element ? node : node.parentElement
      element?.scrollIntoView({ block: 'center' })
    }
  }, [linkedThreadId, linkFollowed, isEnabled, threads.threads, activate, editor])

  // A thread deleted (or filtered away by the server), or a suggestion decided, is no longer active.
  useEffect(() => {
    if (activeThreadId && placeOf(activeThreadId) === null) setActiveThreadId(null)
  }, [placeOf, activeThreadId])

  useEffect(() => {
    if (!editor || !isEnabled) return
    editor.registerPlugin(commentHighlightsPlugin((threadId) => activateRef.current(threadId, 'text')))
    return () => {
      if (!editor.isDestroyed) editor.unregisterPlugin(commentHighlightsKey)
    }
  }, [editor, isEnabled])

  const ranges = useMemo(() => {
    // A thread about a pending suggestion is drawn by the suggestion itself (its ins/del).
    const pendingIds = new Set(suggestions.map((suggestion) => suggestion.id))
    const drawn = threads.threads.flatMap(({ thread, place }) =>
      thread.status === 'open' &&
      place.kind === 'range' &&
      !(thread.suggestionId && pendingIds.has(thread.suggestionId))
        ? [{ threadId: thread.id, from: place.from, to: place.to }]
        : [],
    )
    // The text a new comment is being written on stays marked while focus is in the composer
    // (threads.threads changes with every document change, so this follows edits too).
    const draftPlace = draft?.anchor && editor && !editor.isDestroyed ? placeRange(editor, draft.anchor) : null
    if (draftPlace) drawn.push({ threadId: DRAFT_HIGHLIGHT_ID, ...draftPlace })
    // The active suggestion's text is marked like an active thread's (the others show as ins/del).
    const activeSuggestion = suggestionIdOf(activeThreadId)
    const suggestion = suggestions.find((candidate) => candidate.id === activeSuggestion)
    if (suggestion && activeThreadId) drawn.push({ threadId: activeThreadId, from: suggestion.from, to: suggestion.to })
    return drawn
  }, [threads.threads, draft, editor, placeRange, suggestions, activeThreadId])
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
