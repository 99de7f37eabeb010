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
  /** What every connection shares (the labelled counters bound once: a lookup per frame showed in profiles). */
  private readonly shared: BindingShared

  constructor(
    httpServer: Server,
    private readonly options: WebSocketBindingOptions,
  ) {
    this.shared = {
      options,
      sockets: this.sockets,
      bytesIn: options.metrics.bytesIn.labels(TransportKind.WebSocket),
      bytesOut: options.metrics.bytesOut.labels(TransportKind.WebSocket),
    }
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
      // ws has its own error listener on the socket from here on; a second one would stay for the
      // connection's life and make the socket keep an array of listeners.
      socket.off('error', this.onUpgradeSocketError)
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
    const { registry, authenticator, metrics } = this.options
    const connection = new WebSocketConnection(ws, wants.acks, wants.threads, docId, address, this.shared)
    this.sockets.add(connection)
    countConnection(metrics, TransportKind.WebSocket, 1)

    let principal
    try {
      principal = await authenticator.authorize(token, docId)
      // Without a token naming the user, the name the client gave attributes its edits in history.
      if (!principal.isVerified && clientName) principal = { ...principal, name: clientName }
      connection.isAuthenticated = true
    } catch (error) {
      const code = error instanceof SyncError ? error.code : ErrorCode.Internal
      metrics.authFailures.inc({ code })
      connection.log().info({ code }, 'connection refused')
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
      connection.start(new ClientSession(connection, room, principal, this.options))
    } catch (error) {
      connection.log().error({ err: error }, 'document could not be loaded')
      connection.close(
        CloseCode.InternalError,
        closeReason(ErrorCode.Internal, 'document could not be loaded; retrying'),
      )
    }
  }
}

/** What every connection of one binding shares: one object, not a copy of each part per connection. */
interface BindingShared {
  readonly options: WebSocketBindingOptions
  readonly sockets: Set<WebSocketConnection>
  readonly bytesIn: Counter
  readonly bytesOut: Counter
}

type Counter = { inc(value: number): void }

/**
 * The connection each socket carries, for the socket listeners below. They are module functions
 * (ws calls them with the socket as `this`), so an idle connection keeps no closures of its own:
 * the four listeners, a frame handler and a logger closure over `attach`'s scope cost about 0.4
 * KiB of heap per connection (bench/tools/idle-heap.ts).
 */
const connectionOf = new WeakMap<WebSocket, WebSocketConnection>()

function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  connectionOf.get(this)?.onMessage(data, isBinary)
}

function onSocketError(this: WebSocket, error: Error): void {
  connectionOf.get(this)?.log().debug({ err: error }, 'websocket error')
}

function onSocketPong(this: WebSocket): void {
  connectionOf.get(this)?.markAlive()
}

function onSocketClose(this: WebSocket, code: number): void {
  connectionOf.get(this)?.onClosed(code)
}

class WebSocketConnection extends LiveSocket implements Connection {
  private readonly number = takeConnectionNumber()
  readonly transport = TransportKind.WebSocket
  /** Set once the credentials are checked: more may then be held before the session starts. */
  isAuthenticated = false
  /** The client in its room, once authenticated and the document loaded. */
  private session: ClientSession | null = null
  /**
   * Frames can arrive before authentication and loading finish; they are held (bounded: little
   * before the credentials are checked) and replayed in order. Null once the session started.
   */
  private early: Uint8Array[] | null = null
  private earlyBytes = 0
  /** Made on first use: most connections never log, and a pino child per idle connection costs memory. */
  private childLog: Logger | null = null

  constructor(
    ws: WebSocket,
    readonly wantsAcks: boolean,
    readonly wantsThreads: boolean,
    private readonly docId: DocId,
    private readonly address: string,
    private readonly shared: BindingShared,
  ) {
    super(ws)
    connectionOf.set(ws, this)
    ws.on('message', onSocketMessage)
    ws.on('error', onSocketError)
    ws.on('pong', onSocketPong)
    ws.on('close', onSocketClose)
  }

  /** Made when asked (logs only), so an idle connection keeps no string for it. */
  get id(): string {
    return connectionId(TransportKind.WebSocket, this.number)
  }

  log(): Logger {
    return (this.childLog ??= this.shared.options.log.child({ docId: this.docId, connectionId: this.id }))
  }

  /** The session begins: frames held so far are handled, in order, then each as it arrives. */
  start(session: ClientSession): void {
    this.session = session
    session.start()
    const early = this.early
    this.early = null
    this.earlyBytes = 0
    for (const frame of early ?? []) this.handle(frame)
  }

  onMessage(data: RawData, isBinary: boolean): void {
    const { options } = this.shared
    const frame = toUint8Array(data)
    this.shared.bytesIn.inc(frame.byteLength)
    if (!isBinary) {
      options.metrics.rejectedFrames.inc({ code: ErrorCode.MalformedFrame })
      this.log().warn({ code: ErrorCode.MalformedFrame, bytes: frame.byteLength }, 'text frame rejected')
      this.close(CloseCode.BadRequest, closeReason(ErrorCode.MalformedFrame, 'text frames are not accepted'))
      return
    }
    if (this.session) return this.handle(frame)
    this.earlyBytes += frame.byteLength
    const held = (this.early ??= [])
    const maxBytes = this.isAuthenticated ? options.maxPayloadBytes : MAX_UNAUTHENTICATED_BYTES
    if (this.earlyBytes > maxBytes || (!this.isAuthenticated && held.length >= MAX_UNAUTHENTICATED_FRAMES)) {
      this.close(CloseCode.TooLarge, closeReason(ErrorCode.FrameTooLarge, 'too much sent before sync'))
      return
    }
    held.push(frame)
  }

  onClosed(code: number): void {
    const { options, sockets } = this.shared
    sockets.delete(this)
    options.connections.release(this.address)
    countConnection(options.metrics, TransportKind.WebSocket, -1)
    this.log().debug({ code }, 'connection closed')
    const session = this.session
    if (session) {
      this.session = null
      session.end()
      options.registry.release(session.room)
    }
  }

  send(frame: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    // A client that does not read would grow our memory without bound; it resyncs on reconnect.
    if (this.ws.bufferedAmount > this.shared.options.maxSendBufferBytes) {
      this.shared.options.log.warn({ connectionId: this.id, buffered: this.ws.bufferedAmount }, 'slow consumer dropped')
      this.ws.terminate()
      return
    }
    this.shared.bytesOut.inc(frame.byteLength)
    this.ws.send(frame, { binary: true })
  }

  terminate(): void {
    this.ws.terminate()
  }

  override checkAlive(): boolean {
    if (super.checkAlive()) return true
    this.shared.options.log.debug({ connectionId: this.id, code: ErrorCode.HeartbeatTimeout }, 'heartbeat lost')
    return false
  }

  private handle(frame: Uint8Array): void {
    const session = this.session
    if (!session || this.isClosing) return
    try {
      session.receive(frame)
    } catch (error) {
      const code = error instanceof SyncError ? error.code : ErrorCode.Internal
      this.shared.options.metrics.rejectedFrames.inc({ code })
      if (code === ErrorCode.Internal) this.log().error({ err: error }, 'frame handling failed')
      else this.log().warn({ code, reason: (error as Error).message, bytes: frame.byteLength }, 'frame rejected')
      this.close(closeCodeFor(code), closeReason(code, (error as Error).message))
    }
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
