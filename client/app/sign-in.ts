import { useEffect, useState } from 'react'

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
export async function loadSession(): Promise<SessionState> {
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

/** The session, loaded once per page; null while loading. A server that cannot say counts as unavailable. */
export function useSession(): SessionState | null {
  const [session, setSession] = useState<SessionState | null>(null)
  useEffect(() => {
    let isCurrent = true
    void loadSession()
      .catch((): SessionState => ({ kind: 'unavailable' }))
      .then((state) => isCurrent && setSession(state))
    return () => {
      isCurrent = false
    }
  }, [])
  return session
}
