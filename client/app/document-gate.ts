import { useCallback, useEffect, useRef, useState } from 'react'
import type { TandemProvider, TokenSource } from '../provider/tandem-provider.js'
import { SyncState, type SyncStatus } from '../provider/sync-status.js'
import { tokenFor } from './access-token.js'
import { TokenRefused } from './document-tokens.js'
import { documentTokens, isSignInOffered, type SessionState } from './sign-in.js'
import { ErrorCode } from '../../shared/errors.js'
import type { Role } from '../../shared/roles.js'

/**
 * Whether the editor page may open its document, and with which tokens:
 * - `checking`: the session (or, with sign-in, the first token) is not known yet;
 * - `open`: connect, with no token (open mode, or AUTH_SECRET without a link: the server says why
 *   not), a share link's, or the session's (sign-in);
 * - `sign-in-needed`: the server offers sign-in, nobody is signed in and the link is off;
 * - `no-access`: signed in, but the document is not shared with this person (any more).
 */
export type DocumentGate =
  | { kind: 'checking' }
  | { kind: 'open'; tokens: 'none' | 'link' | 'session' }
  | { kind: 'sign-in-needed'; hadAccess: boolean }
  | { kind: 'no-access'; hadAccess: boolean }

export interface DocumentAccessState {
  gate: DocumentGate
  /** The role the latest session token grants; null without session tokens (the server's /access says). */
  sessionRole: Role | null
  /** For the provider: asked before every connection attempt. */
  token: TokenSource | undefined
  /** The server refused a token: the page closes the document and says why. */
  refuse(error: TokenRefused): void
  /** A fresh session token carried this role. */
  noteRole(role: Role): void
}

/** Refusals that a new token may cure: access changed (revoked), a token lapsed, or the page's is stale. */
const RENEWABLE_ERRORS = new Set<string>([
  ErrorCode.TokenRevoked,
  ErrorCode.TokenExpired,
  ErrorCode.Unauthorized,
  ErrorCode.Forbidden,
])

function refusedGate(error: TokenRefused, hadAccess: boolean): DocumentGate {
  return error.status === 401 ? { kind: 'sign-in-needed', hadAccess } : { kind: 'no-access', hadAccess }
}

/**
 * Decides how the editor page reaches `docId`. Without sign-in this is what it always was (a
 * link's token, or none); with sign-in and no link the first token is fetched before connecting,
 * so a person without access sees why instead of an editor that cannot connect.
 */
export function useDocumentAccess(docId: string, session: SessionState | null): DocumentAccessState {
  const [hasLinkToken] = useState(() => tokenFor(docId) !== undefined)
  const [gate, setGate] = useState<DocumentGate>(() =>
    hasLinkToken ? { kind: 'open', tokens: 'link' } : { kind: 'checking' },
  )
  const [sessionRole, setSessionRole] = useState<Role | null>(null)
  const isSessionChecked = session !== null
  const usesSessionTokens = session !== null && isSignInOffered(session) && !hasLinkToken

  useEffect(() => {
    if (hasLinkToken || !isSessionChecked) return
    if (!usesSessionTokens) {
      setGate({ kind: 'open', tokens: 'none' })
      return
    }
    let isCurrent = true
    documentTokens.get(docId).then(
      (token) => {
        if (!isCurrent) return
        if (token?.role) setSessionRole(token.role)
        setGate({ kind: 'open', tokens: 'session' })
      },
      (error: unknown) => {
        if (!isCurrent) return
        // Offline or a server error: open anyway (the local copy shows) and let the provider retry.
        setGate(error instanceof TokenRefused ? refusedGate(error, false) : { kind: 'open', tokens: 'session' })
      },
    )
    return () => {
      isCurrent = false
    }
  }, [docId, hasLinkToken, isSessionChecked, usesSessionTokens])

  const refuse = useCallback((error: TokenRefused) => setGate(refusedGate(error, true)), [])
  const noteRole = useCallback((role: Role) => setSessionRole(role), [])

  const tokens = gate.kind === 'open' ? gate.tokens : 'none'
  const token: TokenSource | undefined =
    tokens === 'link'
      ? () => tokenFor(docId) ?? ''
      : tokens === 'session'
        ? async () => {
            try {
              const issued = await documentTokens.get(docId)
              if (issued?.role) noteRole(issued.role)
              return issued?.token ?? ''
            } catch (error) {
              if (error instanceof TokenRefused) refuse(error)
              throw error
            }
          }
        : undefined
  return { gate, sessionRole, token, refuse, noteRole }
}

/**
 * Access changes live: when the server ends the connection because the token was revoked (the
 * owner changed this person's role or took it away, or turned the link down) or no longer holds,
 * ask for a new one. A role comes back: reconnect with it (the UI follows the role). A refusal:
 * the page says so, and nothing local is sent anywhere. Once per connection, so a server that
 * keeps refusing shows its reason instead of a loop.
 */
export function useAccessRecovery(
  docId: string,
  provider: TandemProvider | null,
  status: SyncStatus,
  access: DocumentAccessState,
): void {
  const hasRenewed = useRef(false)
  const usesSessionTokens = access.gate.kind === 'open' && access.gate.tokens === 'session'
  const { refuse, noteRole } = access
  const errorCode = status.error?.errorCode
  const isConnected =
    status.state === SyncState.Connected || status.state === SyncState.Saving || status.state === SyncState.Saved

  useEffect(() => {
    if (isConnected) hasRenewed.current = false
  }, [isConnected])

  useEffect(() => {
    if (!provider || !usesSessionTokens || !errorCode || !RENEWABLE_ERRORS.has(errorCode)) return
    if (hasRenewed.current) return
    hasRenewed.current = true
    documentTokens.renew(docId).then(
      (token) => {
        if (provider.isDestroyed) return
        if (token?.role) noteRole(token.role)
        provider.connect()
      },
      (error: unknown) => {
        if (error instanceof TokenRefused) refuse(error)
        // Offline or a server error: the token function retries with backoff.
        else if (!provider.isDestroyed) provider.connect()
      },
    )
  }, [docId, provider, usesSessionTokens, errorCode, refuse, noteRole])
}
