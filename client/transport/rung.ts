import type { TransportKind } from '../../shared/protocol/transport-kind.js'

/**
 * One rung of the fallback ladder (fallback-socket.ts): a live connection to the server over one
 * transport, WebSocket (websocket-rung.ts) or HTTP (http-channel.ts). The ladder owns the frames'
 * ordinals; a rung carries frames and reports what happened.
 */
export interface Rung {
  /** The transport this rung speaks. */
  readonly kind: TransportKind
  /** Sends one frame; `ordinal` numbers an update-bearing frame (for acknowledgement), else null. */
  send(frame: Uint8Array, ordinal: number | null): void
  /** Takes the frames not yet acknowledged (to resend elsewhere); the downlink keeps running. */
  detachUplink(): PendingFrame[]
  /** Stops, and ends the server-side session (so it leaves the room now, with our presence). */
  end(): Promise<void>
}

/** A frame handed to a rung and not yet acknowledged. */
export interface PendingFrame {
  /** The y-websocket frame. */
  frame: Uint8Array
  /** Ordinal of an update-bearing frame (for acknowledgement), null for other frames. */
  ordinal: number | null
}

/** What a rung reports to the ladder. */
export interface RungEvents {
  /** The downlink proved itself: the server's first WebSocket frame, the SSE `hello` or the first poll answer. */
  onOpen(): void
  /** Frames from the server, in order (Ack frames excepted: they become onDurable). */
  onFrames(frames: Uint8Array[]): void
  /** The update-bearing frames with these ordinals are committed on the server. */
  onDurable(ordinals: number[]): void
  /** The server could not replay what we missed: a state-vector exchange must heal the gap. */
  onResync(): void
  /** The stream arrives in bursts (a buffering proxy): long-polling would serve better. */
  onBuffered(): void
  /** The rung is finished, with a WebSocket close code and reason (1006 when it gave up). */
  onClose(code: number, reason: string): void
}

/** The bytes of a WebSocket message or `send` argument, without copying; null for text. */
export function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return null
}
