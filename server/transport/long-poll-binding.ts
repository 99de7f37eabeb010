import type { Request, Response } from 'express'
import { ErrorCode } from '../../shared/errors.js'
import { TransportKind } from '../sync/connection.js'
import { encodeFrames, parseCursor, type Downlink, type HttpSession } from './http-session.js'
import {
  authorizeRequest,
  openSession,
  readSessionRequest,
  refuse,
  sendClosed,
  type HttpTransportContext,
} from './http-transports.js'

/** Response header with the cursor to send on the next poll. */
export const CURSOR_HEADER = 'Tandem-Cursor'

/**
 * `GET /collab/<docId>/poll?sid=<sid>[&cursor=<epoch>:<seq>]`: the frames after `cursor`, held up
 * to 25 s when there are none. No cursor starts a session (its first answer carries the room's
 * SyncStep1); a cursor that cannot be replayed is answered 409 and the client starts over.
 */
export function longPollHandler(context: HttpTransportContext) {
  return async (request: Request, response: Response): Promise<void> => {
    const ids = readSessionRequest(context, request, response)
    if (!ids) return
    const { docId, sid } = ids
    const principal = await authorizeRequest(context, request, response, docId)
    if (!principal) return
    const { sessions } = context
    const rawCursor = request.query.cursor
    const cursor = parseCursor(typeof rawCursor === 'string' ? rawCursor : undefined)
    if (rawCursor !== undefined && !cursor) {
      refuse(context, request, response, 400, ErrorCode.BadRequest, 'cursor must be <epoch>:<seq>')
      return
    }
    const closed = sessions.tombstone(sid, docId)
    if (closed) return sendClosed(response, closed)

    let session = sessions.get(sid, docId)
    if (cursor) {
      if (!session || !session.canResume(cursor)) {
        refuse(context, request, response, 409, ErrorCode.SessionExpired, 'session expired; poll without a cursor')
        return
      }
      session.confirm(cursor.seq)
    } else {
      if (session?.wasEverAttached || session?.hasDroppedFrames) {
        sessions.replace(session)
        session = undefined
      }
      session ??=
        (await openSession(context, request, response, { sid, docId, transport: TransportKind.LongPoll, principal })) ??
        undefined
      if (!session) return
    }
    if (request.destroyed) return
    if (session.closeInfo) return sendClosed(response, session.closeInfo)
    holdPoll(context, request, response, session, cursor?.seq ?? 0)
  }
}

function holdPoll(
  context: HttpTransportContext,
  request: Request,
  response: Response,
  session: HttpSession,
  fromSeq: number,
): void {
  let isAnswered = false
  let timer: NodeJS.Timeout | null = null

  const answer = (): void => {
    if (isAnswered) return
    isAnswered = true
    if (timer) clearTimeout(timer)
    session.detach(downlink)
    if (response.writableEnded || request.destroyed) return
    const frames = session.framesAfter(fromSeq)
    const lastSeq = frames.at(-1)?.seq ?? fromSeq
    session.markDelivered(lastSeq)
    if (request.get('origin')) response.set('Access-Control-Expose-Headers', CURSOR_HEADER)
    response
      .status(200)
      .set({
        'Content-Type': 'application/octet-stream',
        'Cache-Control': 'no-store',
        [CURSOR_HEADER]: `${session.epoch}:${lastSeq}`,
      })
      .end(Buffer.from(encodeFrames(frames.map((entry) => entry.frame))))
  }

  const downlink: Downlink = {
    // Answer on the next turn, so frames queued together leave together.
    wake: () => void setImmediate(answer),
    closed: (code, reason) => {
      if (isAnswered) return
      isAnswered = true
      if (timer) clearTimeout(timer)
      if (!response.writableEnded) sendClosed(response, { code, reason })
    },
    superseded: answer,
  }

  if (session.framesAfter(fromSeq).length > 0) {
    session.attach(downlink)
    answer()
    return
  }
  session.attach(downlink)
  context.log.debug({ docId: session.docId, connectionId: session.id }, 'long-poll held')
  timer = setTimeout(answer, context.timings.longPollHoldMs)
  timer.unref()
  response.on('close', () => {
    if (isAnswered) return
    isAnswered = true
    if (timer) clearTimeout(timer)
    session.detach(downlink)
  })
}
