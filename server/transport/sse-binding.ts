import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CloseCode } from '../../shared/protocol/close-codes.js'
import {
  encodeSseFrames,
  formatSseEvent,
  formatSseFramesEvent,
  LAST_EVENT_ID_QUERY_PARAM,
  parseCursor,
  SseEventType,
  type SessionClose,
  type SseHello,
} from '../../shared/protocol/http-framing.js'
import { THREADS_QUERY_PARAM } from '../../shared/protocol/message-type.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import type { Downlink, HttpSession } from './http-session.js'
import { headerOf, openSession, type HttpTransportContext, type SessionHandler } from './http-transport-kit.js'

/** One SSE event carries at most this many frame bytes, so a burst never becomes one giant line. */
const MAX_EVENT_BYTES = 256 * 1024

/**
 * A room sends the same frame object to every client, so a lone frame's event data is encoded once
 * per broadcast, not once per SSE session (base64 was most of SSE's extra cost over WebSocket).
 */
const encodedLoneFrames = new WeakMap<Uint8Array, string>()

function encodeEventData(batch: readonly Uint8Array[]): string {
  const only = batch.length === 1 ? batch[0] : undefined
  const cached = only ? encodedLoneFrames.get(only) : undefined
  if (cached !== undefined) return cached
  const data = encodeSseFrames(batch)
  if (only) encodedLoneFrames.set(only, data)
  return data
}

/** EventSource's reconnect delay; our fetch-based client uses its own backoff. */
const RETRY_MS = 2_000

/**
 * `GET /collab/<docId>/events?sid=<sid>`: the session's frames as SSE. Events: `hello` (first, at
 * once), `frames` (id `<epoch>:<seq>`, data = base64 of length-prefixed frames), `ping`,
 * `resync`, `recycle`, `close`. See docs/protocol.md.
 */
export function sseHandler(context: HttpTransportContext): SessionHandler {
  return async (request, response, target) => {
    const { docId, sid, query } = target
    const { sessions, log } = context
    // EventSource sends the header on reconnects; the query form serves clients that cannot set it.
    const lastEventId = headerOf(request, 'last-event-id') ?? query.get(LAST_EVENT_ID_QUERY_PARAM) ?? undefined
    const cursor = parseCursor(lastEventId)

    const closed = sessions.tombstone(sid, docId)
    if (closed) {
      openStream(response)
      writeClose(response, closed)
      response.end()
      return
    }

    let session = sessions.get(sid, docId)
    let isResync = false
    let fromSeq = 0
    if (session && cursor && session.canResume(cursor)) {
      fromSeq = cursor.seq
    } else if (session && (cursor || session.wasEverAttached || session.hasDroppedFrames)) {
      // A gap we cannot replay (or a client that lost its ids): start over and exchange state vectors.
      sessions.replace(session)
      session = undefined
      isResync = true
    } else if (!session && lastEventId) {
      isResync = true
    }
    if (!session) {
      session =
        (await openSession(context, request, response, { ...target, transport: TransportKind.ServerSentEvents })) ??
        undefined
      if (!session) return
    }
    if (request.destroyed) return
    if (session.closeInfo) {
      openStream(response)
      writeClose(response, session.closeInfo)
      response.end()
      return
    }
    if (query.get(THREADS_QUERY_PARAM) === '1') session.askForThreads()
    if (isResync) log.debug({ docId, connectionId: session.id }, 'http stream resync')
    else if (cursor) log.debug({ docId, connectionId: session.id, from: fromSeq }, 'http stream resumed')
    streamSession(context, request, response, session, fromSeq, isResync)
  }
}

function streamSession(
  context: HttpTransportContext,
  request: IncomingMessage,
  response: ServerResponse,
  session: HttpSession,
  fromSeq: number,
  isResync: boolean,
): void {
  const { timings } = context
  openStream(response)
  response.write(`retry: ${RETRY_MS}\n\n`)
  const hello: SseHello = {
    v: 1,
    sid: session.sid,
    epoch: session.epoch,
    heartbeatMs: timings.heartbeatMs,
    resumed: fromSeq > 0 && !isResync,
  }
  writeEvent(response, SseEventType.Hello, JSON.stringify(hello))
  if (isResync) writeEvent(response, SseEventType.Resync, '{}')

  let sentSeq = fromSeq
  let isWaitingForDrain = false
  let isFlushScheduled = false
  let isEnded = false

  const flush = (): void => {
    isFlushScheduled = false
    if (isEnded || isWaitingForDrain) return
    const pending = session.framesAfter(sentSeq)
    let index = 0
    while (index < pending.length) {
      const batch: Uint8Array[] = []
      let bytes = 0
      let lastSeq = sentSeq
      while (
        index < pending.length &&
        (batch.length === 0 || bytes + pending[index]!.frame.byteLength <= MAX_EVENT_BYTES)
      ) {
        const entry = pending[index++]!
        batch.push(entry.frame)
        bytes += entry.frame.byteLength
        lastSeq = entry.seq
      }
      const isWritable = response.write(formatSseFramesEvent(encodeEventData(batch), session.epoch, lastSeq))
      sentSeq = lastSeq
      session.markDelivered(lastSeq)
      if (!isWritable) {
        // The client reads slowly: frames wait in the session (bounded) rather than in socket buffers.
        isWaitingForDrain = true
        response.once('drain', () => {
          isWaitingForDrain = false
          flush()
        })
        return
      }
    }
  }

  const end = (): void => {
    if (isEnded) return
    isEnded = true
    clearInterval(heartbeat)
    clearTimeout(recycle)
    session.detach(downlink)
    response.end()
  }

  const downlink: Downlink = {
    wake: () => {
      // Frames queued by one callback (a room's turn of updates, its presence) share one event;
      // a microtask, not another loop turn: the room already gathered the turn's updates.
      if (isFlushScheduled) return
      isFlushScheduled = true
      queueMicrotask(flush)
    },
    closed: (code: CloseCode, reason: string) => {
      flush()
      if (!isEnded) writeClose(response, { code, reason })
      end()
    },
    superseded: () => end(),
  }

  const heartbeat = setInterval(() => writeEvent(response, SseEventType.Ping, String(Date.now())), timings.heartbeatMs)
  heartbeat.unref()
  // Jitter, so streams opened together (after a deploy) are not all recycled together.
  const lifetimeMs = timings.maxStreamLifetimeMs * (0.8 + 0.2 * Math.random())
  const recycle = setTimeout(() => {
    flush()
    if (!isEnded) writeEvent(response, SseEventType.Recycle, '{}')
    end()
  }, lifetimeMs)
  recycle.unref()
  // 'close' on the response: the client went away (or we ended it); on the request it may mean only "body read".
  response.on('close', end)
  response.on('error', end)

  session.attach(downlink)
  flush()
}

function openStream(response: ServerResponse): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    // no-transform keeps compressing proxies away; compression would hold events in its window.
    'Cache-Control': 'no-cache, no-store, no-transform, must-revalidate, max-age=0',
    Pragma: 'no-cache',
    // nginx (and proxies that copy it) otherwise buffers the response and the events stall.
    'X-Accel-Buffering': 'no',
    Connection: 'keep-alive',
  })
  response.socket?.setNoDelay(true)
  // A comment right after the headers: some proxies hold the headers until the first body bytes.
  response.write(':\n\n')
}

function writeEvent(response: ServerResponse, event: SseEventType, data: string): void {
  if (response.writableEnded) return
  response.write(formatSseEvent(event, data))
}

function writeClose(response: ServerResponse, info: SessionClose): void {
  writeEvent(response, SseEventType.Close, JSON.stringify({ code: info.code, reason: info.reason }))
}
