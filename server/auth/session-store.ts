/** A signed-in browser, as stored: the cookie holds a secret whose hash is `id`. */
export interface Session {
  /** SHA-256 of the cookie's secret (base64url): a leaked table holds no usable cookie. */
  id: string
  personId: string
  /** Sent back in the X-CSRF-Token header on every state-changing request the cookie authorises. */
  csrfToken: string
  /** The provider's ID token, for `id_token_hint` at RP-initiated logout; null when not kept. */
  idToken: string | null
  /** Milliseconds since the epoch. */
  createdAt: number
  /** Milliseconds since the epoch; the session is refused after it. */
  expiresAt: number
}

/**
 * Sessions in the server's storage, so any instance serves any session and signing out everywhere
 * reaches every device. Implementations: storage/memory, storage/sqlite, storage/postgres; all pass
 * test/contracts/session-store.test.ts.
 */
export interface SessionStore {
  /** Stores a new session; durable when the promise resolves. */
  create(session: Session): Promise<void>
  /** The session with this id (expired ones too: the caller checks `expiresAt`), or null. */
  get(id: string): Promise<Session | null>
  /** Removes one session (sign-out); true when it existed. */
  delete(id: string): Promise<boolean>
  /** Removes every session of one person (sign out everywhere); returns how many. */
  deleteForPerson(personId: string): Promise<number>
  /** Removes sessions whose `expiresAt` is before `now`; returns how many. */
  prune(now: number): Promise<number>
}
