import { fromBase64, toBase64 } from 'lib0/buffer'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { ErrorCode } from '../errors.js'
import { CloseCode } from './close-codes.js'

/**
 * The HTTP fallback's framing (docs/protocol.md, "HTTP fallback transports"), as the server writes
 * it and the client reads it:
 *
 *   GET    /collab/<docId>/events?sid=<sid>            text/event-stream, events below
 *   GET    /collab/<docId>/poll?sid=<sid>[&cursor=<c>] body = batch, header Tandem-Cursor = <c>
 *   POST   /collab/<docId>/messages?sid=<sid>          body = batch; answer body = batch of replies
 *   DELETE /collab/<docId>/messages?sid=<sid>          the session leaves its room (204)
 *
 *   batch  = { varUint8Array(frame) }   each frame a whole y-websocket frame (frames.ts), none empty
 *   cursor = epoch ":" seq              epoch [A-Za-z0-9]{1,16}, seq a decimal of up to 15 digits
 */

/** The last path segment of each fallback endpoint, after `/collab/<docId>/`. */
export const HttpEndpoint = {
  /** GET: the session's frames as server-sent events. */
  Events: 'events',
  /** GET: the session's frames as long-poll answers. */
  Poll: 'poll',
  /** POST: a batch of client frames; DELETE: end the session. */
  Messages: 'messages',
} as const
export type HttpEndpoint = (typeof HttpEndpoint)[keyof typeof HttpEndpoint]

/** Query parameter naming the client's session on every fallback request. */
export const SESSION_QUERY_PARAM = 'sid'
/** Query parameter of a poll: the cursor of the last answer received. */
export const CURSOR_QUERY_PARAM = 'cursor'
/** Query form of `Last-Event-ID`, for SSE clients that cannot set the header. */
export const LAST_EVENT_ID_QUERY_PARAM = 'lastEventId'
/** Response header of a poll answer: the cursor to send on the next poll. */
export const CURSOR_HEADER = 'Tandem-Cursor'

/** Client-chosen session ids: random, URL-safe, long enough not to collide or be guessed. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/

/** `<epoch>:<seq>`: the epoch names one incarnation of a session, seq counts its frames. */
const CURSOR_PATTERN = /^([A-Za-z0-9]{1,16}):(\d{1,15})$/

/** Where a client stands in a session's frames: an SSE event id, or a poll cursor. */
export interface Cursor {
  /** The session incarnation the seq belongs to; a session re-created for the same sid has another. */
  epoch: string
  /** Seq of the last frame received (frames are numbered 1, 2, … per session). */
  seq: number
}

export function formatCursor(epoch: string, seq: number): string {
  return `${epoch}:${seq}`
}

/** The cursor in `value`, validated strictly; null for anything else (absent, malformed, too long). */
export function parseCursor(value: string | undefined | null): Cursor | null {
  if (!value) return null
  const match = CURSOR_PATTERN.exec(value.trim())
  if (!match) return null
  return { epoch: match[1]!, seq: Number(match[2]) }
}

/** A batch: each frame as a lib0 varUint8Array (length-prefixed), back to back. */
export function encodeFrames(frames: readonly Uint8Array[]): Uint8Array {
  const encoder = encoding.createEncoder()
  for (const frame of frames) encoding.writeVarUint8Array(encoder, frame)
  return encoding.toUint8Array(encoder)
}

/** Inverse of encodeFrames; null when the body is not a whole number of non-empty frames. */
export function decodeFrames(body: Uint8Array): Uint8Array[] | null {
  const decoder = decoding.createDecoder(body)
  const frames: Uint8Array[] = []
  try {
    while (decoding.hasContent(decoder)) {
      const frame = decoding.readVarUint8Array(decoder)
      if (frame.byteLength === 0) return null
      frames.push(frame)
    }
  } catch {
    return null
  }
  return frames
}

/** The `event:` names of the SSE downlink. Clients ignore names they do not know. */
export const SseEventType = {
  /** Always first: `SseHello`. */
  Hello: 'hello',
  /** `id: <cursor>`, data = `encodeSseFrames(frames)`. Only these events carry ids. */
  Frames: 'frames',
  /** Server time in ms; keeps proxies from cutting an idle stream. */
  Ping: 'ping',
  /** `{}`: the stream could not resume; the client re-sends its SyncStep1 to heal the gap. */
  Resync: 'resync',
  /** `{}`: the server ends the stream on purpose; reconnect at once with Last-Event-ID. */
  Recycle: 'recycle',
  /** `SessionClose`: the session is over, exactly like a WebSocket close with that code. */
  Close: 'close',
} as const
export type SseEventType = (typeof SseEventType)[keyof typeof SseEventType]

/** Data of the `hello` event. */
export interface SseHello {
  /** Framing version: 1. */
  v: number
  /** The session id the client chose. */
  sid: string
  /** The session's epoch (see Cursor). */
  epoch: string
  /** Interval of `ping` events. */
  heartbeatMs: number
  /** True when the stream continues after the client's Last-Event-ID; false for a new or resynced stream. */
  resumed: boolean
}

/** Data of the `close` event; the same fields ride a 410 answer as `closeCode` and `reason`. */
export interface SessionClose {
  /** A WebSocket close code (shared/protocol/close-codes.ts). */
  code: number
  /** `<error-code>: <detail>`. */
  reason: string
}

/** One SSE event as written on the wire (LF line ends, one `data:` line: base64 and JSON have no newlines). */
export function formatSseEvent(event: SseEventType, data: string, id?: string): string {
  return id === undefined ? `event: ${event}\ndata: ${data}\n\n` : `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`
}

/**
 * A whole `frames` event, its id the cursor of its last frame. The server writes one per broadcast
 * per stream, so this builds it in one string, without an intermediate cursor string.
 */
export function formatSseFramesEvent(data: string, epoch: string, seq: number): string {
  return `id: ${epoch}:${seq}\nevent: ${SseEventType.Frames}\ndata: ${data}\n\n`
}

/** Data of a `frames` event: the batch, base64-encoded. */
export function encodeSseFrames(frames: readonly Uint8Array[]): string {
  return toBase64(encodeFrames(frames))
}

/** Inverse of encodeSseFrames; null for data that is not base64 of a batch. */
export function decodeSseFrames(data: string): Uint8Array[] | null {
  let body: Uint8Array
  try {
    body = fromBase64(data.trim())
  } catch {
    return null
  }
  return decodeFrames(body)
}

/**
 * Body of every refused fallback request: `{ error, message }`, plus `closeCode` and `reason` when
 * the answer ends the session.
 */
export interface HttpErrorBody {
  /** An error code (shared/errors.ts). */
  error: string
  /** What happened, for people. */
  message: string
  /** The WebSocket close code this answer stands for. */
  closeCode?: number
  /** The close reason, `<error-code>: <detail>`. */
  reason?: string
}

/**
 * The close a 4xx answer stands for, from its status and body text: its `closeCode` and `reason`
 * when present, else the close its status stands for (docs/protocol.md, "Status codes"): 4401 for a
 * 401, 4403 for a 403, 4413 for a 413, 4400 for anything else — except 404 and 405, which a Tandem
 * sync endpoint never answers: whatever answered is not a Tandem server (4426 `not-tandem-server`).
 */
export function closeOfErrorAnswer(status: number, bodyText: string): SessionClose {
  const body = parseJsonObject(bodyText)
  const closeCode = Number(body.closeCode)
  if (!closeCode && (status === 404 || status === 405)) {
    return {
      code: CloseCode.IncompatibleServer,
      reason: `${ErrorCode.NotTandemServer}: HTTP ${status} from its sync endpoint`,
    }
  }
  const code = closeCode || (CLOSE_BY_STATUS[status] ?? CloseCode.BadRequest)
  const reason = String(body.reason ?? `${String(body.error ?? 'bad-request')}: ${String(body.message ?? status)}`)
  return { code, reason }
}

/** The close an error status stands for when its body does not say. */
const CLOSE_BY_STATUS: Partial<Record<number, CloseCode>> = {
  401: CloseCode.Unauthorized,
  403: CloseCode.Forbidden,
  413: CloseCode.TooLarge,
}

/** The JSON object in `text`, or an empty one for anything else. */
export function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
