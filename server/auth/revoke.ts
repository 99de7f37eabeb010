import { ErrorCode, SyncError } from '../../shared/errors.js'
import { openStorage } from '../storage/open-storage.js'
import type { StorageSettings } from '../storage/storage-backend.js'
import { RevocationKind, type Revocation, type RevocationStore } from './revocation-store.js'
import { readRevocableToken } from './tokens.js'

/** A JWT's three base64url parts; anything else is taken as a bare `jti`. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

export interface RevokeOptions extends StorageSettings {
  /** An open store instead of `databaseUrl`/`dataDir` (e.g. `server.revocations` in-process). */
  store?: RevocationStore
  /** Milliseconds since the epoch; default now. */
  now?: number
}

export interface RevokeTokenOptions extends RevokeOptions {
  /**
   * The whole token (its signature is checked against `secret`, its expiry is not) or its bare
   * `jti`. A whole token lets the entry be forgotten once the token has expired; a bare jti is kept.
   */
  token: string
  /** AUTH_SECRET: needed to check a whole token's signature. */
  secret?: string
}

/**
 * Revokes one token: every server using this storage refuses it from its next poll (REVOCATION_POLL_MS)
 * and closes connections that hold it. For an embedding app's backend, next to `mintToken()`.
 */
export async function revokeToken(options: RevokeTokenOptions): Promise<Revocation> {
  let tokenId = options.token.trim()
  let expiresAt: number | null = null
  if (JWT_SHAPE.test(tokenId)) {
    if (!options.secret) throw new Error('revoking a whole token needs the secret that signed it (AUTH_SECRET)')
    ;({ tokenId, expiresAt } = await readRevocableToken(tokenId, options.secret))
  } else if (tokenId === '' || tokenId.length > 200) {
    throw new SyncError(ErrorCode.BadRequest, 'give a token or its jti (at most 200 characters)')
  }
  return withStore(options, (store) =>
    store.add({ kind: RevocationKind.Token, subject: tokenId, revokedAt: options.now ?? Date.now(), expiresAt }),
  )
}

export interface RevokeUserOptions extends RevokeOptions {
  /** The user's id: the tokens' `sub` (`mintToken({ userId })`, `tandem token --user-id`). */
  userId: string
}

/**
 * Revokes every token of one user issued up to now (to the second: JWT `iat` has whole seconds);
 * tokens minted for that user afterwards work. The entry is kept for good.
 */
export async function revokeUser(options: RevokeUserOptions): Promise<Revocation> {
  const userId = options.userId.trim()
  if (userId === '' || userId.length > 200) {
    throw new SyncError(ErrorCode.BadRequest, "give a user id (the tokens' sub, at most 200 characters)")
  }
  return withStore(options, (store) =>
    store.add({ kind: RevocationKind.User, subject: userId, revokedAt: options.now ?? Date.now(), expiresAt: null }),
  )
}

async function withStore<T>(options: RevokeOptions, work: (store: RevocationStore) => Promise<T>): Promise<T> {
  if (options.store) return work(options.store)
  // The list the servers at these settings read: their storage, migrated like theirs.
  const storage = await openStorage(options)
  try {
    return await work(storage.revocations)
  } finally {
    await storage.close()
  }
}
