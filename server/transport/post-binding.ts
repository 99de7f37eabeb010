import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'
import { CloseCode, closeCodeFor, closeReason } from '../../shared/protocol/close-codes.js'
import { decodeFrames, encodeFrames } from '../../shared/protocol/http-framing.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { sendError } from '../http/errors.js'
import {
  openSession,
  refuse,
  sendClosed,
  type HttpTransportContext,
  type SessionHandler,
} from './http-transport-kit.js'

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.FrameTooLarge]: 413,
}

/**
 * `POST /collab/<docId>/messages?sid=<sid>`: a batch of client frames (length-prefixed, binary).
 * Applied to the room on whichever instance receives it; answered 200 only once every update in
 * it is committed, with the room's replies (e.g. SyncStep2 for a SyncStep1) as the body. The 200
 * is the acknowledgement: the client counts the batch's update-bearing frames as durable.
 */
export function postHandler(context: HttpTransportContext): SessionHandler {
  return async (request, response, target) => {
    const { docId, sid } = target
    const { sessions, log, options, timings } = context
    if (mediaType(request) !== 'application/octet-stream') {
      // Also a CSRF guard: a cross-site form cannot send this type without a CORS preflight.
      refuse(context, request, response, 415, ErrorCode.UnsupportedMediaType, 'body must be application/octet-stream')
      return drain(request)
    }
    const declared = Number(request.headers['content-length'] ?? 0)
    if (declared > options.maxBodyBytes) {
      tooLarge(context, request, response, declared)
      return
    }
    const body = await readBody(request, options.maxBodyBytes)
    if (body === 'too-large') return tooLarge(context, request, response, options.maxBodyBytes + 1)
    if (body === null) return // the client went away mid-body
    const frames = decodeFrames(body)
    if (!frames || frames.length === 0) {
      refuse(
        context,
        request,
        response,
        400,
        ErrorCode.MalformedFrame,
        'body is not a sequence of length-prefixed frames',
      )
      return
    }

    const closed = sessions.tombstone(sid, docId)
    if (closed) return sendClosed(response, closed)
    // A session unknown here may hold its stream on another instance: serve it all the same.
    const session = await openSession(context, request, response, {
      ...target,
      transport: TransportKind.ServerSentEvents,
    })
    if (!session) return
    if (session.closeInfo) return sendClosed(response, session.closeInfo)
    if (session.isPostInFlight) {
      return refuse(context, request, response, 409, ErrorCode.PostInFlight, 'one POST at a time per session')
    }
    if (!session.takePostToken()) {
      return refuse(context, request, response, 429, ErrorCode.RateLimited, 'too many POSTs; batch frames', {
        headers: { 'Retry-After': '1' },
      })
    }

    session.isPostInFlight = true
    try {
      let replies: Uint8Array[]
      try {
        replies = session.receiveBatch(frames)
      } catch (error) {
        const code = error instanceof SyncError ? error.code : ErrorCode.Internal
        const message = errorMessage(error)
        options.metrics.rejectedFrames.inc({ code })
        const closeCode = closeCodeFor(code)
        if (code === ErrorCode.Internal)
          log.error({ err: error, docId, connectionId: session.id }, 'frame handling failed')
        else log.warn({ docId, connectionId: session.id, code, reason: message }, 'frame rejected')
        session.close(closeCode, closeReason(code, message))
        const status = code === ErrorCode.Internal ? 500 : (STATUS_BY_CODE[code] ?? 400)
        sendError(response, status, code, message, { extra: { closeCode, reason: closeReason(code, message) } })
        return
      }
      const isDurable = await session.whenDurable(timings.postCommitTimeoutMs)
      if (!isDurable) {
        if (session.closeInfo) return sendClosed(response, session.closeInfo)
        sendError(response, 503, ErrorCode.StorageFailure, 'not committed in time; resend', {
          headers: { 'Retry-After': '1' },
        })
        return
      }
      response
        .writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' })
        .end(encodeFrames(replies))
    } finally {
      session.isPostInFlight = false
    }
  }
}

/**
 * `DELETE /collab/<docId>/messages?sid=<sid>`: the client is leaving. The session leaves its room at
 * once, so peers see the cursor go now rather than when the idle session expires. 204 either way.
 */
export function endSessionHandler(context: HttpTransportContext): SessionHandler {
  return async (_request, response, { sid, docId }) => {
    context.sessions.get(sid, docId)?.close(CloseCode.Normal, 'client left')
    response.writeHead(204).end()
  }
}

function tooLarge(
  context: HttpTransportContext,
  request: IncomingMessage,
  response: ServerResponse,
  bytes: number,
): void {
  refuse(
    context,
    request,
    response,
    413,
    ErrorCode.FrameTooLarge,
    `body of ${bytes} bytes exceeds ${context.options.maxBodyBytes}`,
    {
      extra: { closeCode: closeCodeFor(ErrorCode.FrameTooLarge) },
      // Closing the connection spares us reading (and the client sending) the rest of a huge body.
      headers: { Connection: 'close' },
    },
  )
}

/** Reads the whole body, giving up at `limit` bytes; null if the request was aborted. */
function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large' | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let bytes = 0
    const onData = (chunk: Buffer): void => {
      bytes += chunk.byteLength
      if (bytes > limit) {
        request.off('data', onData)
        request.resume()
        resolve('too-large')
        return
      }
      chunks.push(chunk)
    }
    request.on('data', onData)
    request.once('end', () => resolve(new Uint8Array(Buffer.concat(chunks))))
    request.once('aborted', () => resolve(null))
    request.once('error', () => resolve(null))
  })
}

/** The Content-Type without parameters, lower-cased ('' when absent). */
function mediaType(request: IncomingMessage): string {
  const type = request.headers['content-type'] ?? ''
  const end = type.indexOf(';')
  return (end === -1 ? type : type.slice(0, end)).trim().toLowerCase()
}

function drain(request: IncomingMessage): void {
  request.resume()
}
