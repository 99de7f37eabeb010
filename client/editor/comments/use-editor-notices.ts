import type { Editor } from '@tiptap/core'
import { useEffect, useRef, useState } from 'react'
import { EditorMode } from '../editor-mode.js'
import { isCommentShortcut } from './comments-toolbar.js'
import type { Role } from '../../../shared/roles.js'

/** How long the "you cannot edit" notice stays up after the last attempt. */
export const READ_ONLY_NOTICE_MS = 4_000

/** Why typing did nothing: the role allows no change, or the writer chose Viewing. */
export function readOnlyReason(role: Role, mode: EditorMode): string | null {
  if (role === 'view') return 'This document is view-only.'
  if (mode !== EditorMode.Viewing) return null
  return role === 'comment'
    ? 'You are viewing. Choose Suggesting in the mode menu to propose changes.'
    : 'You are viewing. Choose Editing or Suggesting in the mode menu to change the text.'
}

/** Why an edit did nothing in Suggesting mode: suggestions cover text and formatting, not structure. */
export function unsuggestableReason(role: Role): string {
  const tail =
    role === 'comment' ? 'Leave a comment to propose it.' : 'Switch to Editing to make it, or leave a comment.'
  return `That change cannot be a suggestion: suggestions cover text and formatting, not structure such as tables, lists or block types. ${tail}`
}

/** True when this key press would change text in an editable document. */
function isTypingKey(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) return false
  return event.key.length === 1 || event.key === 'Enter' || event.key === 'Backspace' || event.key === 'Delete'
}

function isInsideEditor(editor: Editor, event: Event): boolean {
  if (editor.isDestroyed) return false
  const target = event.target
  // Typing into a text box (the comment composer, the title) is not typing into the document.
  if (target instanceof HTMLElement && target.closest('input, textarea, select, [contenteditable="true"]')) {
    return target.closest('.ProseMirror') === editor.view.dom
  }
  const anchor = document.getSelection()?.anchorNode ?? null
  return anchor !== null && editor.view.dom.contains(anchor)
}

/**
 * Document-wide keys for one editor: Ctrl/Cmd+Alt+M starts a comment on the selection; and in a
 * read-only editor, typing or pasting where the selection is shows why nothing happens. A read-only
 * ProseMirror has no focus of its own, so the keys are heard on the document and claimed only when
 * the selection is inside this editor.
 */
export function useEditorNotices(
  editor: Editor | null,
  /** Why the document is read-only (readOnlyReason), or null: nothing to explain. */
  reason: string | null,
  isReadOnly: boolean,
  onCommentShortcut: (() => boolean) | null,
  /** What to say when Suggesting mode drops an edit it cannot express (unsuggestableReason), or null. */
  unsuggestable: string | null = null,
): string | null {
  const [notice, setNotice] = useState<string | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const shortcutRef = useRef(onCommentShortcut)
  shortcutRef.current = onCommentShortcut

  useEffect(() => {
    if (!editor) return
    const explain = () => {
      if (!reason || !isReadOnly) return
      setNotice(reason)
      clearTimeout(timer.current)
      timer.current = setTimeout(() => setNotice(null), READ_ONLY_NOTICE_MS)
    }
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isInsideEditor(editor, event)) return
      if (isCommentShortcut(event) && shortcutRef.current) {
        if (shortcutRef.current()) event.preventDefault()
        return
      }
      if (!editor.isEditable && isTypingKey(event)) explain()
    }
    const onPaste = (event: ClipboardEvent) => {
      if (!editor.isEditable && isInsideEditor(editor, event)) explain()
    }
    document.addEventListener('keydown', onKeyDown)
    document.addEventListener('paste', onPaste)
    // Suggesting mode drops an edit it cannot express; without a word, a key press would seem broken.
    const suggesting = (editor.storage as { suggesting?: { onRefused: ((reason: string) => void) | null } }).suggesting
    if (suggesting && unsuggestable) {
      suggesting.onRefused = () => {
        setNotice(unsuggestable)
        clearTimeout(timer.current)
        timer.current = setTimeout(() => setNotice(null), READ_ONLY_NOTICE_MS)
      }
    }
    return () => {
      document.removeEventListener('keydown', onKeyDown)
      document.removeEventListener('paste', onPaste)
      if (suggesting) suggesting.onRefused = null
      clearTimeout(timer.current)
    }
  }, [editor, reason, isReadOnly, unsuggestable])

  return notice
}
