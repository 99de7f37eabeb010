import type { CommentAuthor } from '../../shared/comments.js'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { Principal } from '../auth/authenticator.js'
import { ANONYMOUS_AUTHOR, MAX_AUTHOR_NAME_CHARS } from '../sync/author-name.js'

/** The browser's own author id, where no token names a person (docs/protocol.md, "Comments"). */
export const AUTHOR_ID_HEADER = 'X-Tandem-Author-Id'
/** The browser's own display name (UTF-8, percent-encoded as encodeURIComponent does: headers are Latin-1). */
export const AUTHOR_NAME_HEADER = 'X-Tandem-Author-Name'
/** The author id of a browser that sent none. */
export const ANONYMOUS_AUTHOR_ID = 'anonymous'

const AUTHOR_ID = /^[A-Za-z0-9_-]{1,100}$/

/** What the browser says about itself, as the two headers carry it (undefined when absent). */
export interface AuthorClaim {
  id: string | undefined
  name: string | undefined
}

/**
 * Who writes a comment. A token that names a person (AUTH_SECRET set, a `name` claim) is the
 * author: its `sub` and `name`, verified. Otherwise — no AUTH_SECRET, or a link several people
 * share — only the browser's own claim is known: kept, and marked unverified (docs/security.md).
 */
export function commentAuthor(principal: Principal, claim: AuthorClaim): CommentAuthor {
  if (principal.isVerified && principal.name) {
    return { id: principal.userId, name: principal.name, isVerified: true }
  }
  const id = claim.id?.trim() || ANONYMOUS_AUTHOR_ID
  if (!AUTHOR_ID.test(id)) {
    throw new SyncError(ErrorCode.BadRequest, `${AUTHOR_ID_HEADER} must be 1 to 100 letters, digits, _ or -`)
  }
  return { id, name: claimedName(claim.name), isVerified: false }
}

/** Same person: the same id, and verified (or not) alike, so a browser cannot claim a signed-in user's id. */
export function isSameAuthor(a: CommentAuthor, b: CommentAuthor): boolean {
  return a.id === b.id && a.isVerified === b.isVerified
}

function claimedName(raw: string | undefined): string {
  if (raw === undefined) return ANONYMOUS_AUTHOR
  let name = raw
  try {
    name = decodeURIComponent(raw)
  } catch {
    // Not percent-encoded after all: the header's own characters are the name.
  }
  // Control characters would let a name fake line breaks in exports and notifications.
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
  return cleaned ? [...cleaned].slice(0, MAX_AUTHOR_NAME_CHARS).join('') : ANONYMOUS_AUTHOR
}
