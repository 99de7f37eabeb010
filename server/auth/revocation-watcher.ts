import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { Logger } from '../logger.js'
import { accessSubject, RevocationKind, type Revocation, type RevocationStore } from './revocation-store.js'

/** The parts of a principal a revocation can name (Principal has them; kept narrow for tests). */
export interface RevocableIdentity {
  /** JWT `jti`; undefined for tokens without one (only their user can be revoked). */
  tokenId: string | undefined
  /** JWT `sub`. */
  userId: string
  /** Milliseconds since the epoch (JWT `iat`); undefined counts as issued before any revocation. */
  issuedAt: number | undefined
  /** False without auth: nothing to revoke. */
  isVerified: boolean
  /** The document (or pattern) the token names; access and document revocations match exact ids only. */
  docPattern?: string
}

export const REVOKED_MESSAGE = 'access to this document was revoked; ask for a new link'

/** Expired entries are forgotten this often (in memory and in the store): revocations are rare, so rarely. */
const PRUNE_INTERVAL_MS = 10 * 60_000

export interface RevocationWatcherOptions {
  store: RevocationStore
  /** How often the store is read for new revocations (REVOCATION_POLL_MS). */
  pollMs: number
  log: Logger
  now?: () => number
}

interface Watch {
  identity: RevocableIdentity
  onRevoked: (error: SyncError) => void
}

/**
 * Every instance's copy of the revocation list: loaded at start, then polled for entries newer than
 * the last one seen, so checking a token stays in memory (no query per connection) and a revocation
 * made anywhere (another instance, the CLI, an embedding backend) ends the matching live sessions
 * here within one poll interval. Sessions register the principal they hold with `watch`.
 */
export class RevocationWatcher {
  private lastSeenId = 0
  /** Revoked token ids, with the token's own expiry (null: unknown, kept). */
  private readonly tokens = new Map<string, number | null>()
  /** Per user, the latest revocation time: their tokens issued in or before that second are refused. */
  private readonly users = new Map<string, number>()
  /** Per accessSubject(docId, userId), the latest revocation time of that person's access. */
  private readonly accesses = new Map<string, number>()
  /** Per document, the latest revocation time of every token naming it. */
  private readonly documents = new Map<string, number>()
  private readonly watchesByToken = new Map<string, Set<Watch>>()
  private readonly watchesByUser = new Map<string, Set<Watch>>()
  /** Watches whose token names one document (no `*`), by that id. */
  private readonly watchesByDoc = new Map<string, Set<Watch>>()
  private readonly now: () => number
  private timer: NodeJS.Timeout | null = null
  private lastPrunedAt = 0
  private isFailing = false
  private isStopped = false

  constructor(private readonly options: RevocationWatcherOptions) {
    this.now = options.now ?? Date.now
  }

  /** Loads every revocation (so a restarted instance refuses them from its first request), then polls. */
  async start(): Promise<void> {
    await this.poll()
    this.lastPrunedAt = this.now()
    this.schedule()
  }

  /** Stops polling (shutdown). The store is the caller's to close. */
  stop(): void {
    this.isStopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** The refusal for a revoked identity, or null when it may proceed. */
  revocationOf(identity: RevocableIdentity): SyncError | null {
    return this.isRevoked(identity) ? new SyncError(ErrorCode.TokenRevoked, REVOKED_MESSAGE) : null
  }

  /**
   * Calls `onRevoked` once when the identity's token is revoked (at once, on a microtask, if it
   * already is: a poll may land between authorisation and this call); returns the unwatch function.
   */
  watch(identity: RevocableIdentity, onRevoked: (error: SyncError) => void): () => void {
    if (!identity.isVerified) return () => undefined
    const watch: Watch = { identity, onRevoked }
    if (identity.tokenId !== undefined) addTo(this.watchesByToken, identity.tokenId, watch)
    addTo(this.watchesByUser, identity.userId, watch)
    const docId = exactDocId(identity)
    if (docId !== undefined) addTo(this.watchesByDoc, docId, watch)
    if (this.isRevoked(identity)) queueMicrotask(() => this.fire(watch))
    return () => this.unwatch(watch)
  }

  /** Reads revocations newer than the last seen and ends the sessions they name. */
  async poll(): Promise<void> {
    const fresh = await this.options.store.listSince(this.lastSeenId)
    for (const revocation of fresh) this.apply(revocation)
  }

  private apply(revocation: Revocation): void {
    this.lastSeenId = Math.max(this.lastSeenId, revocation.id)
    if (revocation.kind === RevocationKind.Token) {
      this.tokens.set(revocation.subject, revocation.expiresAt)
      for (const watch of [...(this.watchesByToken.get(revocation.subject) ?? [])]) this.fire(watch)
      return
    }
    const times =
      revocation.kind === RevocationKind.User
        ? this.users
        : revocation.kind === RevocationKind.Access
          ? this.accesses
          : this.documents
    times.set(
      revocation.subject,
      Math.max(times.get(revocation.subject) ?? Number.NEGATIVE_INFINITY, revocation.revokedAt),
    )
    // An access subject's user part names the watches to look at; a document's id names its own.
    const watches =
      revocation.kind === RevocationKind.User
        ? this.watchesByUser.get(revocation.subject)
        : revocation.kind === RevocationKind.Access
          ? this.watchesByUser.get(revocation.subject.slice(revocation.subject.indexOf(':') + 1))
          : this.watchesByDoc.get(revocation.subject)
    for (const watch of [...(watches ?? [])]) {
      if (this.isRevoked(watch.identity)) this.fire(watch)
    }
  }

  private isRevoked(identity: RevocableIdentity): boolean {
    if (!identity.isVerified) return false
    if (identity.tokenId !== undefined && this.tokens.has(identity.tokenId)) return true
    if (issuedBy(identity.issuedAt, this.users.get(identity.userId))) return true
    const docId = exactDocId(identity)
    if (docId === undefined) return false
    return (
      issuedBy(identity.issuedAt, this.accesses.get(accessSubject(docId, identity.userId))) ||
      issuedBy(identity.issuedAt, this.documents.get(docId))
    )
  }

  private fire(watch: Watch): void {
    if (!this.unwatch(watch)) return
    const { identity } = watch
    this.options.log.info({ userId: identity.userId, tokenId: identity.tokenId }, 'revoked token: session closed')
    try {
      watch.onRevoked(new SyncError(ErrorCode.TokenRevoked, REVOKED_MESSAGE))
    } catch (error) {
      this.options.log.error({ err: error }, 'closing a revoked session failed')
    }
  }

  /** True when the watch was still registered. */
  private unwatch(watch: Watch): boolean {
    const { tokenId, userId } = watch.identity
    const wasWatched = removeFrom(this.watchesByUser, userId, watch)
    if (tokenId !== undefined) removeFrom(this.watchesByToken, tokenId, watch)
    const docId = exactDocId(watch.identity)
    if (docId !== undefined) removeFrom(this.watchesByDoc, docId, watch)
    return wasWatched
  }

  private schedule(): void {
    if (this.isStopped) return
    // A chain of timeouts, not an interval: a slow database never gets overlapping polls.
    this.timer = setTimeout(() => void this.tick(), this.options.pollMs)
    this.timer.unref()
  }

  private async tick(): Promise<void> {
    try {
      await this.poll()
      if (this.now() - this.lastPrunedAt >= PRUNE_INTERVAL_MS) await this.prune()
      if (this.isFailing) this.options.log.info('revocation polling recovered')
      this.isFailing = false
    } catch (error) {
      // Logged once per outage: the list in memory stays in force, new revocations wait for the database.
      if (!this.isFailing) this.options.log.warn({ err: error }, 'revocation poll failed; retrying')
      this.isFailing = true
    }
    this.schedule()
  }

  private async prune(): Promise<void> {
    const now = this.now()
    this.lastPrunedAt = now
    for (const [tokenId, expiresAt] of this.tokens) {
      if (expiresAt !== null && expiresAt < now) this.tokens.delete(tokenId)
    }
    // Every instance prunes; the deletes are idempotent and rare.
    await this.options.store.prune(now)
  }
}

/**
 * True when a token issued at `issuedAt` falls under a revocation at `revokedAt`. JWT `iat` usually
 * has whole seconds: such a token issued in the revocation's second may predate it, so it goes too.
 * Tokens this server mints for signed-in people carry milliseconds (server/people/document-tokens.ts),
 * so one fetched right after a sharing change is told apart from those it revoked.
 */
function issuedBy(issuedAt: number | undefined, revokedAt: number | undefined): boolean {
  if (revokedAt === undefined) return false
  if (issuedAt === undefined) return true
  if (issuedAt % 1000 !== 0) return issuedAt <= revokedAt
  return Math.floor(issuedAt / 1000) <= Math.floor(revokedAt / 1000)
}

/** The one document a token names, or undefined for a pattern (`team-*`) or no pattern. */
function exactDocId(identity: RevocableIdentity): string | undefined {
  const pattern = identity.docPattern
  return pattern === undefined || pattern.includes('*') ? undefined : pattern
}

function addTo(map: Map<string, Set<Watch>>, key: string, watch: Watch): void {
  let set = map.get(key)
  if (!set) map.set(key, (set = new Set()))
  set.add(watch)
}

function removeFrom(map: Map<string, Set<Watch>>, key: string, watch: Watch): boolean {
  const set = map.get(key)
  if (!set?.delete(watch)) return false
  if (set.size === 0) map.delete(key)
  return true
}
