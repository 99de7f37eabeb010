import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'
import { closeCodeFor, closeReason } from '../../shared/protocol/close-codes.js'
import { decodeFrame } from '../../shared/protocol/frames.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import type { Authenticator, Principal } from '../auth/authenticator.js'
import type { ThreadSubscriptions } from '../comments/live-thread-feed.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { ServerLimits } from '../server-limits.js'
import type { Connection } from './connection.js'
import type { DocRoom } from './doc-room.js'
import { budget, type Budget } from './token-bucket.js'

export interface SessionDeps {
  authenticator: Authenticator
  limits: ServerLimits
  log: Logger
  metrics: Metrics
  /** Where a connection that asked for comment threads subscribes; absent, none are delivered. */
  threads?: ThreadSubscriptions
  now?: () => number
}

/** setTimeout's ceiling (about 24.8 days); longer expiries are re-armed when reached. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * One authenticated client in one room, whatever its transport: rate limits, in-band token
 * refresh and expiry live here, so every binding (WebSocket, SSE, long-poll) enforces them alike.
 */
export class ClientSession {
  private readonly messages: Budget
  private readonly bytes: Budget
  private expiryTimer: NodeJS.Timeout | null = null
  private stopWatchingRevocation: (() => void) | null = null
  private isEnded = false
  private isSubscribedToThreads = false
  private readonly now: () => number

  constructor(
    readonly connection: Connection,
    readonly room: DocRoom,
    private principal: Principal,
    private readonly deps: SessionDeps,
  ) {
    this.now = deps.now ?? Date.now
    const { limits } = deps
    this.messages = budget(limits.messageBurst, limits.maxMessagesPerSecond, this.now)
    // The burst allowance is the initial-sync size, so a large offline SyncStep2 gets through.
    this.bytes = budget(limits.maxInitialSyncBytes, limits.maxBytesPerSecond, this.now)
  }

  start(): void {
    this.room.join(this.connection, this.principal)
    // After the join's sync frames: the thread snapshot follows them.
    if (this.connection.wantsThreads) this.subscribeToThreads()
    this.armExpiry()
    this.watchRevocation()
  }

  /** Starts delivering comment threads (a snapshot, then every event); once per session. */
  subscribeToThreads(): void {
    if (this.isEnded || this.isSubscribedToThreads || !this.room.hasClient(this.connection)) return
    this.isSubscribedToThreads = true
    this.deps.threads?.subscribe(this.room.docId, this.connection)
  }

  /** Handles one frame; throws SyncError for the binding to translate into a close. */
  receive(frame: Uint8Array): void {
    if (!this.messages.take(1) || !this.bytes.take(frame.byteLength)) {
      throw new SyncError(ErrorCode.RateLimited, 'too many messages; slow down and reconnect')
    }
    if (frame[0] === MessageType.RefreshToken) return void this.refresh(frame)
    this.room.receive(this.connection, frame)
  }

  end(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer)
    this.expiryTimer = null
    this.isEnded = true
    this.stopWatchingRevocation?.()
    this.stopWatchingRevocation = null
    if (this.isSubscribedToThreads) this.deps.threads?.unsubscribe(this.room.docId, this.connection)
    this.isSubscribedToThreads = false
    this.room.leave(this.connection)
  }

  private async refresh(frame: Uint8Array): Promise<void> {
    const decoded = decodeFrame(frame)
    if (decoded?.type !== MessageType.RefreshToken) {
      return this.fail(new SyncError(ErrorCode.MalformedFrame, 'token refresh frame is malformed'))
    }
    try {
      this.principal = await this.deps.authenticator.authorize(decoded.token, this.room.docId)
    } catch (error) {
      return this.fail(error)
    }
    this.room.setPrincipal(this.connection, this.principal)
    this.armExpiry()
    this.watchRevocation()
    this.deps.log.debug({ connectionId: this.connection.id, role: this.principal.role }, 'token refreshed')
  }

  /** A revocation seen by any instance's poll ends this session as an expiry would. */
  private watchRevocation(): void {
    this.stopWatchingRevocation?.()
    if (this.isEnded) return // a refresh that finished after the connection closed
    this.stopWatchingRevocation =
      this.deps.authenticator.watchRevocation?.(this.principal, (error) => this.fail(error)) ?? null
  }

  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer)
    this.expiryTimer = null
    if (!Number.isFinite(this.principal.expiresAt)) return
    const remaining = this.principal.expiresAt - this.now()
    if (remaining <= 0) {
      return this.fail(new SyncError(ErrorCode.TokenExpired, 'token expired; get a new one'))
    }
    this.expiryTimer = setTimeout(() => this.armExpiry(), Math.min(remaining, MAX_TIMER_MS))
    this.expiryTimer.unref()
  }

  private fail(error: unknown): void {
    const code = error instanceof SyncError ? error.code : ErrorCode.Internal
    const message = errorMessage(error)
    this.deps.metrics.authFailures.inc({ code })
    this.deps.log.info({ connectionId: this.connection.id, docId: this.room.docId, code }, 'session ended')
    this.connection.close(closeCodeFor(code), closeReason(code, message))
  }
}
