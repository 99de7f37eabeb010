import type { JSONContent } from '@tiptap/core'
import {
  isSuggestionMarkName,
  resolveSuggestions,
  SUGGESTION_ANCHOR,
  SuggestionsView,
} from '../../shared/suggestions/suggestions.js'
import { SuggestionMarkName } from '../../shared/suggestions/suggestion-marks.js'
import { documentSchema } from './schema.js'

/**
 * Pending suggestions in exports (issue 17): the document as if every one were rejected (the
 * default), as if accepted, or shown with its marks. The zero-width anchors the suggesting
 * transform puts on block splits are never part of an export's text, whatever the view.
 */
export function withSuggestionsView(json: JSONContent, view: SuggestionsView): JSONContent {
  const resolved = view === SuggestionsView.Show ? json : resolvedJSON(json, view)
  return withoutAnchors(resolved)
}

/** Markdown and plain text have no way to mark a suggestion: its text stays, its marks go. */
export function withoutSuggestionMarks(json: JSONContent): JSONContent {
  const marks = json.marks?.filter((mark) => !isSuggestionMarkName(mark.type))
  const content = json.content?.map(withoutSuggestionMarks)
  const result: JSONContent = { ...json }
  if (json.marks) {
    if (marks?.length) result.marks = marks
    else delete result.marks
  }
  if (content) result.content = content
  return result
}

function resolvedJSON(
  json: JSONContent,
  view: typeof SuggestionsView.Reject | typeof SuggestionsView.Accept,
): JSONContent {
  try {
    return resolveSuggestions(documentSchema.nodeFromJSON(json), view).toJSON() as JSONContent
  } catch {
    // A stored structure the schema refuses to rebuild: resolve text by text (formatting
    // suggestions then keep their proposed formatting), rather than fail the export.
    return resolvedByText(json, view)
  }
}

/** Drops the text the view removes (insertions when rejecting, deletions when accepting) and every suggestion mark. */
function resolvedByText(json: JSONContent, view: SuggestionsView): JSONContent {
  const removed = view === SuggestionsView.Accept ? SuggestionMarkName.Deletion : SuggestionMarkName.Insertion
  const content = json.content
    ?.filter((child) => !(child.type === 'text' && child.marks?.some((mark) => mark.type === removed)))
    .map((child) => resolvedByText(child, view))
  return withoutSuggestionMarks(content ? { ...json, content } : json)
}

/** Removes the anchor characters; a text node left empty goes, and a block left empty stays empty. */
function withoutAnchors(json: JSONContent): JSONContent {
  if (!json.content) return json
  const content: JSONContent[] = []
  for (const child of json.content) {
    if (child.type === 'text' && typeof child.text === 'string' && child.text.includes(SUGGESTION_ANCHOR)) {
      const text = child.text.split(SUGGESTION_ANCHOR).join('')
      if (text) content.push({ ...child, text })
    } else content.push(withoutAnchors(child))
  }
  return { ...json, content }
}
