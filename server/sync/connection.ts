import type { CloseCode } from '../../shared/protocol/close-codes.js'
import type { TransportKind } from '../../shared/protocol/transport-kind.js'

/**
 * One client as a DocRoom sees it. Bindings (WebSocket, and the SSE and long-poll sessions) implement
 * it; the room never learns which transport carried the bytes.
 */
export interface Connection {
  /** Unique per server process, for logs. */
  readonly id: string
  /** For metrics and logs only: the room must not branch on it. */
  readonly transport: TransportKind
  /** The client asked for Ack frames (`?acks=1`); stock y-websocket clients never do. */
  readonly wantsAcks: boolean
  /**
   * The client asked for Threads frames (`?threads=1`): comment threads, live. Stock y-websocket
   * clients never do. Read when the client session starts; an HTTP session may turn it on later.
   */
  readonly wantsThreads: boolean
  /** Queues one frame for the client. Never throws; a dead or overflowing connection drops it. */
  send(frame: Uint8Array): void
  /** Ends the connection with a code and reason the client can act on (see docs/protocol.md). */
  close(code: CloseCode, reason: string): void
}

let nextConnectionNumber = 1

export function nextConnectionId(transport: TransportKind): string {
  return connectionId(transport, takeConnectionNumber())
}

/**
 * The number behind a connection's id, for a binding that makes the id string only when it is
 * used (logs): an idle WebSocket connection then keeps a small integer, not a string.
 */
export function takeConnectionNumber(): number {
  return nextConnectionNumber++
}

export function connectionId(transport: TransportKind, number: number): string {
  return `${transport}-${number.toString(36)}`
}
