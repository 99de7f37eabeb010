import type { Editor } from '@tiptap/core'
import { useEffect } from 'react'

export interface SuggestingAuthor {
  /** The token's person when it names one, else this browser's author id (comment-author.ts). */
  id: string
  name: string
}

/**
 * Keeps the editor's Suggesting extension in step with the chosen mode and with who is writing:
 * the mode menu switches it, and the author's id (known once the token is read) and name (changed
 * in the presence bar) reach the suggestions typed from then on.
 */
export function useSuggestingMode(editor: Editor | null, isSuggesting: boolean, author: SuggestingAuthor): void {
  useEffect(() => {
    if (!editor || editor.isDestroyed) return
    if (editor.storage.suggesting.enabled !== isSuggesting) editor.commands.setSuggesting(isSuggesting)
  }, [editor, isSuggesting])

  const { id, name } = author
  useEffect(() => {
    if (!editor || editor.isDestroyed) return
    setSuggestingAuthor(editor, { id, name })
  }, [editor, id, name])
}

/** Gives the Suggesting extension a new author for what is typed from now on. */
function setSuggestingAuthor(editor: Editor, author: SuggestingAuthor): void {
  const extension = editor.extensionManager.extensions.find((candidate) => candidate.name === 'suggesting')
  if (extension) (extension.options as { author: SuggestingAuthor }).author = author
}
