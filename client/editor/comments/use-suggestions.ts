import type { Editor } from '@tiptap/core'
import { useEffect, useState } from 'react'
import { listSuggestions, type Suggestion } from '../../../shared/suggestions/suggestions.js'

function sameSuggestions(a: readonly Suggestion[], b: readonly Suggestion[]): boolean {
  return (
    a.length === b.length &&
    a.every((suggestion, i) => {
      const other = b[i]
      return (
        other !== undefined &&
        suggestion.id === other.id &&
        suggestion.from === other.from &&
        suggestion.to === other.to &&
        suggestion.kind === other.kind &&
        suggestion.inserted === other.inserted &&
        suggestion.deleted === other.deleted &&
        suggestion.authorName === other.authorName &&
        JSON.stringify([suggestion.added, suggestion.removed]) === JSON.stringify([other.added, other.removed])
      )
    })
  )
}

/**
 * The document's pending suggestions, in document order, read from the marks (they live in the
 * document, so they arrive with every edit, local or remote). A new list only when one changed,
 * so cards do not re-render on every keystroke elsewhere.
 */
export function useSuggestions(editor: Editor | null, isEnabled: boolean): readonly Suggestion[] {
  const [suggestions, setSuggestions] = useState<readonly Suggestion[]>(() =>
    editor && isEnabled && !editor.isDestroyed ? listSuggestions(editor.state.doc) : [],
  )
  useEffect(() => {
    if (!editor || !isEnabled) {
      setSuggestions([])
      return
    }
    const read = () => {
      if (editor.isDestroyed) return
      const next = listSuggestions(editor.state.doc)
      setSuggestions((current) => (sameSuggestions(current, next) ? current : next))
    }
    read()
    const onTransaction = ({ transaction }: { transaction: { docChanged: boolean } }) => {
      if (transaction.docChanged) read()
    }
    editor.on('transaction', onTransaction)
    return () => {
      editor.off('transaction', onTransaction)
    }
  }, [editor, isEnabled])
  return suggestions
}
