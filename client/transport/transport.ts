import type { TransportKind } from '../../shared/protocol/transport-kind.js'

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

/**
 * The seam between the sync session and the wire. y-websocket's provider drives a WebSocket-shaped
 * object (send / close / onmessage / onopen / onclose), so every transport Tandem speaks is offered to
 * it in that shape: WebSocket, SSE + POST and long-poll + POST are each a `Transport` producing a
 * socket class (test/contracts/transport-contract.ts holds them to one contract), and the provider
 * above stays unchanged.
 */
export interface Transport {
  /** The transport its sockets start on (a ladder's first rung). */
  readonly kind: TransportKind
  /** A socket class bound to `onActivity`, called after every frame in or out and on ack. */
  socketClass(onActivity: () => void): TransportSocketClass
}
