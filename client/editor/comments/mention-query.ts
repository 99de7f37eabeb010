/** The `@name` being typed in a comment box (the composer's mention picker), found from the caret. */

/** Longest `@query` the picker follows: past it, the text is not a name being typed. */
export const MAX_MENTION_QUERY_CHARS = 100

export interface MentionQuery {
  /** Where the `@` is. */
  start: number
  /** Where the word ends (the caret may be inside it): a pick replaces `start`..`end`. */
  end: number
  /** What follows the `@` up to the caret: the filter. */
  query: string
}

/**
 * The `@query` word the caret is in or just after, or null. A word starts after whitespace or at the
 * start of the text; an address typed mid-word (`ann@example.com`) is no query, and neither is a
 * mention already written (`@[…](…)`).
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  if (caret < 0 || caret > text.length) return null
  const earliest = Math.max(0, caret - MAX_MENTION_QUERY_CHARS - 1)
  let start = caret
  while (start > earliest && !isSpace(text[start - 1]!)) start--
  if (start > 0 && !isSpace(text[start - 1]!)) return null // longer than any query
  if (text[start] !== '@') return null
  const query = text.slice(start + 1, caret)
  if (query === '' || /[[\]()]/.test(query)) return null
  let end = caret
  while (end < text.length && end - start <= MAX_MENTION_QUERY_CHARS && !isSpace(text[end]!)) end++
  return { start, end, query }
}

/** `text` with `start`..`end` replaced by `insert`, and the caret just after it. */
export function replaceRange(
  text: string,
  start: number,
  end: number,
  insert: string,
): { text: string; caret: number } {
  return { text: text.slice(0, start) + insert + text.slice(end), caret: start + insert.length }
}

function isSpace(char: string): boolean {
  return /\s/.test(char)
}
