import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import {
  HTTP_POST_BURST,
  HTTP_POST_COMMIT_TIMEOUT_MS,
  HTTP_POSTS_PER_SECOND,
  HTTP_REPLAY_BUFFER_BYTES,
  HTTP_SESSION_IDLE_MS,
  LONG_POLL_HOLD_MS,
  LONG_POLL_MIN_INTERVAL_MS,
  MAX_HTTP_SESSIONS,
  MAX_SEND_BUFFER_BYTES,
  SSE_HEARTBEAT_MS,
  SSE_MAX_LIFETIME_MS,
} from '../../shared/limits.js'
import type { SessionClose } from '../../shared/protocol/http-framing.js'
import type { TransportKind } from '../../shared/protocol/transport-kind.js'
import type { Authenticator, Principal } from '../auth/authenticator.js'
import type { ThreadSubscriptions } from '../comments/live-thread-feed.js'
import type { ClientAddressOf } from '../http/client-address.js'
import type { ConnectionLimiter } from '../http/connection-limiter.js'
import { sendError } from '../http/errors.js'
import { loggablePath, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { ServerLimits } from '../server-limits.js'
import type { RoomRegistry } from '../sync/room-registry.js'
import type { HttpSession, HttpSessionLimits } from './http-session.js'
import type { HttpSessionRegistry } from './http-session-registry.js'

/**
 * What the HTTP fallback bindings (SSE, long-poll, POST) share: their settings, the context the
 * router hands each of them, and the few answers they all give. The router (http-transports.ts)
 * imports the bindings; the bindings import only this.
 */

export interface HttpTransportTimings extends HttpSessionLimits {
  /** `event: ping` interval on SSE streams. */
  heartbeatMs: number
  /** SSE streams end (to be resumed) after this times 0.8–1.0. */
  maxStreamLifetimeMs: number
  /** Longest a long-poll is held without frames. */
  longPollHoldMs: number
  /** A session's polls are answered at most once per this interval (frames gather meanwhile). */
  longPollMinIntervalMs: number
  /** A POST whose updates are not committed by then is answered 503. */
  postCommitTimeoutMs: number
}

export const DEFAULT_HTTP_TRANSPORT_TIMINGS: HttpTransportTimings = {
  idleMs: HTTP_SESSION_IDLE_MS,
  replayBufferBytes: HTTP_REPLAY_BUFFER_BYTES,
  maxSendBufferBytes: MAX_SEND_BUFFER_BYTES,
  maxSessions: MAX_HTTP_SESSIONS,
  postsPerSecond: HTTP_POSTS_PER_SECOND,
  postBurst: HTTP_POST_BURST,
  heartbeatMs: SSE_HEARTBEAT_MS,
  maxStreamLifetimeMs: SSE_MAX_LIFETIME_MS,
  longPollHoldMs: LONG_POLL_HOLD_MS,
  longPollMinIntervalMs: LONG_POLL_MIN_INTERVAL_MS,
  postCommitTimeoutMs: HTTP_POST_COMMIT_TIMEOUT_MS,
}

/**
 * Runs before the handler on every transport request: the server's CORS policy. Returns false when
 * it answered the request itself (an origin outside ALLOWED_ORIGINS).
 */
export type TransportGuard = (request: IncomingMessage, response: ServerResponse) => boolean

export interface HttpTransportOptions {
  /** The rooms sessions join. */
  registry: RoomRegistry
  /** The same seam the WebSocket binding authenticates through. */
  authenticator: Authenticator
  /** Rate and size limits applied per session, as on WebSocket connections. */
  limits: ServerLimits
  /** Where refusals and failures are logged, once each. */
  log: Logger
  /** Receives the connection gauge, byte counters and refusals. */
  metrics: Metrics
  /** Largest POST body: a connection's first SyncStep2 (everything made offline) plus framing. */
  maxBodyBytes: number
  /** True while the server drains: new streams, polls and POSTs get 503 so the balancer retries elsewhere. */
  isDraining: () => boolean
  /** The address per-address limits count, as the WebSocket binding counts it (TRUST_PROXY aware). */
  clientAddress: ClientAddressOf
  /** The per-address connection count, shared with the WebSocket and signalling bindings. */
  connections: ConnectionLimiter
  /** Overrides for tests; defaults come from shared/limits.ts. */
  timings?: Partial<HttpTransportTimings>
  /** Applied to each transport request before its handler (the server's CORS policy). */
  guard?: TransportGuard
  /** Comment threads for sessions whose stream or poll asks with `?threads=1`; absent, none are delivered. */
  threads?: ThreadSubscriptions
}

/** What each binding gets: options with every timing resolved, and the instance's sessions. */
export interface HttpTransportContext {
  /** The options the router was made with. */
  readonly options: HttpTransportOptions
  /** `options.timings` over the defaults. */
  readonly timings: HttpTransportTimings
  /** The sessions open on this instance. */
  readonly sessions: HttpSessionRegistry
  /** Same as `options.log`. */
  readonly log: Logger
}

/** A fallback request that passed the checks every endpoint makes, run once by the router. */
export interface SessionRequest {
  /** The validated `<docId>` path segment. */
  docId: DocId
  /** The validated `sid` query parameter. */
  sid: string
  /** The whole query, parsed once. */
  query: URLSearchParams
  /** Whom the request's credentials name, already authorised for `docId`. */
  principal: Principal
}

/** One binding: serves a request the router has checked; it answers every outcome itself. */
export type SessionHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  target: SessionRequest,
) => Promise<void>

/** The first value of a request header (Node joins most repeated headers, not all). */
export function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * The live session for `sid`, created (and joined to its room) if needed. Answers 503 when the
 * document cannot be loaded and 429 when this address or instance holds too many sessions, and
 * then returns null.
 */
export async function openSession(
  context: HttpTransportContext,
  request: IncomingMessage,
  response: ServerResponse,
  target: SessionRequest & { transport: TransportKind },
): Promise<HttpSession | null> {
  let session: HttpSession | null
  try {
    const { sid, docId, transport, principal } = target
    session = await context.sessions.open(sid, docId, transport, principal, context.options.clientAddress(request))
  } catch (error) {
    context.log.error({ err: error, docId: target.docId }, 'document could not be loaded')
    sendError(response, 503, ErrorCode.Internal, 'document could not be loaded; retry')
    return null
  }
  if (!session) {
    refuse(
      context,
      request,
      response,
      429,
      ErrorCode.RateLimited,
      'too many connections from this address or sessions on this server',
      { headers: { 'Retry-After': '5' } },
    )
  }
  return session
}

/** Answers a refused request and logs it once, without the query string (it may carry a token). */
export function refuse(
  context: Pick<HttpTransportContext, 'log'>,
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  options: Parameters<typeof sendError>[4] = {},
): void {
  context.log.warn({ path: loggablePath(request.url ?? ''), status, code }, 'http transport request refused')
  sendError(response, status, code, message, options)
}

/** A session the server closed: 410 with the close code, which the client treats like a WebSocket close. */
export function sendClosed(response: ServerResponse, info: SessionClose): void {
  const errorCode = info.reason.split(':')[0] ?? ErrorCode.Internal
  sendError(response, 410, errorCode, info.reason, { extra: { closeCode: info.code, reason: info.reason } })
}
