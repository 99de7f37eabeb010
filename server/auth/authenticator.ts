import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { READ_ONLY_REASON } from '../../shared/protocol/refused-change.js'
import type { RevocationWatcher } from './revocation-watcher.js'
import { docPatternMatches, verifyToken, type TokenClaims } from './tokens.js'
import { Role } from '../../shared/roles.js'

/** Who is on the other end of a connection or request, and what they may do. */
export interface Principal {
  role: Role
  userId: string
  /** Display name from the token; undefined without auth (clients choose their own). */
  name: string | undefined
  /** Milliseconds since the epoch; Infinity without auth. */
  expiresAt: number
  /** The document pattern the credentials cover (`*` without auth). */
  docPattern: string
  /** True when identity comes from a verified token (names are then stamped on presence). */
  isVerified: boolean
  /** The token's `jti`, which `tandem token revoke` names; undefined without auth. */
  tokenId: string | undefined
  /** Milliseconds since the epoch (the token's `iat`), for revoking a user's older tokens; undefined without auth. */
  issuedAt: number | undefined
}

/** The seam every transport binding and the REST API authenticate through. */
export interface Authenticator {
  /** True when credentials are required (AUTH_SECRET set). */
  readonly isEnabled: boolean
  /** Principal for `docId`, or throws SyncError (Unauthorized, TokenExpired, Forbidden). */
  authorize(token: string | undefined, docId: DocId): Promise<Principal>
  /** Principal for requests not about one document (listing); throws like `authorize`. */
  authenticate(token: string | undefined): Promise<Principal>
  /**
   * Calls `onRevoked` once if the principal's token is revoked while a session holds it, and returns
   * the function that stops watching. Optional: without it a revocation takes effect at the next connect.
   */
  watchRevocation?(principal: Principal, onRevoked: (error: SyncError) => void): () => void
}

/** No AUTH_SECRET: everyone may edit everything (a private network or a local install). */
export class OpenAuthenticator implements Authenticator {
  readonly isEnabled = false
  async authorize(): Promise<Principal> {
    return OPEN_PRINCIPAL
  }
  async authenticate(): Promise<Principal> {
    return OPEN_PRINCIPAL
  }
}

export const OPEN_PRINCIPAL: Principal = Object.freeze({
  role: Role.Edit,
  userId: 'anonymous',
  name: undefined,
  expiresAt: Number.POSITIVE_INFINITY,
  docPattern: '*',
  isVerified: false,
  tokenId: undefined,
  issuedAt: undefined,
})

/**
 * AUTH_SECRET set: every document endpoint needs a signed token naming the document and a role.
 * With `revocations`, revoked tokens are refused (from memory) and their live sessions are ended.
 */
export class TokenAuthenticator implements Authenticator {
  readonly isEnabled = true

  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
    private readonly revocations?: RevocationWatcher,
  ) {}

  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) throw new SyncError(ErrorCode.Unauthorized, 'a token is required (?token= or Authorization: Bearer)')
    const principal = toPrincipal(await verifyToken(token, this.secret, this.now()))
    const revoked = this.revocations?.revocationOf(principal)
    if (revoked) throw revoked
    return principal
  }

  watchRevocation(principal: Principal, onRevoked: (error: SyncError) => void): () => void {
    return this.revocations?.watch(principal, onRevoked) ?? (() => undefined)
  }

  async authorize(token: string | undefined, docId: DocId): Promise<Principal> {
    const principal = await this.authenticate(token)
    if (!docPatternMatches(principal.docPattern, docId)) {
      throw new SyncError(ErrorCode.Forbidden, `token does not grant access to document ${docId}`)
    }
    return principal
  }
}

function toPrincipal(claims: TokenClaims): Principal {
  return {
    role: claims.role,
    userId: claims.userId,
    name: claims.name,
    expiresAt: claims.expiresAt,
    docPattern: claims.docPattern,
    isVerified: true,
    tokenId: claims.tokenId,
    issuedAt: claims.issuedAt,
  }
}

/** Throws unless the principal may change documents. */
export function requireEdit(principal: Principal, what: string): void {
  if (principal.role !== Role.Edit)
    throw new SyncError(ErrorCode.ReadOnly, `${readOnlyReason(principal.role)}: cannot ${what}`)
}

/** Why a role may not change the content, as the app shows it. */
export function readOnlyReason(role: Role): string {
  return role === Role.Comment ? READ_ONLY_REASON.comment : READ_ONLY_REASON.view
}
