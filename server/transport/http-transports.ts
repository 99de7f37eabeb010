import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'
import { DOC_ID_RULE, isValidDocId } from '../../shared/ids.js'
import { closeCodeFor, closeReason } from '../../shared/protocol/close-codes.js'
import { HttpEndpoint, SESSION_ID_PATTERN, SESSION_QUERY_PARAM } from '../../shared/protocol/http-framing.js'
import { TOKEN_QUERY_PARAM } from '../../shared/protocol/message-type.js'
import { PROTOCOL_QUERY_PARAM, protocolMismatch } from '../../shared/protocol/protocol-version.js'
import type { Principal } from '../auth/authenticator.js'
import { sendError, sendInternalError } from '../http/errors.js'
import { requestToken } from '../http/request-token.js'
import { loggablePath } from '../logger.js'
import { HttpSessionRegistry } from './http-session-registry.js'
import {
  DEFAULT_HTTP_TRANSPORT_TIMINGS,
  refuse,
  type HttpTransportContext,
  type HttpTransportOptions,
  type SessionHandler,
  type SessionRequest,
} from './http-transport-kit.js'
import { longPollHandler } from './long-poll-binding.js'
import { endSessionHandler, postHandler } from './post-binding.js'
import { sseHandler } from './sse-binding.js'

/** Serves a request when it is one of the fallback transports' (returns true); false: not ours. */
export type HttpTransportsHandler = (request: IncomingMessage, response: ServerResponse) => boolean

/** `/collab/<docId>/<endpoint>`, the endpoint being one of the fallback transports'. */
const TRANSPORT_PATH = new RegExp(`^/collab/([^/]+)/(${Object.values(HttpEndpoint).join('|')})$`)

/**
 * The HTTP fallback transports: `GET /collab/<docId>/events` (SSE), `GET /collab/<docId>/poll`
 * (long-poll), `POST` and `DELETE /collab/<docId>/messages`. The server calls the returned function
 * first for every request, before express; it returns false for any other request (CORS preflights
 * included), which express then serves.
 *
 * Every endpoint starts alike, so that runs here once: the CORS guard, the document and session
 * ids, the protocol version, the draining check, the credentials. A binding gets a request that passed them all.
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
    connections: options.connections,
    threads: options.threads,
  })
  const context: HttpTransportContext = { options, timings, sessions, log: options.log }
  const handlers: Record<string, SessionHandler> = {
    [`GET ${HttpEndpoint.Events}`]: sseHandler(context),
    [`GET ${HttpEndpoint.Poll}`]: longPollHandler(context),
    [`POST ${HttpEndpoint.Messages}`]: postHandler(context),
    [`DELETE ${HttpEndpoint.Messages}`]: endSessionHandler(context),
  }
  return (request, response) => {
    const url = request.url ?? ''
    const queryAt = url.indexOf('?')
    const match = TRANSPORT_PATH.exec(queryAt === -1 ? url : url.slice(0, queryAt))
    const handler = match ? handlers[`${request.method} ${match[2]}`] : undefined
    if (!match || !handler) return false
    if (options.guard && !options.guard(request, response)) return true
    const rawDocId = decodePathSegment(match[1]!)
    const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1))
    serve(context, request, response, rawDocId, query, handler).catch((error: unknown) => {
      context.log.error({ err: error, method: request.method, path: loggablePath(url) }, 'request failed')
      if (response.headersSent) response.destroy()
      else sendInternalError(response)
    })
    return true
  }
}

/** The checks every endpoint makes, then its binding. */
async function serve(
  context: HttpTransportContext,
  request: IncomingMessage,
  response: ServerResponse,
  rawDocId: string | null,
  query: URLSearchParams,
  handler: SessionHandler,
): Promise<void> {
  const docId = rawDocId ?? ''
  const sid = query.get(SESSION_QUERY_PARAM)
  if (!isValidDocId(docId)) {
    return refuse(context, request, response, 400, ErrorCode.InvalidDocId, DOC_ID_RULE)
  }
  if (sid === null || !SESSION_ID_PATTERN.test(sid)) {
    return refuse(
      context,
      request,
      response,
      400,
      ErrorCode.BadRequest,
      'sid must be 16–64 characters of [A-Za-z0-9_-]',
    )
  }
  const mismatch = protocolMismatch(query.get(PROTOCOL_QUERY_PARAM))
  if (mismatch) {
    return refuse(context, request, response, 400, ErrorCode.IncompatibleProtocol, mismatch, {
      extra: sessionClose(ErrorCode.IncompatibleProtocol, mismatch),
    })
  }
  if (context.options.isDraining()) {
    return sendError(response, 503, ErrorCode.ServerShuttingDown, 'server is restarting; retry', {
      headers: { 'Retry-After': '1' },
    })
  }
  const principal = await authorize(context, request, response, docId, query)
  if (!principal) return
  const target: SessionRequest = { docId, sid, query, principal }
  await handler(request, response, target)
}

/**
 * Checks the request's credentials: `Authorization: Bearer` (POST, poll, our SSE reader) or, on
 * GET only, `?token=` (EventSource cannot set headers), as on the REST API. Answers 401/403 itself
 * and returns null on failure.
 */
async function authorize(
  context: HttpTransportContext,
  request: IncomingMessage,
  response: ServerResponse,
  docId: SessionRequest['docId'],
  query: URLSearchParams,
): Promise<Principal | null> {
  const token = requestToken(request, query.get(TOKEN_QUERY_PARAM) ?? undefined)
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
    refuse(context, request, response, status, code, message, { extra: sessionClose(code, message) })
    return null
  }
}

/** The fields of an error body whose answer ends the session: the close a WebSocket would get. */
function sessionClose(code: ErrorCode, detail: string): { closeCode: number; reason: string } {
  return { closeCode: closeCodeFor(code), reason: closeReason(code, detail) }
}

function decodePathSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}
