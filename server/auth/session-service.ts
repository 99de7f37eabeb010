import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { PeopleStore, Person } from '../people/people-store.js'
import { readCookies, serializeCookie } from './cookies.js'
import type { Session, SessionStore } from './session-store.js'

/** The header a page sends its session's CSRF token in (a cross-site form cannot set headers). */
export const CSRF_HEADER = 'x-csrf-token'

/** Expired sessions are deleted this often (at a sign-in): they are refused anyway, this only tidies. */
const PRUNE_INTERVAL_MS = 60 * 60_000

/** A request's signed-in person, with the session that proves it. */
export interface SignedIn {
  session: Session
  person: Person
  /** Their email is in ADMIN_EMAILS: they see every document and may transfer ownership. */
  isAdmin: boolean
}

export interface SessionServiceOptions {
  sessions: SessionStore
  people: PeopleStore
  /** How long a session lasts from sign-in. */
  ttlMs: number
  /** PUBLIC_URL is https: the cookie is Secure and takes the `__Host-` prefix. */
  isSecure: boolean
  /** Lowercased emails of administrators (ADMIN_EMAILS). */
  adminEmails: ReadonlySet<string>
  now?: () => number
}

/**
 * Server-side sessions behind an httpOnly cookie. The cookie holds 32 random bytes; the store holds
 * their SHA-256, so reading the table gives nobody a usable cookie. Every instance reads the same
 * store: any instance serves any session, and deleting a person's rows signs them out everywhere.
 */
export class SessionService {
  /** `__Host-` (Secure, Path=/, no Domain) keeps a sibling subdomain from planting or shadowing it. */
  readonly cookieName: string
  private readonly now: () => number
  private lastPrunedAt = 0

  constructor(private readonly options: SessionServiceOptions) {
    this.cookieName = options.isSecure ? '__Host-tandem_session' : 'tandem_session'
    this.now = options.now ?? Date.now
  }

  /** Starts a session for a person who just signed in; returns the Set-Cookie value that carries it. */
  async start(personId: string, idToken: string | null): Promise<{ setCookie: string; session: Session }> {
    const secret = randomBytes(32).toString('base64url')
    const now = this.now()
    const session: Session = {
      id: hashSecret(secret),
      personId,
      csrfToken: randomBytes(32).toString('base64url'),
      idToken,
      createdAt: now,
      expiresAt: now + this.options.ttlMs,
    }
    await this.options.sessions.create(session)
    if (now - this.lastPrunedAt >= PRUNE_INTERVAL_MS) {
      this.lastPrunedAt = now
      await this.options.sessions.prune(now)
    }
    const setCookie = serializeCookie(this.cookieName, secret, {
      maxAgeSeconds: this.options.ttlMs / 1000,
      isSecure: this.options.isSecure,
    })
    return { setCookie, session }
  }

  /** The request's signed-in person, or null (no cookie, an unknown or tampered one, an expired session). */
  async read(request: IncomingMessage): Promise<SignedIn | null> {
    const secret = readCookies(request).get(this.cookieName)
    if (!secret || secret.length > 100) return null
    const session = await this.options.sessions.get(hashSecret(secret))
    if (!session) return null
    if (session.expiresAt <= this.now()) {
      await this.options.sessions.delete(session.id)
      return null
    }
    const person = await this.options.people.person(session.personId)
    if (!person) return null
    return { session, person, isAdmin: this.isAdmin(person) }
  }

  /** Like `read`, but throws Unauthorized without a session. */
  async require(request: IncomingMessage): Promise<SignedIn> {
    const signedIn = await this.read(request)
    if (!signedIn) throw new SyncError(ErrorCode.Unauthorized, 'sign in first (your session has ended or never began)')
    return signedIn
  }

  /**
   * Throws Forbidden unless the request carries the session's CSRF token in X-CSRF-Token. Every
   * state-changing request that the cookie authorises calls it: the cookie travels with requests
   * other pages cause, the token only with this app's own.
   */
  checkCsrf(request: IncomingMessage, signedIn: SignedIn): void {
    const sent = request.headers[CSRF_HEADER]
    if (typeof sent !== 'string' || !sameSecret(sent, signedIn.session.csrfToken)) {
      throw new SyncError(ErrorCode.Forbidden, 'missing or wrong X-CSRF-Token header (reload the page)')
    }
  }

  /** Ends this session (sign-out on this device). */
  async end(signedIn: SignedIn): Promise<void> {
    await this.options.sessions.delete(signedIn.session.id)
  }

  /** Ends every session of the person (sign out everywhere); returns how many there were. */
  endEverywhere(personId: string): Promise<number> {
    return this.options.sessions.deleteForPerson(personId)
  }

  /** The Set-Cookie value that removes the session cookie. */
  clearCookie(): string {
    return serializeCookie(this.cookieName, '', { maxAgeSeconds: 0, isSecure: this.options.isSecure })
  }

  isAdmin(person: Person): boolean {
    return person.email !== null && this.options.adminEmails.has(person.email)
  }
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url')
}

/** Constant-time comparison, so the token cannot be guessed a character at a time from response times. */
function sameSecret(sent: string, expected: string): boolean {
  const a = Buffer.from(sent)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
