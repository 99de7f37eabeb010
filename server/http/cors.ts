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

/**
 * The CORS policy on plain Node objects, so the fallback transports (served ahead of express) and
 * the express app apply the same one. Refuses an origin outside the list with 403 and returns false;
 * otherwise sets the CORS response headers and returns true.
 */
export function applyCorsHeaders(
  allowed: readonly string[] | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const origin = request.headers.origin
  if (origin === undefined) return true
  if (!isOriginAllowed(allowed, origin)) {
    sendError(response, 403, ErrorCode.ForbiddenOrigin, `origin ${origin} is not in ALLOWED_ORIGINS`)
    return false
  }
  response.setHeader('Access-Control-Allow-Origin', allowed === undefined ? '*' : origin)
  response.setHeader('Vary', 'Origin')
  response.setHeader('Access-Control-Expose-Headers', 'ETag, Location')
  return true
}

/** The policy as express middleware, answering preflights (OPTIONS with an Origin) itself. */
export function corsPolicy(allowed: readonly string[] | undefined) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!applyCorsHeaders(allowed, request, response)) return
    if (request.method === 'OPTIONS' && request.headers.origin !== undefined) {
      response.set('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE, OPTIONS')
      response.set('Access-Control-Allow-Headers', 'Content-Type, Authorization, If-None-Match, Last-Event-ID')
      response.set('Access-Control-Max-Age', '600')
      response.status(204).end()
      return
    }
    next()
  }
}
