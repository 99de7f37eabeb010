/**
 * Suggestion cards stand among thread cards and are activated, aligned and highlighted by the same
 * id; this prefix tells a suggestion's card id from a thread's (thread ids never contain a colon).
 */
const SUGGESTION_KEY_PREFIX = 'suggestion:'

/** The id a suggestion's card is known by among thread cards. */
export function suggestionKey(suggestionId: string): string {
  return SUGGESTION_KEY_PREFIX + suggestionId
}

/** The suggestion id in a card id, or null for a thread's card. */
export function suggestionIdOf(key: string | null): string | null {
  return key?.startsWith(SUGGESTION_KEY_PREFIX) ? key.slice(SUGGESTION_KEY_PREFIX.length) : null
}
