import type { Editor } from '@tiptap/core'
import { useEffect } from 'react'

export interface SuggestingAuthor {
  /** The token's person when it names one, else this browser's author id (comment-author.ts). */
  id: string
  name: string
}

/**
 * The author the Suggesting extension marks suggestions with, changeable after the editor exists:
 * the token's person is known only once the token is read, and the writer may rename themselves.
 * The extension reads its `author` option at each edit; Tiptap copies plain-object options when it
 * configures an extension (a later change to a copy would be lost), but keeps an instance of a class
 * by reference, so changing this object's fields reaches the next suggestion.
 */
export class SuggestingAuthorRef implements SuggestingAuthor {
  constructor(
    public id: string,
    public name: string,
  ) {}
}

/**
 * Keeps the editor's Suggesting extension in step with the chosen mode and with who is writing:
 * the mode menu switches it, and `author` (id and name) reaches `authorRef`, the object the extension
 * was configured with, so the suggestions typed from then on carry it.
 */
export function useSuggestingMode(
  editor: Editor | null,
  isSuggesting: boolean,
  authorRef: SuggestingAuthorRef,
  author: SuggestingAuthor,
): void {
  useEffect(() => {
    if (!editor || editor.isDestroyed) return
    if (editor.storage.suggesting.enabled !== isSuggesting) editor.commands.setSuggesting(isSuggesting)
  }, [editor, isSuggesting])

  const { id, name } = author
  useEffect(() => {
    authorRef.id = id
    authorRef.name = name
  }, [authorRef, id, name])
}
