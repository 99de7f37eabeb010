import { IndexeddbPersistence } from 'y-indexeddb'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { backoffDelayMs } from '../../shared/backoff.js'
import { ErrorCode } from '../../shared/errors.js'
import { PRESENCE_THROTTLE_MS } from '../../shared/limits.js'
import { isValidDocId, DOC_ID_RULE } from '../../shared/ids.js'
import { CloseCode, isPermanentClose } from '../../shared/protocol/close-codes.js'
import {
  ACKS_QUERY_PARAM,
  AuthMessageType,
  MessageType,
  NAME_QUERY_PARAM,
  THREADS_QUERY_PARAM,
} from '../../shared/protocol/message-type.js'
import { readThreadFrame } from '../../shared/protocol/thread-frame.js'
import { isSuggestOnlyRefusal } from '../../shared/protocol/refused-change.js'
import { PROTOCOL_QUERY_PARAM, PROTOCOL_VERSION } from '../../shared/protocol/protocol-version.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import type { TransportPreference, TransportSocket } from '../transport/transport.js'
import { transportFor } from '../transport/fallback-transport.js'
import { PresenceMode } from '../presence/presence-mode.js'
import { PresenceRouter } from '../presence/presence-router.js'
import { websocketTransport } from '../transport/websocket-transport.js'
import { serverEndpoints } from '../transport/server-url.js'
import { ThreadStore } from '../comments/thread-store.js'
import {
  INITIAL_SYNC_STATUS,
  SyncState,
  deriveSyncState,
  describeFailure,
  type SyncFailure,
  type SyncStatus,
} from './sync-status.js'
import { AwarenessSender } from './awareness-sender.js'
import { LocalCopyTracker } from './local-copy-tracker.js'

/** A token, or a function called before every connection attempt so expired tokens are replaced. */
export type TokenSource = string | (() => string | Promise<string>)

export interface TandemProviderOptions {
  /** Document id, `[A-Za-z0-9_-]{1,128}`. */
  docId: string
  /** Base URL of the Tandem server, e.g. `https://notes.example.com` (ws(s):// also accepted). */
  serverUrl: string
  /** Sent as `?token=`; only needed when the server has AUTH_SECRET set. */
  token?: TokenSource
  /** `auto` (default) or a transport kind; only `websocket` exists today. */
  transport?: TransportPreference
  /** Keep a copy in IndexedDB so a reload or an offline session loses nothing (default true). */
  offline?: boolean
  /** Share updates instantly between tabs of this browser over BroadcastChannel (default true). */
  crossTab?: boolean
  /** Bring your own Y.Doc (it is not destroyed with the provider). */
  doc?: Y.Doc
  /** Connect right away (default true). */
  connect?: boolean
  /** Where cursors travel: `auto` (default; WebRTC, server fallback), `webrtc`, `server` or `off` (client/presence). */
  presence?: PresenceMode
  /**
   * Peers a document may have open and keep WebRTC presence (default MESH_PEER_LIMIT, 8; Infinity
   * for no limit): beyond it every peer's presence goes through the server (docs/operations.md).
   */
  meshPeerLimit?: number
  /**
   * Receive the document's comment threads live (`?threads=1` on every transport) into `threads`;
   * default false, so a session that shows no comments pays nothing for them.
   */
  threads?: boolean
}

/** Silence after which we ask the server for something, so y-websocket's 30 s watchdog stays quiet. */
const KEEPALIVE_AFTER_MS = 10_000
/** localStorage key prefix for the unsynced-change count, so an offline session's count survives a reload. */
const UNSYNCED_KEY_PREFIX = 'tandem:unsynced:'

/**
 * One document's sync session: a Y.Doc, its awareness, the connection to the server with an honest
 * status (saved only when the server acknowledged durability), offline persistence and cross-tab sync.
 * Subscribe with `subscribe()`; read with `getStatus()` (stable object per state, for useSyncExternalStore).
 */
export class TandemProvider {
  readonly doc: Y.Doc
  readonly awareness: Awareness
  readonly docId: string
  /** REST base (`http(s)://host[/prefix]`), for the document API. */
  readonly httpBase: string
  /** Routes this awareness over WebRTC, the signalling relay or the sync socket. */
  readonly presence: PresenceRouter
  /** The document's comment threads as pushed by the server; null unless `threads: true`. */
  readonly threads: ThreadStore | null
  private readonly yProvider: WebsocketProvider
  private readonly persistence: IndexeddbPersistence | null
  private readonly localCopy: LocalCopyTracker | null
  private readonly ownsDoc: boolean
  private readonly token: TokenSource | undefined
  private readonly listeners = new Set<() => void>()
  private readonly unsyncedKey: string
  private status: SyncStatus = INITIAL_SYNC_STATUS
  private failure: SyncFailure | null = null
  private hasLostConnection = false
  private wantsConnection: boolean
  private destroyed = false
  private isLocalCopyLoaded: boolean
  private unsyncedChanges: number
  private lastSavedAt: number | null = null
  private attempt = 0
  /** Set after a 4401 made us fetch a fresh token; a second 4401 in a row is final. */
  private hasRetriedUnauthorized = false
  /** The transport's own kind, for sockets that do not report one. */
  private readonly transportKind: TransportKind
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined
  private readonly awarenessSender: AwarenessSender
  private readonly keepaliveTimer: ReturnType<typeof setInterval>

  constructor(options: TandemProviderOptions) {
    if (!isValidDocId(options.docId)) throw new Error(`invalid docId "${options.docId}": ${DOC_ID_RULE}`)
    const transport = pickTransport(options.transport ?? 'auto')
    this.transportKind = transport.kind
    const { httpBase, collabBase } = serverEndpoints(options.serverUrl)
    this.docId = options.docId
    this.httpBase = httpBase
    this.token = options.token
    this.ownsDoc = options.doc === undefined
    this.doc = options.doc ?? new Y.Doc()
    this.awareness = new Awareness(this.doc)
    this.wantsConnection = options.connect ?? true
    this.unsyncedKey = `${UNSYNCED_KEY_PREFIX}${collabBase}/${this.docId}`
    const isOffline = (options.offline ?? true) && typeof indexedDB !== 'undefined'
    this.unsyncedChanges = isOffline ? readStoredCount(this.unsyncedKey) : 0

    this.presence = new PresenceRouter({
      mode: options.presence ?? PresenceMode.Auto,
      docId: this.docId,
      serverUrl: options.serverUrl,
      token: async () => (typeof this.token === 'function' ? await this.token() : this.token),
      awareness: this.awareness,
      ...(options.meshPeerLimit !== undefined && { meshPeerLimit: options.meshPeerLimit }),
    })
    this.yProvider = new WebsocketProvider(collabBase, this.docId, this.doc, {
      connect: false,
      awareness: this.presence.syncAwareness,
      params: {
        [ACKS_QUERY_PARAM]: '1',
        [PROTOCOL_QUERY_PARAM]: String(PROTOCOL_VERSION),
        ...(options.threads === true ? { [THREADS_QUERY_PARAM]: '1' } : {}),
      },
      WebSocketPolyfill: transport.socketClass(() => this.refresh()) as unknown as typeof WebSocket,
      disableBc: options.crossTab === false,
    })
    // y-websocket sends each awareness change at once (and others' too); ours go once per tick.
    this.yProvider.awareness.off('update', this.yProvider._awarenessUpdateHandler)
    this.awarenessSender = new AwarenessSender(
      this.yProvider.awareness,
      this.yProvider._awarenessUpdateHandler,
      PRESENCE_THROTTLE_MS,
    )
    this.yProvider.messageHandlers[MessageType.Ack] = (_encoder, decoder, provider) => {
      const count = decoding.readVarUint(decoder)
      ;(provider.ws as (WebSocket & Partial<TransportSocket>) | null)?.acknowledge?.(count)
    }
    this.yProvider.messageHandlers[MessageType.Auth] = (_encoder, decoder) => {
      if (decoding.readVarUint(decoder) !== AuthMessageType.PermissionDenied) return
      const reason = decoding.readVarString(decoder)
      // A view link's refusals change nothing the user did (see isSuggestOnlyRefusal): ignored, as before.
      if (isSuggestOnlyRefusal(reason)) this.onChangeRefused(reason)
    }
    this.threads = options.threads === true ? new ThreadStore() : null
    const threads = this.threads
    if (threads) {
      this.yProvider.messageHandlers[MessageType.Threads] = (_encoder, decoder) => {
        // The handler gets the frame's decoder past its type; the frame codec reads whole frames.
        const event = readThreadFrame(decoder.arr)
        if (event) threads.apply(event)
      }
    }
    this.yProvider.on('status', () => this.refresh())
    this.yProvider.on('sync', () => this.refresh())
    this.yProvider.on('connection-close', (event) => this.onConnectionClose(event))
    this.doc.on('update', this.onDocUpdate)

    this.persistence = isOffline ? new IndexeddbPersistence(`tandem:${collabBase}/${this.docId}`, this.doc) : null
    this.localCopy = this.persistence ? new LocalCopyTracker(this.persistence, () => this.refresh()) : null
    this.isLocalCopyLoaded = this.persistence === null
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.onBrowserOnline)
      window.addEventListener('offline', this.onBrowserOffline)
    }
    this.keepaliveTimer = setInterval(this.keepalive, KEEPALIVE_AFTER_MS / 2)
    this.refresh()
    void this.start()
  }

  /** True once `destroy()` was called; nothing reconnects after that. */
  get isDestroyed(): boolean {
    return this.destroyed
  }

  /** The current status; the same object until something changes. */
  getStatus = (): SyncStatus => this.status

  /** Calls `listener` after every status change; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The current token (asking the token function, if one was given); undefined without one. For REST calls. */
  async getToken(): Promise<string | undefined> {
    return typeof this.token === 'function' ? await this.token() : this.token
  }

  /** Starts (or resumes after `disconnect()` or a permanent error) connecting to the server. */
  connect(): void {
    if (this.destroyed) return
    this.wantsConnection = true
    this.failure = null
    this.attempt = 0
    this.clearReconnect()
    void this.openConnection()
  }

  /** Closes the connection and stops reconnecting; edits keep accumulating locally. */
  disconnect(): void {
    this.wantsConnection = false
    this.clearReconnect()
    this.closeSocket()
    this.refresh()
  }

  /** Closes everything. The Y.Doc is destroyed too unless it was passed in. */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.wantsConnection = false
    this.clearReconnect()
    clearInterval(this.keepaliveTimer)
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.onBrowserOnline)
      window.removeEventListener('offline', this.onBrowserOffline)
    }
    this.doc.off('update', this.onDocUpdate)
    this.awarenessSender.destroy()
    this.yProvider.destroy()
    this.presence.destroy()
    this.awareness.destroy()
    void this.persistence?.destroy()
    if (this.ownsDoc) this.doc.destroy()
    this.listeners.clear()
  }

  private async start(): Promise<void> {
    if (this.persistence) {
      // Connect after the local copy is loaded, so the first SyncStep2 already carries offline edits.
      await this.persistence.whenSynced.catch(() => undefined)
      if (this.destroyed) return
      this.isLocalCopyLoaded = true
      this.refresh()
    }
    if (this.wantsConnection) await this.openConnection()
  }

  private async openConnection(): Promise<void> {
    if (this.destroyed || !this.wantsConnection || this.failure || this.yProvider.ws !== null) return
    // Names this writer in version history when no token does (presence may not reach the server).
    const name: unknown = this.awareness.getLocalState()?.user?.name
    if (typeof name === 'string' && name.trim()) {
      this.yProvider.params = { ...this.yProvider.params, [NAME_QUERY_PARAM]: name.trim().slice(0, 100) }
    }
    if (this.token !== undefined) {
      try {
        const token = typeof this.token === 'function' ? await this.token() : this.token
        this.yProvider.params = { ...this.yProvider.params, token }
      } catch {
        // A token service that is down is a transient failure like any other: back off and retry.
        this.hasLostConnection = true
        this.scheduleReconnect()
        this.refresh()
        return
      }
      if (this.destroyed || !this.wantsConnection || this.yProvider.ws !== null) return
    }
    this.yProvider.connect()
    this.refresh()
  }

  private readonly onConnectionClose = (event: CloseEvent | null): void => {
    // Reconnection is ours (jittered backoff, fresh token, close-code policy), not y-websocket's.
    this.yProvider.shouldConnect = false
    // A revoked token is final: an app that obtains a new one calls connect() again.
    const isRetryableUnauthorized =
      event?.code === CloseCode.Unauthorized &&
      !event.reason.startsWith(`${ErrorCode.TokenRevoked}:`) &&
      typeof this.token === 'function' &&
      !this.hasRetriedUnauthorized
    if (isRetryableUnauthorized) {
      // An expired token ends long sessions normally (docs/security.md): the token function is
      // asked for a fresh one before every attempt, so one more try is worth it; twice is not.
      // Not a lost connection: the network is fine, so this reads as connecting, not offline.
      this.hasRetriedUnauthorized = true
      if (this.wantsConnection && !this.destroyed) this.scheduleReconnect()
    } else if (event && isPermanentClose(event.code)) {
      this.hasLostConnection = true
      this.failure = describeFailure(event.code, event.reason, {
        serverUrl: this.httpBase,
        pageOrigin: (globalThis as { location?: { origin?: string } }).location?.origin,
        hasToken: this.token !== undefined,
      })
      if (event.code === CloseCode.DocumentDeleted) this.forgetLocalCopy()
    } else {
      this.hasLostConnection = true
      if (this.wantsConnection && !this.destroyed) this.scheduleReconnect()
    }
    // y-websocket updates its own fields after emitting, so read them on the next tick.
    queueMicrotask(() => this.refresh())
  }

  /**
   * The server refused a comment link's change as more than a suggestion: this Y.Doc holds what the server will never have, and every later change builds
   * on it, so Yjs cannot take it back here. The session stops (no more refused sends), the local
   * copy is dropped (a reload must not offer the change again) and the error says to reload, which
   * starts again from the saved document.
   */
  private onChangeRefused(reason: string): void {
    if (this.failure) return
    this.failure = describeFailure(CloseCode.Forbidden, reason)
    this.wantsConnection = false
    this.clearReconnect()
    this.forgetLocalCopy()
    this.closeSocket()
    this.refresh()
  }

  private scheduleReconnect(): void {
    this.clearReconnect()
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return // 'online' resumes us
    const delay = backoffDelayMs(this.attempt++, 250, 10_000)
    this.reconnectTimer = setTimeout(() => void this.openConnection(), delay)
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = undefined
  }

  private closeSocket(): void {
    this.yProvider.shouldConnect = false
    const ws = this.yProvider.ws
    // A socket on a dead network may take minutes to report its close. y-websocket's own close
    // handler, called with no event (its "closed locally" signal), detaches the socket right now.
    if (ws?.onclose) ws.onclose.call(ws, null as unknown as CloseEvent)
  }

  private readonly onBrowserOffline = (): void => {
    // Browsers keep a dead socket "open" for a long time after the network goes; don't pretend.
    this.hasLostConnection = true
    this.clearReconnect()
    this.closeSocket()
    this.refresh()
  }

  private readonly onBrowserOnline = (): void => {
    if (!this.wantsConnection || this.failure) return
    this.attempt = 0
    this.clearReconnect()
    void this.openConnection()
  }

  private readonly keepalive = (): void => {
    const ws = this.yProvider.ws
    if (!ws || ws.readyState !== WebSocket.OPEN) return
    if (Date.now() - this.yProvider.wsLastMessageReceived < KEEPALIVE_AFTER_MS) return
    // The server answers QueryAwareness with every awareness state: a cheap proof of life both ways.
    ws.send(new Uint8Array([MessageType.QueryAwareness]))
  }

  private readonly onDocUpdate = (_update: Uint8Array, origin: unknown): void => {
    // Remote updates (origin: the y-websocket provider, also for other tabs) and the local copy
    // loading (origin: the IndexedDB persistence) are not this writer's unsynced changes.
    if (origin === this.yProvider || origin === this.persistence) return
    this.localCopy?.noteChange()
    this.setUnsynced(this.unsyncedChanges + 1)
    this.refresh()
  }

  private setUnsynced(count: number): void {
    if (count === this.unsyncedChanges) return
    this.unsyncedChanges = count
    if (this.persistence) writeStoredCount(this.unsyncedKey, count)
  }

  private forgetLocalCopy(): void {
    this.setUnsynced(0)
    void this.persistence?.clearData()
  }

  private refresh(): void {
    if (this.destroyed) return
    const ws = this.yProvider.ws as (WebSocket & Partial<TransportSocket>) | null
    const isSocketOpen = ws !== null && ws.readyState === WebSocket.OPEN && this.yProvider.wsconnected
    const state = deriveSyncState({
      failure: this.failure,
      hasLostConnection: this.hasLostConnection,
      isSocketOpen,
      hasReceivedMessage: ws?.hasReceivedMessage ?? false,
      hasReceivedSyncStep1: ws?.hasReceivedSyncStep1 ?? false,
      isSynced: this.yProvider.synced,
      updateFramesSent: ws?.updateFramesSent ?? 0,
      updateFramesAcked: ws?.updateFramesAcked ?? 0,
    })
    if (state === SyncState.Saved) {
      if (this.status.state !== SyncState.Saved || this.unsyncedChanges > 0) this.lastSavedAt = Date.now()
      this.setUnsynced(0)
      this.attempt = 0
      this.hasRetriedUnauthorized = false
    }
    const next: SyncStatus = {
      state,
      transport: this.answeringTransport(ws) ?? this.status.transport,
      unsyncedChanges: this.unsyncedChanges,
      hasUnsyncedChanges: this.unsyncedChanges > 0,
      isLocalCopyLoaded: this.isLocalCopyLoaded,
      isLocalCopyCurrent: this.localCopy?.isCurrent ?? false,
      isSynced: this.yProvider.synced,
      error: this.failure,
      lastSavedAt: this.lastSavedAt,
    }
    if (sameStatus(this.status, next)) return
    this.status = next
    for (const listener of [...this.listeners]) listener()
  }

  /**
   * The transport the server answered on over `ws`, null before it answered: a socket that merely
   * exists (or was refused) names no transport. A fallback socket names the rung that proved
   * itself; a plain WebSocket is its transport's kind once a message arrived.
   */
  private answeringTransport(ws: (WebSocket & Partial<TransportSocket>) | null): TransportKind | null {
    if (!ws) return null
    if (ws.transport !== undefined) return ws.transport
    return ws.hasReceivedMessage ? this.transportKind : null
  }
}

function pickTransport(preference: TransportPreference) {
  // A forced WebSocket keeps the browser's own socket; `auto` runs the ladder (WebSocket, SSE,
  // long-poll, upgrading back), and `sse` / `long-poll` force one HTTP transport.
  if (preference === TransportKind.WebSocket) return websocketTransport
  return transportFor(preference)
}

function sameStatus(a: SyncStatus, b: SyncStatus): boolean {
  return (
    a.state === b.state &&
    a.transport === b.transport &&
    a.unsyncedChanges === b.unsyncedChanges &&
    a.isLocalCopyLoaded === b.isLocalCopyLoaded &&
    a.isLocalCopyCurrent === b.isLocalCopyCurrent &&
    a.isSynced === b.isSynced &&
    a.error === b.error &&
    a.lastSavedAt === b.lastSavedAt
  )
}

function readStoredCount(key: string): number {
  try {
    const value = Number(globalThis.localStorage?.getItem(key) ?? 0)
    return Number.isFinite(value) && value > 0 ? value : 0
  } catch {
    return 0 // storage disabled (privacy mode): the count simply starts at 0
  }
}

function writeStoredCount(key: string, count: number): void {
  try {
    if (count === 0) globalThis.localStorage?.removeItem(key)
    else globalThis.localStorage?.setItem(key, String(count))
  } catch {
    // storage full or disabled: the in-memory count is still right for this session
  }
}
