import { ErrorCode } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import type { TransportKind } from '../../shared/protocol/transport-kind.js'
import type { Authenticator, Principal } from '../auth/authenticator.js'
import type { ThreadSubscriptions } from '../comments/live-thread-feed.js'
import type { ConnectionLimiter } from '../http/connection-limiter.js'
import type { Logger } from '../logger.js'
import { countConnection, type Metrics } from '../metrics.js'
import type { ServerLimits } from '../server-limits.js'
import { ClientSession } from '../sync/client-session.js'
import { suggestOnlyReadyFor } from '../sync/suggest-only-loader.js'
import type { RoomRegistry } from '../sync/room-registry.js'
import { HttpSession, type HttpSessionLimits } from './http-session.js'

export interface HttpSessionRegistryOptions {
  registry: RoomRegistry
  authenticator: Authenticator
  serverLimits: ServerLimits
  log: Logger
  metrics: Metrics
  limits: HttpSessionLimits
  /** The per-address count shared with WebSocket and signalling connections. */
  connections: ConnectionLimiter
  /** Comment threads for sessions whose stream or poll asks with `?threads=1`. */
  threads?: ThreadSubscriptions
}

/**
 * The HTTP sessions open on this instance, by sid. A session is created by whichever request of a
 * client arrives first (stream, poll or POST), joins its document's room, and leaves it when it
 * ends. Nothing here requires the other requests of that client to reach this instance.
 */
export class HttpSessionRegistry {
  private readonly sessions = new Map<string, HttpSession>()
  private readonly pending = new Map<string, Promise<HttpSession>>()
  /** Sessions the server closed on purpose, so late requests learn the close code (kept one idle period). */
  private readonly tombstones = new Map<string, { code: CloseCode; reason: string; docId: DocId }>()

  constructor(private readonly options: HttpSessionRegistryOptions) {}

  get size(): number {
    return this.sessions.size
  }

  get(sid: string, docId: DocId): HttpSession | undefined {
    const session = this.sessions.get(sid)
    return session && session.docId === docId ? session : undefined
  }

  tombstone(sid: string, docId: DocId): { code: CloseCode; reason: string } | undefined {
    const entry = this.tombstones.get(sid)
    return entry && entry.docId === docId ? entry : undefined
  }

  /** Returns the live session for `sid`, creating (and joining) it if needed; null when at capacity. */
  async open(
    sid: string,
    docId: DocId,
    transport: TransportKind,
    principal: Principal,
    address: string,
  ): Promise<HttpSession | null> {
    const existing = this.get(sid, docId)
    if (existing && !existing.isClosed) return existing
    const inFlight = this.pending.get(sid)
    if (inFlight) return inFlight
    if (this.sessions.size + this.pending.size >= this.options.limits.maxSessions) return null
    // Counted with the address's WebSocket and signalling connections, at once (before the room
    // loads): inventing sids, or opening many at the same moment, must not be a way around the cap.
    if (!this.options.connections.tryAcquire(address)) return null
    const creating = this.create(sid, docId, transport, principal, address)
    this.pending.set(sid, creating)
    try {
      return await creating
    } catch (error) {
      this.options.connections.release(address)
      throw error
    } finally {
      this.pending.delete(sid)
    }
  }

  /** Ends `session` (the room forgets it) so a fresh one can take its sid. */
  replace(session: HttpSession): void {
    if (this.sessions.get(session.sid) === session) {
      session.close(CloseCode.GoingAway, closeReason(ErrorCode.SessionExpired, 'replaced by a new session'))
    }
  }

  private async create(
    sid: string,
    docId: DocId,
    transport: TransportKind,
    principal: Principal,
    address: string,
  ): Promise<HttpSession> {
    const { registry, metrics, limits, log, authenticator, serverLimits, connections, threads } = this.options
    const previous = this.sessions.get(sid)
    if (previous) this.replace(previous)
    this.tombstones.delete(sid)
    await suggestOnlyReadyFor(principal.role)
    const room = await registry.acquire(docId)
    let isJoined = false
    const session = new HttpSession(
      sid,
      docId,
      transport,
      limits,
      (ended) => {
        if (this.sessions.get(sid) === ended) this.sessions.delete(sid)
        connections.release(address)
        countConnection(metrics, transport, -1)
        if (isJoined) {
          ended.client?.end()
          registry.release(room)
          isJoined = false
        }
        const info = ended.closeInfo
        if (info && !info.reason.startsWith(ErrorCode.SessionExpired)) {
          this.tombstones.set(sid, { ...info, docId })
          setTimeout(() => this.tombstones.delete(sid), limits.idleMs).unref()
        }
        log.debug({ docId, connectionId: ended.id, code: info?.code }, 'http session ended')
      },
      metrics,
    )
    this.sessions.set(sid, session)
    countConnection(metrics, transport, 1)
    isJoined = true
    session.client = new ClientSession(session, room, principal, {
      authenticator,
      limits: serverLimits,
      log,
      metrics,
      threads,
    })
    session.client.start()
    log.debug({ docId, connectionId: session.id, transport }, 'http session opened')
    return session
  }
}
