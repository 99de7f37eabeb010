import { CloseCode } from '../../shared/protocol/close-codes.js'
import { decodeFrame, messageTypeOf } from '../../shared/protocol/frames.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { toBytes, type PendingFrame, type Rung, type RungEvents } from './rung.js'

/** The part of the WebSocket API the ladder uses, so it runs on the browser's and on `ws` in Node. */
export interface WebSocketLike {
  /** Set to `'arraybuffer'` before the first message. */
  binaryType: string
  /** 1 while open (WebSocket.OPEN). */
  readonly readyState: number
  /** Called once the handshake completed. */
  onopen: ((event: unknown) => void) | null
  /** Called for every message; `data` is an ArrayBuffer for binary ones. */
  onmessage: ((event: { data: unknown }) => void) | null
  /** Called once, when the socket closed or failed to open. */
  onclose: ((event: { code: number; reason: string }) => void) | null
  /** Called on failure; a close event follows. */
  onerror: ((event: unknown) => void) | null
  /** Sends one binary message. */
  send(data: Uint8Array): void
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void
}
export type WebSocketLikeClass = new (url: string) => WebSocketLike

/**
 * The WebSocket rung. It counts as open on the server's first frame, not at `onopen`: proxies accept
 * the upgrade and then swallow frames. Ack frames are consumed here and mapped to the ladder's
 * ordinals (Ack(count) covers this connection's first `count` update-bearing frames).
 */
export class WebSocketRung implements Rung {
  readonly kind = TransportKind.WebSocket
  private readonly ws: WebSocketLike
  private isOpen = false
  private isStopped = false
  private readonly ordinals: number[] = []
  private acked = 0

  constructor(
    url: string,
    WebSocketClass: WebSocketLikeClass,
    private readonly events: RungEvents,
  ) {
    this.ws = new WebSocketClass(url)
    this.ws.binaryType = 'arraybuffer'
    this.ws.onmessage = (event) => {
      if (this.isStopped) return
      const frame = toBytes(event.data)
      if (!frame) return
      if (!this.isOpen) {
        this.isOpen = true
        this.events.onOpen()
      }
      if (messageTypeOf(frame) === MessageType.Ack) return this.onAck(frame)
      this.events.onFrames([frame])
    }
    this.ws.onerror = () => undefined // a close event follows
    this.ws.onclose = (event) => {
      if (this.isStopped) return
      this.isStopped = true
      this.events.onClose(event.code || CloseCode.AbnormalClosure, event.reason || 'websocket closed')
    }
  }

  send(frame: Uint8Array, ordinal: number | null): void {
    if (this.isStopped || this.ws.readyState !== 1) return
    this.ws.send(frame)
    if (ordinal !== null) this.ordinals.push(ordinal)
  }

  /** Nothing to hand over: frames sent on a WebSocket are the server's, or lost with it (the provider resyncs). */
  detachUplink(): PendingFrame[] {
    return []
  }

  end(): Promise<void> {
    this.stop()
    return Promise.resolve()
  }

  stop(): void {
    if (this.isStopped) return
    this.isStopped = true
    this.ws.onmessage = null
    this.ws.onclose = null
    this.ws.onerror = () => undefined
    try {
      this.ws.close()
    } catch {
      // closing a socket that never connected may throw in some implementations
    }
  }

  private onAck(frame: Uint8Array): void {
    const ack = decodeFrame(frame)
    if (ack?.type !== MessageType.Ack || ack.count <= this.acked) return
    const durable = this.ordinals.slice(this.acked, ack.count)
    this.acked = ack.count
    if (durable.length > 0) this.events.onDurable(durable)
  }
}
