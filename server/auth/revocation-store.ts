/** What a revocation names: one token by its `jti`, or every token of one user (`sub`) issued until then. */
export const RevocationKind = {
  Token: 'token',
  User: 'user',
} as const
export type RevocationKind = (typeof RevocationKind)[keyof typeof RevocationKind]

export interface NewRevocation {
  kind: RevocationKind
  /** The token's `jti` (kind `token`) or the user's `sub` (kind `user`). */
  subject: string
  /**
   * Milliseconds since the epoch. For a user: tokens of that user whose `iat` falls in this second
   * or earlier are refused (JWT `iat` has whole seconds); tokens issued later work.
   */
  revokedAt: number
  /**
   * Milliseconds since the epoch; token revocations only. After it the token is refused as expired
   * anyway, so the entry may be pruned. Null: kept for good (a bare jti, a user).
   */
  expiresAt: number | null
}

export interface Revocation extends NewRevocation {
  /** Position in the store's log: every revocation gets a larger id than those visible before it. */
  id: number
}

/**
 * Revoked tokens, in the server's own database so every instance and the CLI see the same list.
 * Implementations: storage/memory, storage/sqlite, storage/postgres; all pass
 * test/contracts/revocation-store.test.ts.
 */
export interface RevocationStore {
  /** Records a revocation; durable when the promise resolves. */
  add(revocation: NewRevocation): Promise<Revocation>
  /**
   * Revocations with an id above `afterId`, in id order. No gaps: once a caller has seen id n, no
   * revocation with a smaller id can appear later, so polling with the largest id seen misses nothing.
   */
  listSince(afterId: number): Promise<Revocation[]>
  /** Forgets token revocations whose `expiresAt` is before `now`; returns how many. */
  prune(now: number): Promise<number>
}
