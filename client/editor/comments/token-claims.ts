/**
 * A token's claims, read in the browser without verifying: the server verifies every token; the
 * client only reads them to pick which buttons to show, to tell its own comments, and to time the
 * renewal of the web app's tokens. It imports only shared/, so any module may use it.
 */
import { isRole, type Role } from '../../../shared/roles.js'

/** A JWT claim, read without verifying. */
export function tokenClaim(token: string | undefined, claim: string): unknown {
  const payload = token?.split('.')[1]
  if (!payload) return null
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    return (JSON.parse(json) as Record<string, unknown>)[claim]
  } catch {
    return null
  }
}

/** The JWT `sub` claim (the person a token names), unverified. */
export function tokenSubject(token: string | undefined): string | null {
  const sub = tokenClaim(token, 'sub')
  return typeof sub === 'string' ? sub : null
}

/**
 * The JWT `role` claim, unverified: what the editor opens as before the server has said (a comment
 * link must not open in Editing for the moment it takes to ask).
 */
export function tokenRole(token: string | undefined): Role | null {
  const role = tokenClaim(token, 'role')
  return isRole(role) ? role : null
}
