/**
 * The seam between the sync session and the wire. y-websocket's provider drives a WebSocket-shaped
 * object (send / close / onmessage / onopen / onclose), so every transport Tandem speaks is offered to
 * it in that shape: a later SSE or long-poll transport is one more `Transport` producing a socket
 * class, and the provider above stays unchanged.
 */
export const TransportKind = {
  WebSocket: 'websocket',
  /** `GET /collab/<docId>/events` (SSE) down, `POST /collab/<docId>/messages` up. */
  ServerSentEvents: 'sse',
  /** `GET /collab/<docId>/poll` down, POST up, for proxies that buffer streams. */
  LongPoll: 'long-poll',
} as const
export type TransportKind = (typeof TransportKind)[keyof typeof TransportKind]

/** What an embedder may ask for; `auto` picks the best transport that works, by evidence (fallback-transport.ts). */
export type TransportPreference = 'auto' | TransportKind

/** Counters a transport keeps per connection, so the provider can tell "sent" from "durable". */
export interface FrameCounts {
  /** Update-bearing frames (SyncStep2 or Update) sent on this connection. */
  readonly updateFramesSent: number
  /** Highest Ack(count) the server sent on this connection. */
  readonly updateFramesAcked: number
  /** True once the server's first frame arrived: an open socket alone proves nothing behind a proxy. */
  readonly hasReceivedMessage: boolean
  /** True once the server's SyncStep1 arrived, so our SyncStep2 (everything it lacks) is on its way. */
  readonly hasReceivedSyncStep1: boolean
  /** The transport carrying frames now, for sockets that may change it (absent: the class's own kind). */
  readonly transport?: TransportKind | null
}

/** A WebSocket-compatible connection that also counts frames for acknowledgement tracking. */
export interface TransportSocket extends FrameCounts {
  /** Records a server Ack(count); counts are cumulative, so a smaller one changes nothing. */
  acknowledge(count: number): void
}

/** The constructor y-websocket calls as `new WS(url, protocols)`. */
export type TransportSocketClass = {
  new (url: string | URL, protocols?: string | string[]): WebSocket & TransportSocket
}

export interface Transport {
  readonly kind: TransportKind
  /** A socket class bound to `onActivity`, called after every frame in or out and on ack. */
  socketClass(onActivity: () => void): TransportSocketClass
}

/** True for a frame whose first bytes are Sync + SyncStep2 or Sync + Update (y-protocols). */
export function isUpdateBearingFrame(frame: Uint8Array): boolean {
  return frame.length >= 2 && frame[0] === 0 && (frame[1] === 1 || frame[1] === 2)
}
