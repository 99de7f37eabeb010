import type { Principal } from '../auth/authenticator.js'

/** The author of changes the server made itself (import, restore, REST edits). */
export const SERVER_AUTHOR = 'Tandem'
/** The author of a change whose connection has left the room. */
export const UNKNOWN_AUTHOR = 'Unknown'
/** The author of a change by a client that named itself nowhere. */
export const ANONYMOUS_AUTHOR = 'Anonymous'
/** Names chosen by clients are cut to this many characters. */
export const MAX_AUTHOR_NAME_CHARS = 100

/**
 * A name for the author of a client's changes, for version history: the name its token carries,
 * else the `user.name` its awareness state shows (unverified: the client chose it), else Anonymous.
 */
export function authorName(principal: Principal, awarenessState: { user?: unknown } | undefined): string {
  if (principal.name) return principal.name
  const user = awarenessState?.user
  const name = user !== null && typeof user === 'object' ? (user as { name?: unknown }).name : undefined
  return typeof name === 'string' && name.trim() ? name.trim().slice(0, MAX_AUTHOR_NAME_CHARS) : ANONYMOUS_AUTHOR
}

/**
 * The colour a client shows its writer in (its awareness `user.color`, as carets show it), for
 * version history to mark that writer's changes with; null unless a plain `#rrggbb`.
 */
export function authorColor(awarenessState: { user?: unknown } | undefined): string | null {
  const user = awarenessState?.user
  const color = user !== null && typeof user === 'object' ? (user as { color?: unknown }).color : undefined
  return typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color : null
}
