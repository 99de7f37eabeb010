import { randomUUID } from 'node:crypto'
import { compactVerify, decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import { z } from 'zod'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import { Role, ROLES } from '../../shared/roles.js'

/** True when the role may start threads, reply and resolve (comment and edit). */
export function canComment(role: Role): boolean {
  return role === Role.Comment || role === Role.Edit
}

/** Tokens name their audience so a token minted for another service with the same secret fails. */
const AUDIENCE = 'tandem'
const ALGORITHM = 'HS256'
export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 60 * 60
export const MIN_SECRET_LENGTH = 32

export interface MintTokenOptions {
  /** The secret the server runs with (AUTH_SECRET). */
  secret: string
  /** A document id, or a pattern with `*` wildcards (`team-*`, `*` for every document). */
  doc: string
  role: Role
  /** Lifetime in seconds (default one day). */
  ttlSeconds?: number
  /** Display name shown on the user's cursor; the server stamps it on the user's presence. */
  name?: string
  /** Stable user id (JWT `sub`); defaults to a random id. */
  userId?: string
  /**
   * Milliseconds since the epoch, kept to the millisecond in `iat` (default: now, in whole seconds).
   * Sign-in's tokens use it so that one fetched just after a sharing change is not taken for one
   * issued before it (revocations compare issue times).
   */
  issuedAt?: number
}

/**
 * Signs a token for an embedding app's backend or the CLI. Tokens are HS256 JWTs with the claims
 * `doc`, `role`, `name`, `sub`, `aud: "tandem"`, `exp`, `iat` and `jti`.
 */
export async function mintToken(options: MintTokenOptions): Promise<string> {
  checkSecret(options.secret)
  const claims = claimsSchema.pick({ doc: true, role: true, name: true }).parse({
    doc: options.doc,
    role: options.role,
    name: options.name,
  })
  const ttl = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('ttlSeconds must be a positive whole number')
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM })
    .setAudience(AUDIENCE)
    .setSubject(options.userId ?? randomUUID())
    .setJti(randomUUID())
    .setIssuedAt(options.issuedAt === undefined ? undefined : options.issuedAt / 1000)
    .setExpirationTime(Math.floor((options.issuedAt ?? Date.now()) / 1000) + ttl)
    .sign(new TextEncoder().encode(options.secret))
}

const claimsSchema = z.object({
  doc: z.string().regex(/^[A-Za-z0-9_*-]{1,128}$/, 'doc must be a document id or a pattern with *'),
  role: z.enum(ROLES),
  name: z.string().max(100).optional(),
  sub: z.string().max(200).optional(),
  exp: z.number(),
  iat: z.number().optional(),
  jti: z.string().optional(),
})

export interface TokenClaims {
  docPattern: string
  role: Role
  userId: string
  name: string | undefined
  /** Milliseconds since the epoch. */
  expiresAt: number
  /** Milliseconds since the epoch (whole seconds, as JWT `iat`); undefined when the token has none. */
  issuedAt: number | undefined
  /** JWT `jti`: what `tandem token revoke` names. */
  tokenId: string | undefined
}

/** Verifies signature, audience and expiry, and coerces the claims; throws SyncError(Unauthorized). */
export async function verifyToken(token: string, secret: string, now = Date.now()): Promise<TokenClaims> {
  let payload: unknown
  try {
    ;({ payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      audience: AUDIENCE,
      algorithms: [ALGORITHM],
      currentDate: new Date(now),
    }))
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired)
      throw new SyncError(ErrorCode.TokenExpired, 'token expired; get a new one')
    throw new SyncError(ErrorCode.Unauthorized, 'token is invalid or not signed by this server')
  }
  const claims = claimsSchema.safeParse(payload)
  if (!claims.success) throw new SyncError(ErrorCode.Unauthorized, 'token lacks valid doc and role claims')
  return {
    docPattern: claims.data.doc,
    role: claims.data.role,
    userId: claims.data.sub ?? 'anonymous',
    name: claims.data.name,
    expiresAt: claims.data.exp * 1000,
    // Rounded: a millisecond `iat` (see MintTokenOptions.issuedAt) times 1000 is not always whole.
    issuedAt: claims.data.iat === undefined ? undefined : Math.round(claims.data.iat * 1000),
    tokenId: claims.data.jti,
  }
}

/** What revoking one token needs from it. */
export interface RevocableToken {
  tokenId: string
  /** Milliseconds since the epoch; the revocation can be forgotten after this. */
  expiresAt: number | null
}

/**
 * Reads the `jti` and `exp` of a token to revoke it, expired or not: the signature is checked (a
 * token from another server or a typo is refused) but the expiry is not, since revoking a token that
 * is about to expire, or already has, is harmless and saves the caller from checking first.
 */
export async function readRevocableToken(token: string, secret: string): Promise<RevocableToken> {
  try {
    await compactVerify(token, new TextEncoder().encode(secret), { algorithms: [ALGORITHM] })
  } catch {
    throw new SyncError(ErrorCode.Unauthorized, 'token is invalid or not signed with this AUTH_SECRET')
  }
  const payload = decodeJwt(token)
  if (typeof payload.jti !== 'string' || payload.jti === '') {
    throw new SyncError(ErrorCode.BadRequest, 'token has no jti claim, so it cannot be revoked alone; revoke its user')
  }
  return { tokenId: payload.jti, expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null }
}

/** `team-*` matches `team-notes`; `*` matches every document. Only `*` is special. */
export function docPatternMatches(pattern: string, docId: string): boolean {
  if (!pattern.includes('*')) return pattern === docId
  const parts = pattern.split('*').map((part) => part.replace(/[-]/g, '\\-'))
  return new RegExp(`^${parts.join('[A-Za-z0-9_-]*')}$`).test(docId)
}

export function checkSecret(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters (openssl rand -base64 32)`)
  }
}
