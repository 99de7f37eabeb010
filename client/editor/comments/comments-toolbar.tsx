import type { Editor } from '@tiptap/core'
import { useEditorState } from '@tiptap/react'
import { BubbleMenu } from '@tiptap/react/menus'
import { Icon } from '../icons.js'

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)
/** Ctrl/Cmd+Alt+M starts a comment on the selection, as in Google Docs. */
export const COMMENT_SHORTCUT = isMac ? '⌥⌘M' : 'Ctrl+Alt+M'
export const COMMENT_SHORTCUT_KEYS = isMac ? 'Meta+Alt+M' : 'Control+Alt+M'

/** True for the key press that starts a comment (by physical key: Alt+M types "µ" on a Mac). */
export function isCommentShortcut(event: { ctrlKey: boolean; metaKey: boolean; altKey: boolean; code: string }) {
  return (event.ctrlKey || event.metaKey) && event.altKey && event.code === 'KeyM'
}

/** The sidebar's element id, for aria-controls. */
export function sidebarId(docId: string): string {
  return `tandem-comments-${docId}`
}

export interface CommentsControlsProps {
  editor: Editor
  /** Null for a role that reads threads but starts none (view). */
  onComment: (() => void) | null
  openCount: number
  isSidebarOpen: boolean
  onToggleSidebar: () => void
  controlsId: string
  /** In a toolbar without formatting buttons, the sidebar toggle is the toolbar's single tab stop. */
  isTabStop?: boolean
}

function useHasSelection(editor: Editor): boolean {
  return useEditorState({ editor, selector: ({ editor: e }) => !e.state.selection.empty })
}

/**
 * The toolbar's comment controls: "Comment" (enabled with a selection) and the sidebar toggle with
 * the number of open threads. Inside a WAI-ARIA toolbar they are roving-focus items like the others.
 */
export function CommentsControls({
  editor,
  onComment,
  openCount,
  isSidebarOpen,
  onToggleSidebar,
  controlsId,
  isTabStop = false,
}: CommentsControlsProps) {
  const hasSelection = useHasSelection(editor)
  return (
    <div className="tandem-toolbar__group tandem-toolbar__group--comments">
      {onComment && (
        <button
          type="button"
          className="tandem-toolbar__button tandem-toolbar__button--text"
          data-toolbar-item
          tabIndex={-1}
          aria-label="Comment"
          aria-keyshortcuts={COMMENT_SHORTCUT_KEYS}
          title={`Comment on the selection (${COMMENT_SHORTCUT})`}
          disabled={!hasSelection}
          onMouseDown={(event) => event.preventDefault()}
          onClick={onComment}
        >
          <Icon name="comment" />
          <span className="tandem-toolbar__label">Comment</span>
        </button>
      )}
      <button
        type="button"
        className="tandem-toolbar__button tandem-toolbar__button--count"
        data-toolbar-item
        tabIndex={isTabStop ? 0 : -1}
        aria-label={`Comments: ${openCount} open`}
        aria-expanded={isSidebarOpen}
        aria-controls={controlsId}
        title={isSidebarOpen ? 'Hide comments' : 'Show comments'}
        onMouseDown={(event) => event.preventDefault()}
        onClick={onToggleSidebar}
      >
        <Icon name="comments" />
        <span className="tandem-toolbar__count" aria-hidden="true">
          {openCount}
        </span>
      </button>
    </div>
  )
}

/**
 * A floating "Comment" button over a selection. Its accessible name differs from the toolbar's
 * "Comment" button, so that name stays unique on the page; keyboard users have that one and the shortcut.
 */
export function CommentBubbleMenu({ editor, onComment }: { editor: Editor; onComment: () => void }) {
  return (
    <BubbleMenu
      editor={editor}
      pluginKey="tandemCommentBubble"
      className="tandem-bubble"
      options={{ placement: 'top', offset: 8 }}
      shouldShow={({ editor: current, view, state, from, to }) => {
        if (state.selection.empty || from === to) return false
        // In an editable document only while the writer is in it (not after focus moved to the sidebar);
        // a read-only one never has focus, its selection is all there is.
        if (current.isEditable && !view.hasFocus()) return false
        return state.doc.textBetween(from, to, ' ').trim() !== ''
      }}
    >
      <button
        type="button"
        className="tandem-bubble__button"
        aria-label="Comment on the selection"
        tabIndex={-1}
        onMouseDown={(event) => event.preventDefault()}
        onClick={onComment}
      >
        <Icon name="comment" size={16} />
        <span>Comment</span>
      </button>
    </BubbleMenu>
  )
}
