/**
 * What a revocation names: one token by its `jti`, every token of one user (`sub`), one person's
 * tokens for one document (sharing removed or lowered), or every token for one document (its link
 * turned off), each issued until then.
 */
export const RevocationKind = {
  Token: 'token',
  User: 'user',
  /** Subject `<docId>:<userId>` (see accessSubject): one person's access to one document. */
  Access: 'access',
  /** Subject `<docId>`: every token naming exactly that document. */
  Document: 'document',
} as const
export type RevocationKind = (typeof RevocationKind)[keyof typeof RevocationKind]

export interface NewRevocation {
  kind: RevocationKind
  /** The token's `jti` (kind `token`), the user's `sub` (kind `user`), accessSubject() or a document id. */
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

/** The subject of an `access` revocation: document ids hold no `:`, so the first one splits it. */
export function accessSubject(docId: string, userId: string): string {
  return `${docId}:${userId}`
}
