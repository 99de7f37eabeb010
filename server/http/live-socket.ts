import { WebSocket } from 'ws'
import type { CloseCode } from '../../shared/protocol/close-codes.js'

/** How long a peer has to answer our close frame before the socket is cut. */
const CLOSE_HANDSHAKE_MS = 5_000

/**
 * The server's side of one accepted WebSocket, whatever it carries (sync frames, signalling): a
 * close that a silent peer cannot hold open, and the ping/pong heartbeat. Subclasses add sending.
 */
export class LiveSocket {
  private isAlive = true
  private closeTimer: NodeJS.Timeout | null = null

  constructor(protected readonly ws: WebSocket) {}

  /** Starts the close handshake; the socket is terminated if the peer does not answer it. */
  close(code: CloseCode, reason: string): void {
    if (this.ws.readyState === WebSocket.CLOSED || this.closeTimer) return
    this.ws.close(code, reason)
    // A peer that never answers the close handshake must not hold the socket forever.
    this.closeTimer = setTimeout(() => this.ws.terminate(), CLOSE_HANDSHAKE_MS)
    this.closeTimer.unref()
  }

  /** After a close was requested, later frames from the client are ignored. */
  get isClosing(): boolean {
    return this.closeTimer !== null || this.ws.readyState !== WebSocket.OPEN
  }

  /** Called on every pong. */
  markAlive(): void {
    this.isAlive = true
  }

  /**
   * Called every heartbeat interval: a socket that did not answer the previous ping is dead and
   * terminated (returns false); a live one is pinged again (returns true).
   */
  checkAlive(): boolean {
    if (!this.isAlive) {
      this.ws.terminate()
      return false
    }
    this.isAlive = false
    this.ws.ping()
    return true
  }
}
