import type { SuggestionsView } from '../../shared/suggestions/suggestions.js'

/** Formats the content endpoint, the CLI and the editor's export speak. Kept apart from convert.ts,
 * whose editor dependencies take a second to load and are only imported when first needed. */
export const ContentFormat = {
  Markdown: 'markdown',
  Html: 'html',
  Text: 'text',
  Json: 'json',
} as const
export type ContentFormat = (typeof ContentFormat)[keyof typeof ContentFormat]
export const CONTENT_FORMATS = Object.values(ContentFormat)

export const CONTENT_TYPES: Record<ContentFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
}

/**
 * How an export shows pending suggestions (`?suggestions=`, `tandem export --suggestions`): as if
 * every one were rejected (the default: the text as it stands before review), as if accepted, or
 * shown (HTML marks them `<ins>`/`<del>`, JSON keeps the marks, Markdown and text show both sides
 * unmarked). SuggestionsView in shared/suggestions, listed here without loading the editor code.
 */
export const SUGGESTION_VIEWS = ['reject', 'accept', 'show'] as const satisfies readonly SuggestionsView[]
export const DEFAULT_SUGGESTION_VIEW: SuggestionsView = 'reject'

/** True when `value` is one of SUGGESTION_VIEWS. */
export function isSuggestionsView(value: unknown): value is SuggestionsView {
  return (SUGGESTION_VIEWS as readonly unknown[]).includes(value)
}

/** Formats a document can be imported from. */
export type ImportFormat = 'markdown' | 'html'
