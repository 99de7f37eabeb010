import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import { DOC_ID_RULE, isValidDocId, type DocId } from '../../shared/ids.js'
import { CloseCode, closeCodeFor, closeReason } from '../../shared/protocol/close-codes.js'
import {
  ACKS_QUERY_PARAM,
  NAME_QUERY_PARAM,
  THREADS_QUERY_PARAM,
  TOKEN_QUERY_PARAM,
} from '../../shared/protocol/message-type.js'
import { PROTOCOL_QUERY_PARAM, protocolMismatch } from '../../shared/protocol/protocol-version.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import type { Authenticator } from '../auth/authenticator.js'
import type { ThreadSubscriptions } from '../comments/live-thread-feed.js'
import type { ClientAddressOf } from '../http/client-address.js'
import type { ConnectionLimiter } from '../http/connection-limiter.js'
import { forbiddenOriginDetail } from '../http/cors.js'
import { LiveSocket } from '../http/live-socket.js'
import { loggablePath, type Logger } from '../logger.js'
import { countConnection, type Metrics } from '../metrics.js'
import { connectionId, takeConnectionNumber, type Connection } from '../sync/connection.js'
import type { ServerLimits } from '../server-limits.js'
import { ClientSession } from '../sync/client-session.js'
import { suggestOnlyReadyFor } from '../sync/suggest-only-loader.js'
import type { RoomRegistry } from '../sync/room-registry.js'

export const COLLAB_PATH_PREFIX = '/collab/'

export interface WebSocketBindingOptions {
  registry: RoomRegistry
  authenticator: Authenticator
  limits: ServerLimits
  log: Logger
  metrics: Metrics
  /** ws's own hard cap; per-type limits are enforced by the room. */
  maxPayloadBytes: number
  maxSendBufferBytes: number
  heartbeatIntervalMs: number
  /** True while the server drains: new upgrades are refused with 503 so the balancer retries elsewhere. */
  isDraining: () => boolean
  /**
   * Cross-site WebSocket hijacking guard (ALLOWED_ORIGINS). A refused origin's socket is upgraded
   * only to be closed at once with 4403 `forbidden-origin`, before anything is read or loaded.
   */
  isOriginAllowed: (origin: string | undefined) => boolean
  /** The client's address for per-address limits (honours X-Forwarded-For only behind a trusted proxy). */
  clientAddress: ClientAddressOf
  /** The per-address connection count, shared with the HTTP sessions and signalling. */
  connections: ConnectionLimiter
  /** Comment threads for connections that ask with `?threads=1`; absent, none are delivered. */
  threads?: ThreadSubscriptions
}

/** Until its credentials are checked, a connection may make the server hold only this much. */
const MAX_UNAUTHENTICATED_BYTES = 64 * 1024
const MAX_UNAUTHENTICATED_FRAMES = 100
/** A refused socket whose peer does not complete the close handshake is terminated after this. */
const REFUSED_SOCKET_LINGER_MS = 5_000

/** Handles other upgrade paths (e.g. /signal); returns false when the path is not its own. */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean

/**
 * Serves `ws://HOST:PORT/collab/<docId>` (the y-websocket protocol) on the shared HTTP server.
 * Each socket becomes a Connection handed to the document's room.
 */
export class WebSocketBinding {
  private readonly wss: WebSocketServer
  private readonly extraHandlers: UpgradeHandler[] = []
  private readonly heartbeat: NodeJS.Timeout
  private readonly sockets = new Set<WebSocketConnection>()
  /** Bound once: a labelled lookup per frame showed up in profiles. */
  private readonly bytesIn

  constructor(
    httpServer: Server,
    private readonly options: WebSocketBindingOptions,
  ) {
    this.bytesIn = options.metrics.bytesIn.labels(TransportKind.WebSocket)
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false })
    this.wss.on('error', (error) => options.log.error({ err: error }, 'websocket server error'))
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(request, socket, head),
    )
    this.heartbeat = setInterval(() => {
      for (const connection of this.sockets) connection.checkAlive()
    }, options.heartbeatIntervalMs)
    this.heartbeat.unref()
  }

  /** Lets later features (WebRTC signalling) share the port. */
  addUpgradeHandler(handler: UpgradeHandler): void {
    this.extraHandlers.push(handler)
  }

  get connectionCount(): number {
    return this.sockets.size
  }

  /** Terminates whatever is still open (after rooms closed their clients politely). */
  close(): void {
    clearInterval(this.heartbeat)
    for (const connection of this.sockets) connection.terminate()
    this.wss.close()
  }

  /**
   * One function per binding, not a closure made in onUpgrade: the listener stays on the socket for the
   * connection's life, and a closure would keep onUpgrade's whole scope (the request with its
   * headers, the parsed URL) alive with it — about 1 KiB per idle connection.
   */
  private readonly onUpgradeSocketError = (error: Error): void => {
    this.options.log.debug({ err: error }, 'upgrade socket error')
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', this.onUpgradeSocketError)
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (!url.pathname.startsWith(COLLAB_PATH_PREFIX)) {
      if (this.extraHandlers.some((handler) => handler(request, socket, head))) return
      return rejectUpgrade(socket, 404, 'Not Found')
    }
    if (this.options.isDraining()) return rejectUpgrade(socket, 503, 'Service Unavailable')
    const address = this.options.clientAddress(request)
    const { connections } = this.options
    if (!connections.hasRoom(address)) {
      this.options.metrics.rejectedFrames.inc({ code: ErrorCode.TooManyConnections })
      const open = connections.openFrom(address)
      this.options.log.warn({ address, open, code: ErrorCode.TooManyConnections }, 'connection refused')
      return rejectUpgrade(socket, 429, 'Too Many Requests')
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // Refusals complete the upgrade and close with a code and reason: a refused upgrade shows
      // browsers only 1006, which looks like a server that is down (and is retried for ever).
      // The origin comes first: a page from a refused origin (cross-site WebSocket hijacking)
      // learns nothing but that.
      const { origin } = request.headers
      if (!this.options.isOriginAllowed(origin)) {
        return this.refuse(ws, request, ErrorCode.ForbiddenOrigin, forbiddenOriginDetail(origin))
      }
      const mismatch = protocolMismatch(url.searchParams.get(PROTOCOL_QUERY_PARAM))
      if (mismatch) return this.refuse(ws, request, ErrorCode.IncompatibleProtocol, mismatch)
      const rawDocId = safeDecode(url.pathname.slice(COLLAB_PATH_PREFIX.length))
      if (!isValidDocId(rawDocId)) return this.refuse(ws, request, ErrorCode.InvalidDocId, DOC_ID_RULE)
      // Counted once the handshake completed: a failed one never calls back, so it could never be
      // released. ws calls back synchronously, so the room checked above is normally still there.
      if (!connections.tryAcquire(address)) {
        this.options.metrics.rejectedFrames.inc({ code: ErrorCode.TooManyConnections })
        refuseSocket(
          ws,
          CloseCode.RateLimited,
          closeReason(ErrorCode.TooManyConnections, 'too many connections from this address'),
        )
        return
      }
      const wants = {
        acks: url.searchParams.get(ACKS_QUERY_PARAM) === '1',
        threads: url.searchParams.get(THREADS_QUERY_PARAM) === '1',
      }
      const token = url.searchParams.get(TOKEN_QUERY_PARAM) ?? undefined
      const name = url.searchParams.get(NAME_QUERY_PARAM)?.trim().slice(0, 100) || undefined
      void this.attach(ws, rawDocId, wants, token, address, name)
    })
  }

  /** Closes a socket upgraded only to be refused, and logs it once. */
  private refuse(ws: WebSocket, request: IncomingMessage, code: ErrorCode, detail: string): void {
    const fields = { path: loggablePath(request.url), origin: request.headers.origin, code }
    this.options.log.warn(fields, 'connection refused')
    refuseSocket(ws, closeCodeFor(code), closeReason(code, detail))
  }

  private async attach(
    ws: WebSocket,
    docId: DocId,
    wants: { acks: boolean; threads: boolean },
    token: string | undefined,
    address: string,
    clientName: string | undefined,
  ): Promise<void> {
    const { registry, authenticator, log, metrics } = this.options
    const connection = new WebSocketConnection(ws, wants.acks, wants.threads, this.options)
    // Made on first use: most connections never log, and a pino child per idle connection costs memory.
    let childLog: Logger | null = null
    const connLog = (): Logger => (childLog ??= log.child({ docId, connectionId: connection.id }))
    this.sockets.add(connection)
    countConnection(metrics, TransportKind.WebSocket, 1)

    // Frames can arrive before authentication and loading finish; hold them (bounded: little
    // before the credentials are checked) and replay them in order.
    let session: ClientSession | null = null
    let isAuthenticated = false
    const early: Uint8Array[] = []
    let earlyBytes = 0

    const handle = (frame: Uint8Array): void => {
      if (!session || connection.isClosing) return
      try {
        session.receive(frame)
      } catch (error) {
        const code = error instanceof SyncError ? error.code : ErrorCode.Internal
        metrics.rejectedFrames.inc({ code })
        if (code === ErrorCode.Internal) connLog().error({ err: error }, 'frame handling failed')
        else connLog().warn({ code, reason: (error as Error).message, bytes: frame.byteLength }, 'frame rejected')
        connection.close(closeCodeFor(code), closeReason(code, (error as Error).message))
      }
    }

    ws.on('message', (data: RawData, isBinary: boolean) => {
      const frame = toUint8Array(data)
      this.bytesIn.inc(frame.byteLength)
      if (!isBinary) {
        metrics.rejectedFrames.inc({ code: ErrorCode.MalformedFrame })
        connLog().warn({ code: ErrorCode.MalformedFrame, bytes: frame.byteLength }, 'text frame rejected')
        connection.close(CloseCode.BadRequest, closeReason(ErrorCode.MalformedFrame, 'text frames are not accepted'))
        return
      }
      if (session) return handle(frame)
      earlyBytes += frame.byteLength
      const maxBytes = isAuthenticated ? this.options.maxPayloadBytes : MAX_UNAUTHENTICATED_BYTES
      if (earlyBytes > maxBytes || (!isAuthenticated && early.length >= MAX_UNAUTHENTICATED_FRAMES)) {
        connection.close(CloseCode.TooLarge, closeReason(ErrorCode.FrameTooLarge, 'too much sent before sync'))
        return
      }
      early.push(frame)
    })
    ws.on('error', (error) => connLog().debug({ err: error }, 'websocket error'))
    ws.on('pong', () => connection.markAlive())
    ws.on('close', (code: number) => {
      this.sockets.delete(connection)
      this.options.connections.release(address)
      countConnection(metrics, TransportKind.WebSocket, -1)
      connLog().debug({ code }, 'connection closed')
      if (session) {
        session.end()
        registry.release(session.room)
        session = null
      }
    })

    let principal
    try {
      principal = await authenticator.authorize(token, docId)
      // Without a token naming the user, the name the client gave attributes its edits in history.
      if (!principal.isVerified && clientName) principal = { ...principal, name: clientName }
      isAuthenticated = true
    } catch (error) {
      const code = error instanceof SyncError ? error.code : ErrorCode.Internal
      metrics.authFailures.inc({ code })
      connLog().info({ code }, 'connection refused')
      connection.close(closeCodeFor(code), closeReason(code, (error as Error).message))
      return
    }

    try {
      await suggestOnlyReadyFor(principal.role)
      const room = await registry.acquire(docId)
      if (ws.readyState !== WebSocket.OPEN) {
        registry.release(room)
        return
      }
      session = new ClientSession(connection, room, principal, this.options)
      session.start()
      for (const frame of early.splice(0)) handle(frame)
    } catch (error) {
      connLog().error({ err: error }, 'document could not be loaded')
      connection.close(
        CloseCode.InternalError,
        closeReason(ErrorCode.Internal, 'document could not be loaded; retrying'),
      )
    }
  }
}

class WebSocketConnection extends LiveSocket implements Connection {
  private readonly number = takeConnectionNumber()
  readonly transport = TransportKind.WebSocket
  private readonly bytesOut

  constructor(
    ws: WebSocket,
    readonly wantsAcks: boolean,
    readonly wantsThreads: boolean,
    private readonly options: WebSocketBindingOptions,
  ) {
    super(ws)
    this.bytesOut = options.metrics.bytesOut.labels(TransportKind.WebSocket)
  }

  /** Made when asked (logs only), so an idle connection keeps no string for it. */
  get id(): string {
    return connectionId(TransportKind.WebSocket, this.number)
  }

  send(frame: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    // A client that does not read would grow our memory without bound; it resyncs on reconnect.
    if (this.ws.bufferedAmount > this.options.maxSendBufferBytes) {
      this.options.log.warn({ connectionId: this.id, buffered: this.ws.bufferedAmount }, 'slow consumer dropped')
      this.ws.terminate()
      return
    }
    this.bytesOut.inc(frame.byteLength)
    this.ws.send(frame, { binary: true })
  }

  terminate(): void {
    this.ws.terminate()
  }

  override checkAlive(): boolean {
    if (super.checkAlive()) return true
    this.options.log.debug({ connectionId: this.id, code: ErrorCode.HeartbeatTimeout }, 'heartbeat lost')
    return false
  }
}

/**
 * Closes a socket that was upgraded only to carry a refusal: nothing was read from it and nothing
 * but the close frame is sent. A peer that never answers the close handshake is cut after a while.
 */
function refuseSocket(ws: WebSocket, code: CloseCode, reason: string): void {
  ws.close(code, reason)
  const timer = setTimeout(() => ws.terminate(), REFUSED_SOCKET_LINGER_MS)
  timer.unref()
  ws.once('close', () => clearTimeout(timer))
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  socket.end(`HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

function toUint8Array(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}
