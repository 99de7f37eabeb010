import type * as Y from 'yjs'
import type { Principal } from '../auth/authenticator.js'
import type { Logger } from '../logger.js'
import type { Connection } from './connection.js'
import type { SuggestOnlyGuard } from './suggest-only-guard.js'
import { suggestOnlyGuardModule } from './suggest-only-loader.js'
import { applyValidatedUpdate, type UpdateLimits } from './update-guard.js'

/** What the comment-role write path needs from its room. */
export interface SuggestOnlyRoom {
  /** The live document (built from storage first if its load was deferred). */
  readonly doc: Y.Doc
  readonly log: Logger
}

/**
 * A room's comment-role writes: the comment role may suggest and nothing more
 * (docs/security.md, "Suggest-only"). Each of its updates is judged on a shadow copy of the
 * document (suggest-only-guard.ts) and applied to the live document only if it changes nothing
 * but its author's suggestions.
 *
 * Who the author is: a token that names a person (AUTH_SECRET set, a `name` claim) is the author,
 * so its suggestions must carry the token's `sub`. Otherwise (no AUTH_SECRET, or a link several
 * people share) the author id is the browser's claim, as for comments: the connection is pinned to
 * the author of its first allowed suggestion and may not speak for another afterwards. A claim is
 * not proof: two browsers may claim one id, and a new connection may claim another.
 */
export class SuggestOnlyWrites {
  private guard: SuggestOnlyGuard | null = null
  /** The author each unverified connection is pinned to, from its first allowed suggestion. */
  private readonly pinned = new Map<Connection, string>()

  constructor(private readonly room: SuggestOnlyRoom) {}

  /** Starts loading the check (a comment-role client joined), so its first update rarely waits. */
  prepare(): void {
    suggestOnlyGuardModule()
  }

  /**
   * Judges a comment-role update and applies it to the live document (origin: the connection) if
   * it only suggests. False when refused: nothing was applied. Throws SyncError for an update that
   * cannot be decoded or applied at all.
   */
  apply(connection: Connection, principal: Principal, update: Uint8Array, limits: UpdateLimits): boolean {
    const module = suggestOnlyGuardModule()
    if (!module) {
      // Connections wait for the load before joining (suggestOnlyReadyFor); this is a token refreshed
      // to the comment role meanwhile, or a failed load. Refusing is the safe side.
      this.room.log.warn({ connectionId: connection.id }, 'suggestion refused: the check is not loaded')
      return false
    }
    const guard = (this.guard ??= new module.SuggestOnlyGuard(this.room.doc))
    const isVerified = principal.isVerified && principal.name !== undefined
    const author = isVerified ? principal.userId : (this.pinned.get(connection) ?? null)
    const verdict = guard.judge(update, author, limits)
    if (!verdict.isAllowed) {
      this.room.log.info({ connectionId: connection.id, reason: verdict.reason }, 'suggestion refused')
      return false
    }
    if (!isVerified && verdict.author !== null) this.pinned.set(connection, verdict.author)
    applyValidatedUpdate(this.room.doc, update, connection, limits)
    return true
  }

  /** A connection left; with no comment-role client left, the shadow copy is let go. */
  forget(connection: Connection, isLastCommenter: boolean): void {
    this.pinned.delete(connection)
    if (isLastCommenter) this.dispose()
  }

  dispose(): void {
    this.guard?.dispose()
    this.guard = null
  }
}
