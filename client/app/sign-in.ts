import { useEffect, useState } from 'react'
import { tokenFor } from './access-token.js'
import { DocumentTokens, TokenRefused, type IssuedToken } from './document-tokens.js'

/** A signed-in person as the server describes them (GET /auth/session). */
export interface SignedInPerson {
  id: string
  name: string
  email: string | null
  colour: string
}

/**
 * Sign-in as this server offers it (docs/operations.md, "Sign-in"): `unavailable` without
 * OIDC_ISSUER (the server has no /auth routes, and nothing about sign-in is shown).
 */
export type SessionState =
  | { kind: 'unavailable' }
  | { kind: 'signed-out' }
  | { kind: 'signed-in'; person: SignedInPerson; isAdmin: boolean; csrfToken: string }

interface SessionBody {
  signedIn: boolean
  person?: SignedInPerson
  isAdmin?: boolean
  csrfToken?: string
}

/** Asks the server who is signed in in this browser. */
async function loadSession(): Promise<SessionState> {
  const response = await fetch('/auth/session', { headers: { Accept: 'application/json' } })
  if (response.status === 404) return { kind: 'unavailable' }
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
  const body = (await response.json()) as SessionBody
  if (!body.signedIn || !body.person || !body.csrfToken) return { kind: 'signed-out' }
  return { kind: 'signed-in', person: body.person, isAdmin: body.isAdmin === true, csrfToken: body.csrfToken }
}

/** Where the "Sign in" button goes: the server's /auth/login, back to this page afterwards. */
export function signInHref(returnTo = `${location.pathname}${location.search}`): string {
  return `/auth/login?returnTo=${encodeURIComponent(returnTo)}`
}

/** Ends the session and follows the server to the provider's sign-out (or home). */
export async function signOut(csrfToken: string): Promise<void> {
  const response = await fetch('/auth/logout', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
    body: '{}',
  })
  const body = (await response.json().catch(() => null)) as { redirectTo?: string } | null
  location.assign(body?.redirectTo ?? '/')
}

let sessionRequest: Promise<SessionState> | null = null

/**
 * The session, asked for once per page load and shared by every part of the app (signing in and
 * out both load a new page). A server that cannot say counts as unavailable: nothing about sign-in
 * is shown, as before sign-in existed.
 */
export function currentSession(): Promise<SessionState> {
  sessionRequest ??= loadSession().catch((): SessionState => ({ kind: 'unavailable' }))
  return sessionRequest
}

/** The session; null while loading. */
export function useSession(): SessionState | null {
  const [session, setSession] = useState<SessionState | null>(null)
  useEffect(() => {
    let isCurrent = true
    void currentSession().then((state) => isCurrent && setSession(state))
    return () => {
      isCurrent = false
    }
  }, [])
  return session
}

/** Whether the server offers sign-in: the app then takes document tokens from /auth/token. */
export function isSignInOffered(session: SessionState): boolean {
  return session.kind !== 'unavailable'
}

/**
 * `POST /auth/token`: a token for the role this browser holds on `docId` (signed in, with the
 * session's CSRF token; or through the document's link setting). Null on a server without sign-in.
 */
async function requestDocumentToken(docId: string): Promise<IssuedToken | null> {
  const session = await currentSession()
  if (!isSignInOffered(session)) return null
  const response = await fetch('/auth/token', {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      ...(session.kind === 'signed-in' ? { 'X-CSRF-Token': session.csrfToken } : {}),
    },
    body: JSON.stringify({ docId }),
  })
  if (response.status === 401 || response.status === 403) {
    const body = (await response.json().catch(() => null)) as { message?: string } | null
    throw new TokenRefused(response.status, body?.message ?? `HTTP ${response.status}`)
  }
  if (!response.ok) throw new Error(`could not get access to the document (HTTP ${response.status})`)
  return (await response.json()) as IssuedToken
}

/** This page's document tokens: the one cache the editor's provider and every REST call share. */
export const documentTokens = new DocumentTokens({ linkToken: tokenFor, issue: requestDocumentToken })
