import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import { MAX_SIGNAL_MESSAGE_BYTES } from '../../shared/limits.js'
import { CloseCode, closeCodeFor, closeReason } from '../../shared/protocol/close-codes.js'
import { TOKEN_QUERY_PARAM } from '../../shared/protocol/message-type.js'
import type { Authenticator } from '../auth/authenticator.js'
import type { ClientAddressOf } from '../http/client-address.js'
import type { ConnectionLimiter } from '../http/connection-limiter.js'
import { LiveSocket } from '../http/live-socket.js'
import { loggablePath, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { SignallingHub, type SignalPeer, type SignallingLimits } from './signalling-hub.js'

export const SIGNAL_PATH = '/signal'

/** An ICE server handed to browsers (RTCIceServer's shape). */
export interface IceServer {
  /** `stun:` or `turn:` URLs. */
  urls: string | string[]
  /** TURN only: prefer short-lived credentials (TURN REST API), since every client sees them. */
  username?: string
  /** TURN only. */
  credential?: string
}

/** Operator settings for peer-to-peer presence. */
export interface SignallingSettings {
  /** STUN/TURN servers sent to clients; empty means host candidates only (a LAN). */
  iceServers?: IceServer[]
  /**
   * False turns peer-to-peer presence off (WebRTC shows each collaborator the others' IP
   * addresses): Tandem clients then use the server relay only. Default true.
   */
  isPeerToPeerEnabled?: boolean
  /** Overrides of the signalling limits (shared/limits.ts). */
  limits?: Partial<SignallingLimits>
  /**
   * False when peers of one document may sit on different instances: signalling does not cross
   * instances yet, so Tandem clients then keep presence on the sync socket. Default true.
   */
  isSingleInstance?: boolean
}

export interface SignallingBindingOptions extends SignallingSettings {
  /** Checks the upgrade's token, then each topic as a document. */
  authenticator: Authenticator
  /** Where refusals and failures are logged, once each. */
  log: Logger
  /** Receives the signalling connection gauge and message counters. */
  metrics: Metrics
  /** Sockets that do not answer a ping within this are terminated. */
  heartbeatIntervalMs: number
  /** True while the server drains: upgrades are refused with 503. */
  isDraining: () => boolean
  /** Cross-site WebSocket hijacking guard (ALLOWED_ORIGINS), as for /collab. */
  isOriginAllowed: (origin: string | undefined) => boolean
  /** The client's address for the per-address limit. */
  clientAddress: ClientAddressOf
  /** The per-address connection count, shared with document WebSockets and HTTP sessions. */
  connections: ConnectionLimiter
}

/**
 * Serves `ws://HOST:PORT/signal`: the y-webrtc signalling protocol (a stock `WebrtcProvider` works
 * against it) with credentials checked at upgrade and per topic. Registered on the WebSocket
 * binding's upgrade seam; one Tandem-specific `tandem-config` message tells clients the ICE
 * servers and whether peer-to-peer is allowed (stock clients ignore it).
 */
export class SignallingBinding {
  readonly hub: SignallingHub
  private readonly wss: WebSocketServer
  private readonly sockets = new Set<SignalSocket>()
  private readonly heartbeat: NodeJS.Timeout
  private nextId = 1

  constructor(private readonly options: SignallingBindingOptions) {
    this.hub = new SignallingHub({ log: options.log, metrics: options.metrics, limits: options.limits })
    this.wss = new WebSocketServer({
      noServer: true,
      // ws closes with 1009 far above the limit; the hub enforces the exact one with a reason (4413).
      maxPayload: (options.limits?.maxMessageBytes ?? MAX_SIGNAL_MESSAGE_BYTES) + 1024,
      perMessageDeflate: false,
    })
    this.wss.on('error', (error) => options.log.error({ err: error }, 'signalling server error'))
    this.heartbeat = setInterval(() => {
      for (const socket of this.sockets) socket.checkAlive()
    }, options.heartbeatIntervalMs)
    this.heartbeat.unref()
  }

  /** The upgrade handler to register with `WebSocketBinding.addUpgradeHandler`. */
  readonly handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (url.pathname !== SIGNAL_PATH && url.pathname !== `${SIGNAL_PATH}/`) return false
    const { log, metrics } = this.options
    if (this.options.isDraining()) {
      rejectUpgrade(socket, 503, 'Service Unavailable')
      return true
    }
    if (!this.options.isOriginAllowed(request.headers.origin)) {
      log.warn({ path: loggablePath(request.url), origin: request.headers.origin }, 'origin refused')
      rejectUpgrade(socket, 403, 'Forbidden')
      return true
    }
    const address = this.options.clientAddress(request)
    if (!this.options.connections.hasRoom(address)) {
      metrics.rejectedFrames.inc({ code: ErrorCode.TooManyConnections })
      log.warn({ address, code: ErrorCode.TooManyConnections }, 'signalling connection refused')
      rejectUpgrade(socket, 429, 'Too Many Requests')
      return true
    }
    const token = url.searchParams.get(TOKEN_QUERY_PARAM) ?? undefined
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // Counted once the handshake completed (a failed one never calls back); ws calls back
      // synchronously, so the room checked above is normally still there.
      if (!this.options.connections.tryAcquire(address)) {
        metrics.rejectedFrames.inc({ code: ErrorCode.TooManyConnections })
        ws.close(
          CloseCode.RateLimited,
          closeReason(ErrorCode.TooManyConnections, 'too many connections from this address'),
        )
        return
      }
      void this.attach(ws, token, address)
    })
    return true
  }

  /** Closes every signalling connection (the server is stopping). */
  close(): void {
    clearInterval(this.heartbeat)
    for (const socket of this.sockets) {
      socket.close(CloseCode.ServiceRestart, closeReason(ErrorCode.ServerShuttingDown, 'reconnect'))
    }
    this.wss.close()
  }

  private async attach(ws: WebSocket, token: string | undefined, address: string): Promise<void> {
    const { authenticator, log, metrics } = this.options
    const socket = new SignalSocket(ws, `signal-${(this.nextId++).toString(36)}`, log)
    this.sockets.add(socket)
    metrics.signallingConnections.inc()
    // Messages sent before the token is checked wait (bounded) and are replayed in order.
    const early: string[] = []
    let session: ReturnType<SignallingHub['open']> | null = null
    let expiryTimer: NodeJS.Timeout | undefined
    let stopWatchingRevocation: (() => void) | undefined

    ws.on('message', (data: RawData) => {
      const text = rawToString(data)
      if (session) return session.receive(text)
      if (early.length >= 16) {
        socket.close(CloseCode.RateLimited, closeReason(ErrorCode.RateLimited, 'too much sent before authentication'))
        return
      }
      early.push(text)
    })
    ws.on('pong', () => socket.markAlive())
    ws.on('error', (error) => log.debug({ err: error, connectionId: socket.id }, 'signalling socket error'))
    ws.on('close', () => {
      this.sockets.delete(socket)
      this.options.connections.release(address)
      metrics.signallingConnections.dec()
      clearTimeout(expiryTimer)
      stopWatchingRevocation?.()
      session?.end()
    })

    try {
      const principal = await authenticator.authenticate(token)
      if (Number.isFinite(principal.expiresAt)) {
        // Same rule as document sockets: an expired token ends the connection (clients fetch a fresh one).
        const delay = Math.max(0, Math.min(principal.expiresAt - Date.now(), 2 ** 31 - 1))
        expiryTimer = setTimeout(() => session?.fail(new SyncError(ErrorCode.TokenExpired, 'token expired')), delay)
        expiryTimer.unref()
      }
      // A revoked token ends signalling too (the hub re-checks it at each subscribe).
      stopWatchingRevocation = authenticator.watchRevocation?.(principal, (error) =>
        session ? session.fail(error) : socket.close(closeCodeFor(error.code), closeReason(error.code, error.message)),
      )
    } catch (error) {
      const code = error instanceof SyncError ? error.code : ErrorCode.Internal
      metrics.authFailures.inc({ code })
      log.info({ code, connectionId: socket.id }, 'signalling connection refused')
      socket.close(closeCodeFor(code), closeReason(code, (error as Error).message))
      return
    }
    if (ws.readyState !== WebSocket.OPEN) {
      stopWatchingRevocation?.() // closed while the token was checked: its close handler already ran
      return
    }
    session = this.hub.open(socket, (docId) => authenticator.authorize(token, docId))
    socket.send(
      JSON.stringify({
        type: 'tandem-config',
        iceServers: this.options.iceServers ?? [],
        isPeerToPeerEnabled: this.options.isPeerToPeerEnabled ?? true,
        isRelayAvailable: this.options.isSingleInstance ?? true,
        // Clients then keep the server-stamped name of each peer for its direct updates too.
        isIdentityVerified: authenticator.isEnabled,
      }),
    )
    for (const text of early.splice(0)) session.receive(text)
  }
}

class SignalSocket extends LiveSocket implements SignalPeer {
  constructor(
    ws: WebSocket,
    readonly id: string,
    private readonly log: Logger,
  ) {
    super(ws)
  }

  send(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    // Presence is lossy: a client that does not read loses its signalling, not our memory.
    if (this.ws.bufferedAmount > 1024 * 1024) {
      this.log.warn({ connectionId: this.id, buffered: this.ws.bufferedAmount }, 'slow signalling consumer dropped')
      this.ws.terminate()
      return
    }
    this.ws.send(text)
  }
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  socket.end(`HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/** y-webrtc sends text frames; binary ones are read as UTF-8 too, as its reference server does. */
function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}
