import type { MarkJSON } from '../../../shared/suggestions/suggestion-marks.js'
import { SuggestionKind, type Suggestion } from '../../../shared/suggestions/suggestions.js'

/** What a suggestion card says of its suggestion (suggestion-card.tsx draws it). */

/** How a card names a mark a format suggestion adds or removes. */
const MARK_WORDS: Record<string, string> = {
  bold: 'bold',
  italic: 'italic',
  strike: 'strikethrough',
  code: 'code',
  link: 'link',
  underline: 'underline',
  highlight: 'highlight',
}

function markWord(mark: MarkJSON): string {
  return MARK_WORDS[mark.type] ?? mark.type
}

/** "bold, italic, remove code": what a format suggestion does. */
export function formatChangeText(suggestion: Pick<Suggestion, 'added' | 'removed'>): string {
  return [...suggestion.added.map(markWord), ...suggestion.removed.map((mark) => `remove ${markWord(mark)}`)].join(', ')
}

/** The card's one-line summary, also its accessible name: "Add: “quick”", "Replace “a” with “b”", "Format: bold". */
export function describeSuggestion(suggestion: Suggestion): string {
  switch (suggestion.kind) {
    case SuggestionKind.Add:
      return `Add: “${shorten(suggestion.inserted)}”`
    case SuggestionKind.Delete:
      return `Delete: “${shorten(suggestion.deleted)}”`
    case SuggestionKind.Replace:
      return `Replace “${shorten(suggestion.deleted)}” with “${shorten(suggestion.inserted)}”`
    case SuggestionKind.Format:
      return `Format: ${formatChangeText(suggestion)}`
  }
}

/** Long suggestions are cut on the card; the text itself shows them whole. */
const MAX_CARD_TEXT_CHARS = 160

export function shorten(text: string): string {
  const single = text.replace(/\s+/g, ' ')
  return single.length > MAX_CARD_TEXT_CHARS ? `${single.slice(0, MAX_CARD_TEXT_CHARS - 1)}…` : single
}
