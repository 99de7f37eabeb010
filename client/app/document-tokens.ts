/**
 * Where the web app's document tokens come from: one place, used by the sync provider (its token
 * function asks at every connection attempt) and by every REST call (client/app/docs-api.ts).
 *
 * - A share link's token (`?token=`, client/app/access-token.ts) wins for its document: people
 *   outside the organisation open links without signing in.
 * - On a server with sign-in, a token for exactly the role the person holds comes from
 *   `POST /auth/token`; it is kept in memory (never in storage) until shortly before it expires.
 * - Otherwise (open mode, or AUTH_SECRET links without one) there is no token.
 *
 * No DOM here (the unit tests check this module as Node code): the server and the clock are passed in.
 */
import { tokenClaim, tokenRole } from '../editor/comments/token-claims.js'
import type { Role } from '../../shared/roles.js'

/** What `POST /auth/token` answers. */
export interface IssuedToken {
  token: string
  role: Role
  /** The server's clock: when the token stops being accepted. */
  expiresAt: string
  signedIn: boolean
}

/** A document's token as the app uses it. */
export interface DocumentToken {
  token: string
  /** The role it grants (a link's unverified claim; null when a link token names none). */
  role: Role | null
  /** `link`: a `?token=` share link's; `session`: minted for this browser's session or the document's link setting. */
  source: 'link' | 'session'
}

/** The server refused to mint one: 401 (sign in first) or 403 (no access); not retried. */
export class TokenRefused extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message)
    this.name = 'TokenRefused'
  }
}

export interface DocumentTokensOptions {
  /** The share link's token for `docId` (or the list's, without one), if this browser was given one. */
  linkToken(docId: string | undefined): string | undefined
  /**
   * Asks the server (`POST /auth/token`); resolves null when it offers no sign-in. Throws TokenRefused
   * for a verdict, anything else for a failure worth retrying (offline, 5xx).
   */
  issue(docId: string): Promise<IssuedToken | null>
  /** Milliseconds since the epoch (injected for the tests). */
  now?: () => number
}

/**
 * A token is asked for again this long before it expires, so a connection attempt or a request
 * never sets out with one that lapses on the way. Capped at a quarter of the token's life for
 * servers configured with very short tokens.
 */
export const RENEW_BEFORE_EXPIRY_MS = 60_000

interface CachedToken {
  issued: DocumentToken
  /** On this browser's clock: when to ask again. */
  renewAt: number
}

/** Document tokens for this page: link tokens first, else session tokens cached per document. */
export class DocumentTokens {
  private readonly cache = new Map<string, CachedToken>()
  private readonly pending = new Map<string, Promise<DocumentToken | null>>()
  private readonly now: () => number

  constructor(private readonly options: DocumentTokensOptions) {
    this.now = options.now ?? Date.now
  }

  /**
   * The token to use for `docId` (or, without one, for the document list: a link's only), or null
   * when there is none to send. Concurrent callers share one request.
   */
  async get(docId?: string): Promise<DocumentToken | null> {
    const link = this.options.linkToken(docId)
    if (link) return { token: link, role: tokenRole(link), source: 'link' }
    if (docId === undefined) return null
    const cached = this.cache.get(docId)
    if (cached && this.now() < cached.renewAt) return cached.issued
    const inFlight = this.pending.get(docId)
    if (inFlight) return inFlight
    const request = this.fetch(docId).finally(() => this.pending.delete(docId))
    this.pending.set(docId, request)
    return request
  }

  /** Forgets the cached token (the server refused it, or access changed) so the next `get` asks. */
  forget(docId: string): void {
    this.cache.delete(docId)
  }

  /** Forgets the cached token and asks again. */
  renew(docId: string): Promise<DocumentToken | null> {
    this.forget(docId)
    return this.get(docId)
  }

  private async fetch(docId: string): Promise<DocumentToken | null> {
    const askedAt = this.now()
    const issued = await this.options.issue(docId)
    if (!issued) return null
    const token: DocumentToken = { token: issued.token, role: issued.role, source: 'session' }
    this.cache.set(docId, { issued: token, renewAt: askedAt + renewAfterMs(issued, askedAt) })
    return token
  }
}

/**
 * How long after asking to keep the token. Its lifetime comes from the server's own clock (`exp`
 * minus `iat`), so a browser whose clock is minutes off neither hoards expired tokens nor asks
 * for one at every call.
 */
function renewAfterMs(issued: IssuedToken, askedAt: number): number {
  const expiresAt = Date.parse(issued.expiresAt)
  const issuedAt = numericClaim(issued.token, 'iat')
  const lifetime = issuedAt === null ? expiresAt - askedAt : expiresAt - issuedAt * 1000
  if (!Number.isFinite(lifetime) || lifetime <= 0) return 0
  return lifetime - Math.min(RENEW_BEFORE_EXPIRY_MS, lifetime / 4)
}

function numericClaim(token: string, name: string): number | null {
  const value = tokenClaim(token, name)
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}
