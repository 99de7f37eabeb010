import { ErrorCode } from '../errors.js'

/**
 * Why a role may not change the content, in the server's words: REST refusals, and the
 * permission-denied frame that answers a refused change on a sync connection. One source for the
 * server that writes them and the client that tells a comment link's refusal from a view link's.
 */
export const READ_ONLY_REASON = {
  view: 'this link is view-only',
  comment: 'this link can comment but not edit',
} as const

/** The permission-denied frame's reason for a change the server refused: `read-only: <why>; changes are not saved`. */
export function refusedChangeReason(role: keyof typeof READ_ONLY_REASON): string {
  return `${ErrorCode.ReadOnly}: ${READ_ONLY_REASON[role]}; changes are not saved`
}

/**
 * True when a permission-denied reason refuses a comment link's change (more than a suggestion).
 * A view link's refusals are not the user's doing (its editor is not editable; a plugin's
 * automatic fix-up is what gets refused), so only these mean the user's work was lost.
 */
export function isSuggestOnlyRefusal(reason: string): boolean {
  return reason === refusedChangeReason('comment')
}
