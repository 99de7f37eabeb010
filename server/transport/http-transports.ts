import { requestToken } from '../http/request-token.js'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendError, sendInternalError } from '../http/errors.js'
import type { ClientAddressOf } from '../http/client-address.js'
import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'
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
  /** Applied to each transport request before its handler (the server's CORS policy). */
  guard?: TransportGuard
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

export type TransportHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  target: TransportTarget,
) => Promise<void>

/**
 * Runs before the handler on every transport request: the server's CORS policy. Returns false when
 * it answered the request itself (an origin outside ALLOWED_ORIGINS).
 */
export type TransportGuard = (request: IncomingMessage, response: ServerResponse) => boolean

/** Serves a request when it is one of the fallback transports' (returns true); false: not ours. */
export type HttpTransportsHandler = (request: IncomingMessage, response: ServerResponse) => boolean

/** `/collab/<docId>/<endpoint>`, the endpoint being one of the fallback transports'. */
const TRANSPORT_PATH = /^\/collab\/([^/]+)\/(events|poll|messages)$/

/**
 * The HTTP fallback transports: `GET /collab/<docId>/events` (SSE), `GET /collab/<docId>/poll`
 * (long-poll), `POST` and `DELETE /collab/<docId>/messages`. The server calls the returned function
 * first for every request, before express; it returns false for any other request (CORS preflights
 * included), which express then serves.
 *
 * Plain Node request and response, one regular expression and one query parse per request: a
 * long-polling client makes a request per delivery, and express's router, its request/response
 * prototypes and its query getter (which parses again on every read) were 12 % of the server's time
 * in the long-poll bench (CPU profile) before this ran ahead of express.
 */
export function httpTransports(options: HttpTransportOptions): HttpTransportsHandler {
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
  return (request, response) => {
    const url = request.url ?? ''
    const queryAt = url.indexOf('?')
    const match = TRANSPORT_PATH.exec(queryAt === -1 ? url : url.slice(0, queryAt))
    const handler = match ? handlers[`${request.method} ${match[2]}`] : undefined
    if (!match || !handler) return false
    if (options.guard && !options.guard(request, response)) return true
    const target: TransportTarget = {
      rawDocId: decodePathSegment(match[1]!),
      query: new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)),
    }
    handler(request, response, target).catch((error: unknown) => {
      context.log.error({ err: error, method: request.method, path: loggablePath(url) }, 'request failed')
      if (response.headersSent) response.destroy()
      else sendInternalError(response)
    })
    return true
  }
}

/** The first value of a request header (Node joins most repeated headers, not all). */
export function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
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
    response.writeHead(204).end()
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
  request: IncomingMessage,
  response: ServerResponse,
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
    sendError(response, 503, ErrorCode.ServerShuttingDown, 'server is restarting; retry', {
      headers: { 'Retry-After': '1' },
    })
    return null
  }
  return { docId, sid, query }
}

/**
 * Checks the request's credentials: `Authorization: Bearer` (POST, poll, our SSE reader) or, on
 * GET only, `?token=` (EventSource cannot set headers). Answers 401/403 itself and returns null on failure.
 */
export async function authorizeRequest(
  context: HttpTransportContext,
  request: IncomingMessage,
  response: ServerResponse,
  { docId, query }: SessionRequest,
): Promise<Principal | null> {
  // Bearer everywhere; ?token= only on GET (EventSource cannot set headers), as on the REST API.
  const token = requestToken(request, query.get('token') ?? undefined)
  try {
    return await context.options.authenticator.authorize(token, docId)
  } catch (error) {
    const code = error instanceof SyncError ? error.code : ErrorCode.Internal
    const message = errorMessage(error)
    if (code === ErrorCode.Internal) {
      context.log.error({ err: error, docId }, 'authorization failed')
      sendInternalError(response)
      return null
    }
    context.options.metrics.authFailures.inc({ code })
    const status = code === ErrorCode.Forbidden || code === ErrorCode.ReadOnly ? 403 : 401
    refuse(context, request, response, status, code, message, {
      extra: { closeCode: closeCodeFor(code), reason: closeReason(code, message) },
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
  request: IncomingMessage,
  response: ServerResponse,
  target: { sid: string; docId: DocId; transport: TransportKind; principal: Principal },
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
      'too many sessions from this address or on this server',
      { headers: { 'Retry-After': '5' } },
    )
  }
  return session
}

/** Answers a refused request and logs it once, without the query string (it may carry a token). */
export function refuse(
  context: HttpTransportContext,
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
export function sendClosed(response: ServerResponse, info: { code: number; reason: string }): void {
  const errorCode = info.reason.split(':')[0] ?? ErrorCode.Internal
  sendError(response, 410, errorCode, info.reason, { extra: { closeCode: info.code, reason: info.reason } })
}
