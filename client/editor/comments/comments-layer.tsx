import type { Editor } from '@tiptap/core'
import { useMemo, type ReactNode } from 'react'
import type { ThreadAnchor } from '../../../shared/comments.js'
import { SUGGESTION_ANCHOR, type Suggestion } from '../../../shared/suggestions/suggestions.js'
import { SyncState } from '../../provider/sync-status.js'
import type { TandemProvider } from '../../provider/tandem-provider.js'
import { EditorMode } from '../editor-mode.js'
import { useSyncStatus } from '../hooks.js'
import { canComment, type CommentViewer } from './comment-permissions.js'
import { CommentsSidebar, DRAFT_ALIGN_ID } from './comments-sidebar.js'
import { CommentBubbleMenu, CommentsControls, sidebarId } from './comments-toolbar.js'
import { MentionsContext, useMentionsState } from './mention-context.js'
import { editorSuggestionActions } from './suggestion-actions.js'
import { suggestionIdOf } from './suggestion-keys.js'
import { anchorForRange, placeOf, quoteForRange, useOwnAuthorIds, useThreads } from './threads-binding.js'
import { useCommentsUi, useIsNarrow } from './use-comments-ui.js'
import { readOnlyReason, unsuggestableReason, useEditorNotices } from './use-editor-notices.js'
import { useSuggestions } from './use-suggestions.js'
import type { Role } from '../../../shared/roles.js'

export interface CommentsLayerProps {
  editor: Editor
  provider: TandemProvider
  role: Role
  /** Editing, Suggesting or Viewing: Accept / Reject need the edit role and a mode that changes text. */
  mode: EditorMode
  isReadOnly: boolean
  /** False: no threads are asked for, nothing of comments is drawn (`comments={false}`). */
  isEnabled: boolean
  /** Draws the toolbar, given the comment controls to put in it (null when comments are off). */
  renderToolbar: (controls: ReactNode) => ReactNode
  /** The document (EditorContent). */
  children: ReactNode
}

/** What a new thread on `from`..`to` records: its quote, and an anchor that follows the text. */
const describeRange = (editor: Editor, from: number, to: number) => ({
  quote: quoteForRange(editor.state, from, to),
  anchor: anchorForRange(editor.state, from, to),
})

/** Where an anchor's text is now, or null when it was deleted. */
const placeRange = (editor: Editor, anchor: ThreadAnchor) => {
  const place = placeOf(editor.state, anchor)
  return place.kind === 'range' ? { from: place.from, to: place.to } : null
}

/** The text a suggestion covers as it reads now (a format suggestion's card quotes it). */
function suggestedText(editor: Editor, suggestion: Suggestion): string {
  if (editor.isDestroyed) return ''
  const size = editor.state.doc.content.size
  const text = editor.state.doc.textBetween(Math.min(suggestion.from, size), Math.min(suggestion.to, size), ' ')
  return text.split(SUGGESTION_ANCHOR).join('')
}

/**
 * Everything comments add around the document: the toolbar's Comment button and thread count, the
 * bubble menu, the highlights, the "Comments" sidebar, the shortcut, and the notice that explains a
 * read-only document to someone who types into it.
 */
export function CommentsLayer({
  editor,
  provider,
  role,
  mode,
  isReadOnly,
  isEnabled,
  renderToolbar,
  children,
}: CommentsLayerProps) {
  const threads = useThreads(isEnabled ? provider : null, editor)
  const suggestions = useSuggestions(editor, isEnabled)
  const authorIds = useOwnAuthorIds(provider)
  const viewer: CommentViewer = { role, authorIds }
  const ui = useCommentsUi(editor, threads, isEnabled, describeRange, placeRange, suggestions)
  const mayComment = isEnabled && canComment(viewer)
  // Who `@` offers in every comment box here: only on a server with sign-in (null elsewhere).
  const mentions = useMentionsState(mayComment ? provider : null)
  const notice = useEditorNotices(
    editor,
    readOnlyReason(role, mode),
    isReadOnly,
    mayComment ? ui.startComment : null,
    unsuggestableReason(role),
  )
  // Deciding changes the text: the edit role, and not while Viewing (or while the session is refused).
  const mayDecide = role === 'edit' && mode !== EditorMode.Viewing && !isReadOnly
  const suggestionActions = useMemo(() => (mayDecide ? editorSuggestionActions(editor) : null), [mayDecide, editor])
  const id = sidebarId(provider.docId)
  const isNarrow = useIsNarrow()
  const { state } = useSyncStatus(provider)
  const isReachable = state === SyncState.Connected || state === SyncState.Saving || state === SyncState.Saved

  // Pending suggestions are open items; a thread about one is part of its card, not counted twice.
  const pendingIds = new Set(suggestions.map((suggestion) => suggestion.id))
  const openCount =
    threads.openCount +
    suggestions.length -
    threads.threads.filter(
      ({ thread }) => thread.status === 'open' && !!thread.suggestionId && pendingIds.has(thread.suggestionId),
    ).length

  /** A reply on a suggestion's card: to its thread, or the first one, anchored to the suggestion's text. */
  const replyOnSuggestion = async (suggestion: Suggestion, threadId: string | null, body: string) => {
    if (threadId) {
      await threads.client.reply(threadId, body)
      return
    }
    if (editor.isDestroyed) return
    const size = editor.state.doc.content.size
    const from = Math.min(suggestion.from, size)
    const to = Math.min(suggestion.to, size)
    await threads.client.startThread({
      body,
      quote: suggestedText(editor, suggestion),
      anchor: to > from ? anchorForRange(editor.state, from, to) : null,
      suggestionId: suggestion.id,
    })
  }

  /** Where a thread's (or suggestion's) text starts on screen, so its card can stand beside it. */
  const textTop = (threadId: string): number | null => {
    if (threadId === DRAFT_ALIGN_ID && !editor.isDestroyed) {
      return editor.view.dom.querySelector('[data-thread-id=""]')?.getBoundingClientRect().top ?? null
    }
    const suggestionId = suggestionIdOf(threadId)
    if (suggestionId !== null) {
      if (editor.isDestroyed) return null
      const marked = editor.view.dom.querySelector(`[data-suggestion-id="${CSS.escape(suggestionId)}"]`)
      return marked?.getBoundingClientRect().top ?? null
    }
    const place = threads.threads.find((placed) => placed.thread.id === threadId)?.place
    if (place?.kind !== 'range' || editor.isDestroyed) return null
    // The highlight as drawn (resolved threads have none: then the position's coordinates).
    const highlight = editor.view.dom.querySelector(`[data-thread-id="${CSS.escape(threadId)}"]`)
    if (highlight) return highlight.getBoundingClientRect().top
    try {
      return editor.view.coordsAtPos(place.from).top
    } catch {
      return null // a place from a document state the view has not drawn yet
    }
  }

  const controls = isEnabled ? (
    <CommentsControls
      editor={editor}
      onComment={mayComment ? ui.startComment : null}
      openCount={openCount}
      isSidebarOpen={ui.isSidebarOpen}
      onToggleSidebar={() => ui.setSidebarOpen(!ui.isSidebarOpen)}
      controlsId={id}
      isTabStop={isReadOnly}
    />
  ) : null

  return (
    <MentionsContext.Provider value={mentions}>
      {renderToolbar(controls)}
      {/* Always in the DOM: a live region announces changes only once it exists. */}
      <div className="tandem-editor__notice" role="status" data-empty={notice === null || undefined}>
        {notice}
      </div>
      <div className="tandem-editor__body" data-sidebar={(isEnabled && ui.isSidebarOpen) || undefined}>
        {children}
        {isEnabled && (
          <CommentsSidebar
            id={id}
            threads={threads}
            viewer={viewer}
            activeThreadId={ui.activeThreadId}
            onActivate={(threadId) => ui.activate(threadId, 'card')}
            draft={ui.draft}
            onDraftChange={ui.setDraft}
            isOpen={ui.isSidebarOpen}
            onClose={() => ui.setSidebarOpen(false)}
            isReachable={isReachable}
            textTop={isNarrow ? undefined : textTop}
            documentElement={editor.isDestroyed ? null : editor.view.dom}
            draftFrom={
              ui.draft?.anchor && !editor.isDestroyed ? (placeRange(editor, ui.draft.anchor)?.from ?? null) : null
            }
            cardRefs={ui.cardRefs}
            suggestions={suggestions}
            suggestionActions={suggestionActions}
            suggestedText={(suggestion) => suggestedText(editor, suggestion)}
            onSuggestionReply={replyOnSuggestion}
          />
        )}
      </div>
      {mayComment && <CommentBubbleMenu editor={editor} onComment={ui.startComment} />}
    </MentionsContext.Provider>
  )
}
