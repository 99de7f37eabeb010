import { requestToken } from '../http/request-token.js'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { ClientAddressOf } from '../http/client-address.js'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import { CloseCode, closeCodeFor, closeReason } from '../../shared/protocol/close-codes.js'
import { DOC_ID_RULE, isValidDocId, type DocId } from '../../shared/ids.js'
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
import type { Authenticator, Principal } from '../auth/authenticator.js'
import { sendError } from '../http/errors.js'
import { loggablePath, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { ServerLimits } from '../server-limits.js'
import type { TransportKind } from '../sync/connection.js'
import type { RoomRegistry } from '../sync/room-registry.js'
import { HttpSessionRegistry, SESSION_ID_PATTERN, type HttpSession, type HttpSessionLimits } from './http-session.js'
import { longPollHandler } from './long-poll-binding.js'
import { postHandler } from './post-binding.js'
import { sseHandler } from './sse-binding.js'

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

export interface HttpTransportOptions {
  registry: RoomRegistry
  /** The same seam the WebSocket binding authenticates through. */
  authenticator: Authenticator
  /** Rate and size limits applied per session, as on WebSocket connections. */
  limits: ServerLimits
  log: Logger
  metrics: Metrics
  /** Largest POST body: a connection's first SyncStep2 (everything made offline) plus framing. */
  maxBodyBytes: number
  /** True while the server drains: new streams, polls and POSTs get 503 so the balancer retries elsewhere. */
  isDraining: () => boolean
  /** The address per-address limits count, as the WebSocket binding counts it (TRUST_PROXY aware). */
  clientAddress: ClientAddressOf
  /** Overrides for tests; defaults come from shared/limits.ts. */
  timings?: Partial<HttpTransportTimings>
}

/** What each binding gets: options with every timing resolved, and the instance's sessions. */
export interface HttpTransportContext {
  readonly options: HttpTransportOptions
  readonly timings: HttpTransportTimings
  readonly sessions: HttpSessionRegistry
  readonly log: Logger
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

/** What the transport middleware read from a request's URL, once, for its handler. */
export interface TransportTarget {
  /** The percent-decoded `<docId>` path segment, not yet validated (null when undecodable). */
  rawDocId: string | null
  query: URLSearchParams
}

export type TransportHandler = (request: Request, response: Response, target: TransportTarget) => Promise<void>

/** `/collab/<docId>/<endpoint>`, the endpoint being one of the fallback transports'. */
const TRANSPORT_PATH = /^\/collab\/([^/]+)\/(events|poll|messages)$/

/**
 * The HTTP fallback transports as one middleware: `GET /collab/<docId>/events` (SSE),
 * `GET /collab/<docId>/poll` (long-poll), `POST` and `DELETE /collab/<docId>/messages`. Mount it
 * before the 404 handler; the app's CORS middleware answers preflights. Other requests pass on.
 *
 * One regular expression and one query parse per request instead of an express Router: a
 * long-polling client makes a request per delivery, and the router's layer matching and express's
 * query getter (which parses again on every read) were a fifth of the server's time per poll.
 */
export function httpTransports(options: HttpTransportOptions): RequestHandler {
  const timings = { ...DEFAULT_HTTP_TRANSPORT_TIMINGS, ...options.timings }
  const sessions = new HttpSessionRegistry({
    registry: options.registry,
    authenticator: options.authenticator,
    serverLimits: options.limits,
    log: options.log,
    metrics: options.metrics,
    limits: timings,
  })
  const context: HttpTransportContext = { options, timings, sessions, log: options.log }
  const handlers: Record<string, TransportHandler> = {
    'GET events': sseHandler(context),
    'GET poll': longPollHandler(context),
    'POST messages': postHandler(context),
    'DELETE messages': endHandler(context),
  }
  return (request: Request, response: Response, next: NextFunction): void => {
    const url = request.url
    const queryAt = url.indexOf('?')
    const match = TRANSPORT_PATH.exec(queryAt === -1 ? url : url.slice(0, queryAt))
    const handler = match ? handlers[`${request.method} ${match[2]}`] : undefined
    if (!match || !handler) return next()
    const target: TransportTarget = {
      rawDocId: decodePathSegment(match[1]!),
      query: new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)),
    }
    handler(request, response, target).catch(next)
  }
}

function decodePathSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

/**
 * `DELETE /collab/<docId>/messages?sid=<sid>`: the client is leaving. The session leaves its room at
 * once, so peers see the cursor go now rather than when the idle session expires. 204 either way.
 */
function endHandler(context: HttpTransportContext): TransportHandler {
  return async (request, response, target) => {
    const ids = readSessionRequest(context, request, response, target)
    if (!ids) return
    const principal = await authorizeRequest(context, request, response, ids)
    if (!principal) return
    context.sessions.get(ids.sid, ids.docId)?.close(CloseCode.Normal, 'client left')
    response.status(204).end()
  }
}

/** A fallback request's validated document and session ids, with its query. */
export interface SessionRequest {
  docId: DocId
  sid: string
  query: URLSearchParams
}

/** Validates the document id and session id every fallback request carries; answers 400/503 itself. */
export function readSessionRequest(
  context: HttpTransportContext,
  request: Request,
  response: Response,
  { rawDocId, query }: TransportTarget,
): SessionRequest | null {
  const docId = rawDocId ?? ''
  const sid = query.get('sid')
  if (!isValidDocId(docId)) {
    refuse(context, request, response, 400, ErrorCode.InvalidDocId, DOC_ID_RULE)
    return null
  }
  if (sid === null || !SESSION_ID_PATTERN.test(sid)) {
    refuse(context, request, response, 400, ErrorCode.BadRequest, 'sid must be 16–64 characters of [A-Za-z0-9_-]')
    return null
  }
  if (context.options.isDraining()) {
    response.set('Retry-After', '1')
    sendError(response, 503, ErrorCode.ServerShuttingDown, 'server is restarting; retry')
    return null
  }
  return { docId, sid, query }
}

/**
 * Checks the request's credentials: `Authorization: Bearer` (POST, poll, our SSE reader) or
 * `?token=` (EventSource cannot set headers). Answers 401/403 itself and returns null on failure.
 */
export async function authorizeRequest(
  context: HttpTransportContext,
  request: Request,
  response: Response,
  { docId, query }: SessionRequest,
): Promise<Principal | null> {
  // Bearer everywhere; ?token= only on GET (EventSource cannot set headers), as on the REST API.
  const token = requestToken(request, query.get('token') ?? undefined)
  try {
    return await context.options.authenticator.authorize(token, docId)
  } catch (error) {
    const code = error instanceof SyncError ? error.code : ErrorCode.Internal
    const message = error instanceof Error ? error.message : String(error)
    if (code === ErrorCode.Internal) {
      context.log.error({ err: error, docId }, 'authorization failed')
      response.status(500).json({ error: code, message: 'internal error; see the server log' })
      return null
    }
    context.options.metrics.authFailures.inc({ code })
    const status = code === ErrorCode.Forbidden || code === ErrorCode.ReadOnly ? 403 : 401
    refuse(context, request, response, status, code, message, {
      closeCode: closeCodeFor(code),
      reason: closeReason(code, message),
    })
    return null
  }
}

/**
 * The live session for `sid`, created (and joined to its room) if needed. Answers 503 when the
 * document cannot be loaded and 429 when this address or instance holds too many sessions, and
 * then returns null.
 */
export async function openSession(
  context: HttpTransportContext,
  request: Request,
  response: Response,
  target: { sid: string; docId: DocId; transport: TransportKind; principal: Principal },
): Promise<HttpSession | null> {
  let session: HttpSession | null
  try {
    const { sid, docId, transport, principal } = target
    session = await context.sessions.open(sid, docId, transport, principal, context.options.clientAddress(request))
  } catch (error) {
    context.log.error({ err: error, docId: target.docId }, 'document could not be loaded')
    response.status(503).json({ error: ErrorCode.Internal, message: 'document could not be loaded; retry' })
    return null
  }
  if (!session) {
    response.set('Retry-After', '5')
    refuse(
      context,
      request,
      response,
      429,
      ErrorCode.RateLimited,
      'too many sessions from this address or on this server',
    )
  }
  return session
}

/** Answers a refused request and logs it once, without the query string (it may carry a token). */
export function refuse(
  context: HttpTransportContext,
  request: Request,
  response: Response,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  context.log.warn({ path: loggablePath(request.originalUrl), status, code }, 'http transport request refused')
  response.status(status).json({ error: code, message, ...extra })
}

/** A session the server closed: 410 with the close code, which the client treats like a WebSocket close. */
export function sendClosed(response: Response, info: { code: number; reason: string }): void {
  const errorCode = info.reason.split(':')[0] ?? ErrorCode.Internal
  response.status(410).json({ error: errorCode, message: info.reason, closeCode: info.code, reason: info.reason })
}
