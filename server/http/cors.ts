import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NextFunction, Request, Response } from 'express'
import { ErrorCode } from '../../shared/errors.js'
import { sendError } from './errors.js'

/** True when a browser page from `origin` may use this server (ALLOWED_ORIGINS; unset allows all). */
export function isOriginAllowed(allowed: readonly string[] | undefined, origin: string | undefined): boolean {
  if (allowed === undefined || allowed.includes('*')) return true
  // Non-browser clients send no Origin; the allowlist protects browsers from cross-site use.
  if (origin === undefined) return true
  return allowed.includes(origin)
}

/** Why a page from `origin` is refused: the same words on every transport (WebSocket close reason, HTTP body). */
export function forbiddenOriginDetail(origin: string | undefined): string {
  return `origin ${origin ?? '(none)'} is not in ALLOWED_ORIGINS`
}

/**
 * The CORS policy on plain Node objects, so the fallback transports (served ahead of express) and
 * the express app apply the same one. Refuses an origin outside the list with 403 and returns false;
 * otherwise sets the CORS response headers and returns true.
 *
 * The refusal itself carries `Access-Control-Allow-Origin` (that origin) and `Vary: Origin`: without
 * them the browser hides the answer and the page sees only a network error, indistinguishable from
 * a server that is down, and retries for ever. Reading a refusal gives the page nothing of a document:
 * the request was refused before anything else looked at it.
 */
export function applyCorsHeaders(
  allowed: readonly string[] | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const origin = request.headers.origin
  if (origin === undefined) return true
  setOriginHeaders(response, allowed, origin)
  if (!isOriginAllowed(allowed, origin)) {
    sendError(response, 403, ErrorCode.ForbiddenOrigin, forbiddenOriginDetail(origin))
    return false
  }
  response.setHeader('Access-Control-Expose-Headers', 'ETag, Location')
  return true
}

/**
 * The policy as express middleware, answering preflights (OPTIONS with an Origin) itself.
 *
 * A preflight is answered 204 for every origin, refused ones included: a failed preflight shows the
 * page a bare network error, while the request it guards, once sent, is refused with a 403 the page
 * can read (`forbidden-origin`, naming ALLOWED_ORIGINS). The preflight only asks whether the browser
 * may send the request; every request is checked here on its own, so letting it through grants
 * nothing.
 */
export function corsPolicy(allowed: readonly string[] | undefined) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const origin = request.headers.origin
    if (request.method === 'OPTIONS' && origin !== undefined) {
      setOriginHeaders(response, allowed, origin)
      response.set('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE, OPTIONS')
      response.set(
        'Access-Control-Allow-Headers',
        'Content-Type, Authorization, If-None-Match, Last-Event-ID, X-Tandem-Author-Id, X-Tandem-Author-Name',
      )
      response.set('Access-Control-Max-Age', '600')
      response.status(204).end()
      return
    }
    if (!applyCorsHeaders(allowed, request, response)) return
    next()
  }
}

/** `Access-Control-Allow-Origin` for `origin` (a wildcard only when every origin is allowed), and `Vary`. */
function setOriginHeaders(response: ServerResponse, allowed: readonly string[] | undefined, origin: string): void {
  response.setHeader('Access-Control-Allow-Origin', allowed === undefined ? '*' : origin)
  response.setHeader('Vary', 'Origin')
}
