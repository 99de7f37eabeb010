import type { Editor } from '@tiptap/core'

/** What a suggestion card's buttons do. Only the edit role gets them (the server refuses others' decisions). */
export interface SuggestionActions {
  accept: (suggestionId: string) => void
  reject: (suggestionId: string) => void
  acceptAll: () => void
  rejectAll: () => void
}

/**
 * The card buttons, through the Suggesting extension's commands: they decide as ordinary
 * transactions (undoable by whoever pressed them, recorded in history with their name) and are never
 * themselves turned into suggestions, even while this writer is Suggesting.
 */
export function editorSuggestionActions(editor: Editor): SuggestionActions {
  return {
    accept: (suggestionId) => editor.commands.acceptSuggestion(suggestionId),
    reject: (suggestionId) => editor.commands.rejectSuggestion(suggestionId),
    acceptAll: () => editor.commands.acceptAllSuggestions(),
    rejectAll: () => editor.commands.rejectAllSuggestions(),
  }
}
