import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { NextFunction, Request, Response } from 'express'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { Logger } from '../logger.js'

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.InvalidDocId]: 400,
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.MalformedUpdate]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.AlreadyExists]: 409,
  [ErrorCode.FrameTooLarge]: 413,
  [ErrorCode.StorageFailure]: 503,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.TokenExpired]: 401,
  [ErrorCode.TokenRevoked]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.ReadOnly]: 403,
  [ErrorCode.ForbiddenOrigin]: 403,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.TooManyConnections]: 429,
  [ErrorCode.DocumentTooLarge]: 413,
  [ErrorCode.ServerShuttingDown]: 503,
  [ErrorCode.SessionExpired]: 409,
  [ErrorCode.PostInFlight]: 409,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.FileTooLarge]: 413,
  [ErrorCode.MalformedFrame]: 400,
  [ErrorCode.UnknownMessageType]: 400,
  [ErrorCode.DocumentDeleted]: 410,
  [ErrorCode.IncompatibleProtocol]: 400,
}

/** A JSON answer as express's `res.status(status).json(body)` writes it, on plain Node responses too. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  headers: OutgoingHttpHeaders = {},
): void {
  const json = Buffer.from(JSON.stringify(body))
  response
    .writeHead(status, {
      ...headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': json.byteLength,
    })
    .end(json)
}

/**
 * Every HTTP error body has one shape: { error: <code>, message: <what to do> }, plus `extra` fields
 * where a transport adds its close code.
 */
export function sendError(
  response: ServerResponse,
  status: number,
  code: ErrorCode | string,
  message: string,
  options: { extra?: Record<string, unknown>; headers?: OutgoingHttpHeaders } = {},
): void {
  sendJson(response, status, { error: code, message, ...options.extra }, options.headers)
}

/** The answer to a failure whose details belong in the server log, not in the response. */
export function sendInternalError(response: ServerResponse): void {
  sendError(response, 500, ErrorCode.Internal, 'internal error; see the server log')
}

/** The one place HTTP errors are translated and logged. */
export function errorHandler(log: Logger) {
  return (error: unknown, request: Request, response: Response, _next: NextFunction): void => {
    if (error instanceof SyncError) {
      sendError(response, STATUS_BY_CODE[error.code] ?? 400, error.code, error.message)
      return
    }
    const status = (error as { status?: number }).status
    const type = (error as { type?: string }).type
    if (status === 413 || type === 'entity.too.large') {
      sendError(response, 413, ErrorCode.FrameTooLarge, 'request body is too large')
      return
    }
    if (status === 400 && type === 'entity.parse.failed') {
      sendError(response, 400, ErrorCode.BadRequest, 'request body is not valid JSON')
      return
    }
    log.error({ err: error, method: request.method, path: request.path }, 'request failed')
    sendInternalError(response)
  }
}
