import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode } from '../../shared/errors.js'
import {
  CURSOR_HEADER,
  CURSOR_QUERY_PARAM,
  encodeFrames,
  formatCursor,
  parseCursor,
} from '../../shared/protocol/http-framing.js'
import { THREADS_QUERY_PARAM } from '../../shared/protocol/message-type.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import type { Downlink, HttpSession } from './http-session.js'
import {
  openSession,
  refuse,
  sendClosed,
  type HttpTransportContext,
  type SessionHandler,
} from './http-transport-kit.js'

/**
 * `GET /collab/<docId>/poll?sid=<sid>[&cursor=<epoch>:<seq>]`: the frames after `cursor`, held up
 * to 25 s when there are none. No cursor starts a session (its first answer carries the room's
 * SyncStep1); a cursor that cannot be replayed is answered 409 and the client starts over.
 */
export function longPollHandler(context: HttpTransportContext): SessionHandler {
  return async (request, response, target) => {
    const { docId, sid, query } = target
    const { sessions } = context
    const rawCursor = query.get(CURSOR_QUERY_PARAM)
    const cursor = parseCursor(rawCursor)
    if (rawCursor !== null && !cursor) {
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
        (await openSession(context, request, response, { ...target, transport: TransportKind.LongPoll })) ?? undefined
      if (!session) return
    }
    if (request.destroyed) return
    if (session.closeInfo) return sendClosed(response, session.closeInfo)
    if (query.get(THREADS_QUERY_PARAM) === '1') session.askForThreads()
    holdPoll(context, request, response, session, cursor?.seq ?? 0)
  }
}

function holdPoll(
  context: HttpTransportContext,
  request: IncomingMessage,
  response: ServerResponse,
  session: HttpSession,
  fromSeq: number,
): void {
  let isAnswered = false
  let timer: NodeJS.Timeout | null = null
  let isAnswerScheduled = false

  const answer = (): void => {
    if (isAnswered) return
    isAnswered = true
    if (timer) clearTimeout(timer)
    session.lastPollAnsweredAt = performance.now()
    session.detach(downlink)
    if (response.writableEnded || request.destroyed) return
    const frames = session.framesAfter(fromSeq)
    const lastSeq = frames.at(-1)?.seq ?? fromSeq
    session.markDelivered(lastSeq)
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'no-store',
      [CURSOR_HEADER]: formatCursor(session.epoch, lastSeq),
    }
    if (request.headers.origin !== undefined) headers['Access-Control-Expose-Headers'] = CURSOR_HEADER
    response.writeHead(200, headers).end(encodeFrames(frames.map((entry) => entry.frame)))
  }

  /** Answers once frames are waiting: in a microtask, or when the session's interval has passed. */
  const answerSoon = (): void => {
    if (isAnswerScheduled || isAnswered) return
    isAnswerScheduled = true
    const waitMs = session.lastPollAnsweredAt + context.timings.longPollMinIntervalMs - performance.now()
    if (waitMs <= 0) return queueMicrotask(answer)
    if (timer) clearTimeout(timer)
    timer = setTimeout(answer, waitMs)
  }

  const downlink: Downlink = {
    wake: answerSoon,
    closed: (code, reason) => {
      if (isAnswered) return
      isAnswered = true
      if (timer) clearTimeout(timer)
      if (!response.writableEnded) sendClosed(response, { code, reason })
    },
    superseded: answer,
  }

  session.attach(downlink)
  response.on('close', () => {
    if (isAnswered) return
    isAnswered = true
    if (timer) clearTimeout(timer)
    session.detach(downlink)
  })
  if (session.framesAfter(fromSeq).length > 0) return answerSoon()
  context.log.debug({ docId: session.docId, connectionId: session.id }, 'long-poll held')
  timer = setTimeout(answer, context.timings.longPollHoldMs)
  timer.unref()
}
