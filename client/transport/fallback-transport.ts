import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import {
  HTTP_POST_BATCH_BYTES,
  HTTP_POST_TIMEOUT_MS,
  LONG_POLL_CLIENT_TIMEOUT_MS,
  SSE_HELLO_DEADLINE_MS,
  STREAM_LIVENESS_MS,
  TRANSPORT_SWITCH_OVERLAP_MS,
  UPGRADE_PROBE_INITIAL_MS,
  UPGRADE_PROBE_MAX_MS,
  WS_FAILURES_BEFORE_DEMOTION,
  WS_HELLO_DEADLINE_MS,
} from '../../shared/limits.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import { HttpChannel, type HttpChannelTimings } from './http-channel.js'
import {
  TransportKind,
  isUpdateBearingFrame,
  type Transport,
  type TransportPreference,
  type TransportSocketClass,
} from './transport.js'
import { errorMessage } from '../../shared/errors.js'

/** The part of the WebSocket API this module uses, so it runs on the browser's and on `ws` in Node. */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
}
export type WebSocketLikeClass = new (url: string) => WebSocketLike

/** sessionStorage's shape; a Map-backed stand-in is used where there is none (Node, sandboxed frames). */
export interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

export interface FallbackTimings extends HttpChannelTimings {
  /** A WebSocket counts as working once the server's first frame arrives within this. */
  wsHelloDeadlineMs: number
  /** First background WebSocket probe while on an HTTP transport... */
  probeInitialMs: number
  /** ...doubling after each failure up to this. */
  probeMaxMs: number
  /** After a switch the old downlink keeps delivering this long (duplicates are harmless to Yjs). */
  switchOverlapMs: number
}

export const DEFAULT_FALLBACK_TIMINGS: FallbackTimings = {
  wsHelloDeadlineMs: WS_HELLO_DEADLINE_MS,
  helloDeadlineMs: SSE_HELLO_DEADLINE_MS,
  livenessMs: STREAM_LIVENESS_MS,
  pollTimeoutMs: LONG_POLL_CLIENT_TIMEOUT_MS,
  postTimeoutMs: HTTP_POST_TIMEOUT_MS,
  postBatchBytes: HTTP_POST_BATCH_BYTES,
  maxFailures: 5,
  probeInitialMs: UPGRADE_PROBE_INITIAL_MS,
  probeMaxMs: UPGRADE_PROBE_MAX_MS,
  switchOverlapMs: TRANSPORT_SWITCH_OVERLAP_MS,
}

export interface FallbackTransportOptions {
  /** Transports to try, best first (default WebSocket, SSE, long-poll). */
  ladder?: TransportKind[]
  /** Probe in the background to move back to WebSocket (default: when the ladder has WebSocket). */
  upgrade?: boolean
  /** WebSocket implementation (default the global one; `ws` in Node). */
  WebSocket?: WebSocketLikeClass
  /** fetch implementation (default the global one). */
  fetch?: typeof fetch
  /** Where the tab remembers what worked (default sessionStorage, else memory); null disables it. */
  storage?: StorageLike | null
  /** Overrides of DEFAULT_FALLBACK_TIMINGS. */
  timings?: Partial<FallbackTimings>
}

/** Per tab and server: the transport that worked last, and whether a WebSocket ever did. */
interface Remembered {
  rung: TransportKind
  /** A WebSocket worked in this tab: its failures are first taken for drops, not blocks. */
  hasWorkingWebSocket: boolean
  /** WebSocket attempts that failed since it last worked. */
  wsFailures: number
}

const STORAGE_PREFIX = 'tandem:transport:'
const memoryStorage = new Map<string, string>()
const fallbackStorage: StorageLike = {
  getItem: (key) => memoryStorage.get(key) ?? null,
  setItem: (key, value) => void memoryStorage.set(key, value),
}

/** Where this socket stands: which transport delivers, and what happened so far (for status and tests). */
export interface FallbackStats {
  /** Transports tried, in order, including background probes. */
  readonly attempts: TransportKind[]
  /** Switches between transports while open (upgrade back, or demotion to long-poll). */
  switches: number
  /** Times the server could not replay a gap and a state-vector exchange healed it. */
  resyncs: number
}

interface Rung {
  readonly kind: TransportKind
  send(frame: Uint8Array, ordinal: number | null): void
  /** Takes the frames not yet acknowledged (to resend elsewhere); the downlink keeps running. */
  detachUplink(): { frame: Uint8Array; ordinal: number | null }[]
  /** Stops, and ends the server-side session (so it leaves the room now, with our presence). */
  end(): Promise<void>
}

interface RungEvents {
  onOpen(): void
  onFrames(frames: Uint8Array[]): void
  onDurable(ordinals: number[]): void
  onResync(): void
  onBuffered(): void
  onClose(code: number, reason: string): void
}

/**
 * WebSocket counts as open on the server's first frame, not at `onopen`: proxies accept the
 * upgrade and then swallow frames. Ack frames are consumed here and mapped to socket-wide ordinals.
 */
class WebSocketRung implements Rung {
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
      if (frame[0] === MessageType.Ack) return this.onAck(frame)
      this.events.onFrames([frame])
    }
    this.ws.onerror = () => undefined // a close event follows
    this.ws.onclose = (event) => {
      if (this.isStopped) return
      this.isStopped = true
      this.events.onClose(event.code || 1006, event.reason || 'websocket closed')
    }
  }

  send(frame: Uint8Array, ordinal: number | null): void {
    if (this.isStopped || this.ws.readyState !== 1) return
    this.ws.send(frame)
    if (ordinal !== null) this.ordinals.push(ordinal)
  }

  detachUplink(): { frame: Uint8Array; ordinal: number | null }[] {
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
    let count = 0
    let shift = 0
    for (let i = 1; i < frame.length; i++) {
      count += (frame[i]! & 0x7f) * 2 ** shift
      if (frame[i]! < 0x80) break
      shift += 7
    }
    if (count <= this.acked) return
    const durable = this.ordinals.slice(this.acked, count)
    this.acked = count
    if (durable.length > 0) this.events.onDurable(durable)
  }
}

/**
 * A WebSocket-shaped object that y-websocket drives, behind which the transport ladder runs:
 * WebSocket, then SSE + POST, then long-poll + POST, chosen by evidence (the first server message
 * within a deadline), remembered per tab, and upgraded back to WebSocket in the background by
 * switching make-before-break, so no edit is lost and none is applied twice.
 */
export class FallbackSocket extends EventTarget {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3
  readonly url: string
  readonly protocol = ''
  readonly extensions = ''
  readonly bufferedAmount = 0
  binaryType = 'arraybuffer'
  readyState = 0
  onopen: ((event: Event) => void) | null = null
  onmessage: ((event: MessageEvent) => void) | null = null
  onclose: ((event: Event & { code: number; reason: string }) => void) | null = null
  onerror: ((event: Event) => void) | null = null
  updateFramesSent = 0
  updateFramesAcked = 0
  hasReceivedMessage = false
  hasReceivedSyncStep1 = false
  /** The transport delivering now (null before one worked). */
  transport: TransportKind | null = null
  readonly stats: FallbackStats = { attempts: [], switches: 0, resyncs: 0 }

  private readonly docUrl: string
  private readonly params: URLSearchParams
  private readonly storageKey: string
  private readonly durable = new Set<number>()
  private active: Rung | null = null
  private candidate: Rung | null = null
  private probe: Rung | null = null
  private readonly draining = new Set<Rung>()
  private firstSyncStep1: Uint8Array | null = null
  private deadline: ReturnType<typeof setTimeout> | undefined
  private probeTimer: ReturnType<typeof setTimeout> | undefined
  private probeDelayMs: number
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private isDemoting = false
  private localAwareness: { clientId: number; clock: number; state: string } | null = null

  constructor(
    url: string | URL,
    private readonly config: Required<Omit<FallbackTransportOptions, 'storage' | 'timings'>> & {
      storage: StorageLike | null
      timings: FallbackTimings
      onActivity: () => void
    },
  ) {
    super()
    this.url = String(url)
    const parsed = new URL(this.url)
    const httpProtocol = parsed.protocol === 'wss:' || parsed.protocol === 'https:' ? 'https:' : 'http:'
    this.docUrl = `${httpProtocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`
    this.params = parsed.searchParams
    this.storageKey = `${STORAGE_PREFIX}${parsed.host}`
    this.probeDelayMs = config.timings.probeInitialMs
    this.addGlobalListeners()
    // Not in the constructor: a rung that fails at once must reach handlers y-websocket sets after `new`.
    queueMicrotask(() => this.tryRung(this.startIndex()))
  }

  send(data: Uint8Array | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 1 || !this.active) return
    const frame = toBytes(data)
    if (!frame) return
    if (!this.firstSyncStep1 && frame[0] === 0 && frame[1] === 0) this.firstSyncStep1 = frame.slice()
    if (frame[0] === MessageType.Awareness) this.trackLocalAwareness(frame)
    let ordinal: number | null = null
    if (isUpdateBearingFrame(frame)) {
      ordinal = ++this.updateFramesSent
      this.config.onActivity()
    }
    this.active.send(frame, ordinal)
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return
    this.shutDown()
    this.readyState = 3
    setTimeout(() => this.emitClose(code, reason), 0)
  }

  /** Acks are tracked per transport and mapped to this socket's frames, so a server count means nothing here. */
  acknowledge(): void {}

  // ---- the ladder ---------------------------------------------------------------------------

  private startIndex(): number {
    const remembered = this.remembered()
    const index = remembered ? this.config.ladder.indexOf(remembered.rung) : -1
    return index === -1 ? 0 : index
  }

  private tryRung(index: number): void {
    if (this.readyState !== 0) return
    const kind = this.config.ladder[index]
    if (kind === undefined) return this.failConnect(1006, 'no transport could reach the server')
    this.stats.attempts.push(kind)
    let isOpen = false
    let rung: Rung
    try {
      rung = this.createRung(
        kind,
        this.rungEvents(
          index,
          () => rung,
          () => isOpen,
          () => (isOpen = true),
        ),
      )
    } catch (error) {
      // e.g. SecurityError: a ws:// URL from an https page, or a port the browser blocks
      return this.rungFailed(index, 1006, errorMessage(error))
    }
    this.candidate = rung
    if (kind === TransportKind.WebSocket) {
      this.deadline = setTimeout(() => {
        void rung.end()
        this.candidate = null
        this.rungFailed(index, 1006, 'no message from the server in time')
      }, this.config.timings.wsHelloDeadlineMs)
    }
  }

  /** Events of a rung on trial: its first message opens the socket, its failure moves down the ladder. */
  private rungEvents(index: number, rung: () => Rung, isOpen: () => boolean, markOpen: () => void): RungEvents {
    return {
      onOpen: () => {
        markOpen()
        clearTimeout(this.deadline)
        this.candidate = null
        this.opened(rung())
      },
      onFrames: (frames) => this.deliver(rung(), frames),
      onDurable: (ordinals) => this.onDurable(ordinals),
      onResync: () => this.resync(rung()),
      onBuffered: () => this.demoteToLongPoll(rung()),
      onClose: (code, reason) => {
        if (isOpen()) return this.rungClosed(rung(), code, reason)
        clearTimeout(this.deadline)
        this.candidate = null
        this.rungFailed(index, code, reason)
      },
    }
  }

  private rungFailed(index: number, code: number, reason: string): void {
    if (this.readyState !== 0) return
    const kind = this.config.ladder[index]
    // The server refused us for good (44xx): no other transport changes that.
    if (code >= 4400 && code < 4500) return this.failConnect(code, reason)
    if (kind === TransportKind.WebSocket) {
      const remembered = this.remembered()
      if (remembered?.hasWorkingWebSocket) {
        const failures = remembered.wsFailures + 1
        this.remember({ ...remembered, wsFailures: failures })
        // A WebSocket that worked in this tab and then failed most likely dropped (server restart,
        // network change): reconnect on it with backoff instead of demoting it.
        if (failures < WS_FAILURES_BEFORE_DEMOTION) return this.failConnect(1006, reason)
      }
    }
    this.tryRung(index + 1)
  }

  private opened(rung: Rung): void {
    if (this.readyState !== 0) {
      void rung.end()
      return
    }
    this.active = rung
    this.transport = rung.kind
    this.readyState = 1
    this.rememberWorking(rung.kind)
    this.emit(new Event('open'), this.onopen)
    this.config.onActivity()
    if (rung.kind !== TransportKind.WebSocket) this.scheduleProbe()
  }

  private rungClosed(rung: Rung, code: number, reason: string): void {
    if (this.draining.has(rung)) {
      this.draining.delete(rung)
      return
    }
    if (rung !== this.active) return
    // The socket ends; y-websocket (or the provider) reconnects according to the code.
    this.shutDown()
    this.readyState = 3
    this.emitClose(code, reason)
  }

  private failConnect(code: number, reason: string): void {
    this.shutDown()
    this.readyState = 3
    this.emit(new Event('error'), this.onerror)
    this.emitClose(code, reason)
  }

  private createRung(kind: TransportKind, events: RungEvents): Rung {
    if (kind === TransportKind.WebSocket) return new WebSocketRung(this.url, this.webSocketClass(), events)
    return new HttpChannel(kind, this.docUrl, this.params, this.config.timings, events, this.config.fetch)
  }

  private webSocketClass(): WebSocketLikeClass {
    const fromGlobal = (globalThis as { WebSocket?: WebSocketLikeClass }).WebSocket
    const WebSocketClass = this.config.WebSocket ?? fromGlobal
    if (!WebSocketClass) throw new Error('no WebSocket implementation: pass one as the `WebSocket` option')
    return WebSocketClass
  }

  // ---- frames in and acknowledgements -------------------------------------------------------

  private deliver(rung: Rung, frames: Uint8Array[]): void {
    if (rung !== this.active && !this.draining.has(rung)) return
    for (const frame of frames) {
      if (this.readyState !== 1) return
      const wasFirst = !this.hasReceivedMessage
      this.hasReceivedMessage = true
      const isFirstSyncStep1 = !this.hasReceivedSyncStep1 && frame[0] === 0 && frame[1] === 0
      if (isFirstSyncStep1) this.hasReceivedSyncStep1 = true
      const data = frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength)
      this.emit(new MessageEvent('message', { data }), this.onmessage)
      if (wasFirst || isFirstSyncStep1) this.config.onActivity()
    }
  }

  private onDurable(ordinals: number[]): void {
    for (const ordinal of ordinals) if (ordinal > this.updateFramesAcked) this.durable.add(ordinal)
    const before = this.updateFramesAcked
    // "Saved" needs every earlier frame durable too: frames resent after a switch may ack out of order.
    while (this.durable.delete(this.updateFramesAcked + 1)) this.updateFramesAcked++
    if (this.updateFramesAcked !== before) this.config.onActivity()
  }

  private resync(rung: Rung): void {
    if (rung !== this.active || !this.firstSyncStep1) return
    this.stats.resyncs++
    // Our SyncStep1 from the start of this socket: the server answers with everything since, a
    // superset of the gap (Yjs ignores what we already have).
    rung.send(this.firstSyncStep1, null)
    // The lost session took our presence with it.
    this.reannounceAwareness()
  }

  /**
   * y-websocket announces the local awareness state first thing after open, alone in its frame:
   * that names our client id. Later frames update its clock and state.
   */
  private trackLocalAwareness(frame: Uint8Array): void {
    try {
      const decoder = decoding.createDecoder(frame)
      decoding.readVarUint(decoder)
      const update = decoding.createDecoder(decoding.readVarUint8Array(decoder))
      const count = decoding.readVarUint(update)
      for (let i = 0; i < count; i++) {
        const clientId = decoding.readVarUint(update)
        const clock = decoding.readVarUint(update)
        const state = decoding.readVarString(update)
        if (this.localAwareness === null && count === 1) this.localAwareness = { clientId, clock, state }
        else if (this.localAwareness?.clientId === clientId) this.localAwareness = { clientId, clock, state }
      }
    } catch {
      // not ours to judge: the server validates awareness frames
    }
  }

  /**
   * Re-sends our presence after a server-side session ended (switch, resync). The server removed
   * it without changing its clock, so the same clock would be ignored: one tick later is accepted.
   */
  private reannounceAwareness(): void {
    const local = this.localAwareness
    if (!local || local.state === 'null' || !this.active || this.readyState !== 1) return
    const update = encoding.createEncoder()
    encoding.writeVarUint(update, 1)
    encoding.writeVarUint(update, local.clientId)
    encoding.writeVarUint(update, local.clock + 1)
    encoding.writeVarString(update, local.state)
    const frame = encoding.createEncoder()
    encoding.writeVarUint(frame, MessageType.Awareness)
    encoding.writeVarUint8Array(frame, encoding.toUint8Array(update))
    this.active.send(encoding.toUint8Array(frame), null)
  }

  // ---- switching: upgrade back to WebSocket, demotion to long-poll ---------------------------

  private scheduleProbe(): void {
    if (!this.config.upgrade || !this.config.ladder.includes(TransportKind.WebSocket)) return
    clearTimeout(this.probeTimer)
    this.probeTimer = setTimeout(() => this.runProbe(), this.probeDelayMs)
  }

  private readonly probeNow = (): void => {
    const visibility = (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState
    if (visibility === 'hidden') return
    if (this.readyState !== 1 || this.transport === TransportKind.WebSocket || this.probe) return
    if (!this.config.upgrade || !this.config.ladder.includes(TransportKind.WebSocket)) return
    clearTimeout(this.probeTimer)
    this.runProbe()
  }

  private runProbe(): void {
    if (this.readyState !== 1 || this.transport === TransportKind.WebSocket || this.probe) return
    this.stats.attempts.push(TransportKind.WebSocket)
    const buffered: Uint8Array[] = []
    let messages = 0
    const fail = (): void => {
      clearTimeout(timer)
      if (this.probe !== probe) return
      this.probe = null
      void probe.end()
      this.probeDelayMs = Math.min(this.probeDelayMs * 2, this.config.timings.probeMaxMs)
      this.scheduleProbe()
    }
    let WebSocketClass: WebSocketLikeClass
    try {
      WebSocketClass = this.webSocketClass()
    } catch {
      return // no WebSocket in this environment: nothing to upgrade to
    }
    let probe: WebSocketRung
    try {
      probe = this.createProbe(
        WebSocketClass,
        buffered,
        () => ++messages,
        fail,
        () => timer,
      )
    } catch {
      // e.g. SecurityError for ws:// from an https page: try again later, like any failed probe
      this.probeDelayMs = Math.min(this.probeDelayMs * 2, this.config.timings.probeMaxMs)
      return this.scheduleProbe()
    }
    this.probe = probe
    const timer = setTimeout(fail, this.config.timings.wsHelloDeadlineMs)
  }

  private createProbe(
    WebSocketClass: WebSocketLikeClass,
    buffered: Uint8Array[],
    countMessage: () => number,
    fail: () => void,
    timer: () => ReturnType<typeof setTimeout>,
  ): WebSocketRung {
    const probe: WebSocketRung = new WebSocketRung(this.url, WebSocketClass, {
      onOpen: () => probe.send(new Uint8Array([MessageType.QueryAwareness]), null),
      onFrames: (frames) => {
        if (this.probe !== probe) return this.deliver(probe, frames)
        buffered.push(...frames)
        // The first message proves the server reaches us; an answer to our query proves the way back.
        if (countMessage() >= 2) {
          clearTimeout(timer())
          this.switchTo(probe, buffered.splice(0), false)
        }
      },
      onDurable: (ordinals) => this.onDurable(ordinals),
      onResync: () => undefined,
      onBuffered: () => undefined,
      onClose: (code, reason) => {
        if (this.probe === probe) return fail()
        this.rungClosed(probe, code, reason)
      },
    })
    return probe
  }

  /** A stream that arrives in bursts: open long-poll beside it and switch once a poll answered. */
  private demoteToLongPoll(rung: Rung): void {
    if (rung !== this.active || this.isDemoting || !this.config.ladder.includes(TransportKind.LongPoll)) return
    this.isDemoting = true
    this.stats.attempts.push(TransportKind.LongPoll)
    const next: Rung = new HttpChannel(
      TransportKind.LongPoll,
      this.docUrl,
      this.params,
      this.config.timings,
      {
        onOpen: () => this.switchTo(next, [], true),
        onFrames: (frames) => this.deliver(next, frames),
        onDurable: (ordinals) => this.onDurable(ordinals),
        onResync: () => this.resync(next),
        onBuffered: () => undefined,
        onClose: (code, reason) => {
          if (next === this.active) return this.rungClosed(next, code, reason)
          this.isDemoting = false
        },
      },
      this.config.fetch,
    )
    this.candidate = next
  }

  /**
   * Make-before-break: `next` already receives the room's broadcasts. Frames not yet acknowledged
   * are resent on it, and the old downlink keeps delivering a little longer, so nothing in transit
   * is lost; whatever arrives twice, Yjs applies once.
   */
  private switchTo(next: Rung, buffered: Uint8Array[], shouldResync: boolean): void {
    const previous = this.active
    if (this.readyState !== 1 || !previous) return void next.end()
    if (this.probe === next) this.probe = null
    if (this.candidate === next) this.candidate = null
    this.active = next
    this.transport = next.kind
    this.stats.switches++
    this.rememberWorking(next.kind)
    const unacked = previous.detachUplink()
    this.draining.add(previous)
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.draining.delete(previous)
      // Ending the old session removes our presence from the room; announce it again on `next`.
      void previous.end().then(() => this.reannounceAwareness())
    }, this.config.timings.switchOverlapMs)
    this.timers.add(timer)
    this.deliver(next, buffered)
    for (const entry of unacked) next.send(entry.frame, entry.ordinal)
    if (shouldResync && this.firstSyncStep1) next.send(this.firstSyncStep1, null)
    this.config.onActivity()
    if (next.kind === TransportKind.WebSocket) this.probeDelayMs = this.config.timings.probeInitialMs
    else this.scheduleProbe()
  }

  // ---- memory and housekeeping --------------------------------------------------------------

  private remembered(): Remembered | null {
    const storage = this.config.storage
    if (!storage) return null
    try {
      const value = storage.getItem(this.storageKey)
      return value ? (JSON.parse(value) as Remembered) : null
    } catch {
      return null
    }
  }

  private remember(value: Remembered): void {
    try {
      this.config.storage?.setItem(this.storageKey, JSON.stringify(value))
    } catch {
      // storage full or disabled: this socket still works, the next one starts from the top
    }
  }

  private rememberWorking(kind: TransportKind): void {
    if (this.config.ladder.length < 2) return // a forced transport proves nothing about the network
    const previous = this.remembered()
    const isWebSocket = kind === TransportKind.WebSocket
    this.remember({
      rung: kind,
      hasWorkingWebSocket: isWebSocket || (previous?.hasWorkingWebSocket ?? false),
      wsFailures: isWebSocket ? 0 : (previous?.wsFailures ?? 0),
    })
  }

  private addGlobalListeners(): void {
    const target = globalThis as { addEventListener?: (type: string, listener: () => void) => void }
    target.addEventListener?.('online', this.probeNow)
    const doc = (globalThis as { document?: EventTarget }).document
    doc?.addEventListener('visibilitychange', this.probeNow)
  }

  private removeGlobalListeners(): void {
    const target = globalThis as { removeEventListener?: (type: string, listener: () => void) => void }
    target.removeEventListener?.('online', this.probeNow)
    const doc = (globalThis as { document?: EventTarget }).document
    doc?.removeEventListener('visibilitychange', this.probeNow)
  }

  private shutDown(): void {
    clearTimeout(this.deadline)
    clearTimeout(this.probeTimer)
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const rung of [this.active, this.candidate, this.probe, ...this.draining]) void rung?.end()
    this.draining.clear()
    this.active = this.candidate = this.probe = null
    this.removeGlobalListeners()
  }

  private emitClose(code: number, reason: string): void {
    const event = Object.assign(new Event('close'), { code, reason, wasClean: code === 1000 })
    this.emit(event, this.onclose)
  }

  private emit<E extends Event>(event: E, handler: ((event: E) => void) | null): void {
    handler?.call(this, event)
    this.dispatchEvent(event)
  }
}

/** A transport running the ladder (or a single forced rung) behind one WebSocket-shaped socket. */
export function createFallbackTransport(options: FallbackTransportOptions = {}): Transport {
  const ladder = options.ladder ?? [TransportKind.WebSocket, TransportKind.ServerSentEvents, TransportKind.LongPoll]
  const sessionStorage = (globalThis as { sessionStorage?: StorageLike }).sessionStorage
  return {
    kind: ladder[0] ?? TransportKind.WebSocket,
    socketClass(onActivity: () => void): TransportSocketClass {
      const config = {
        ladder,
        upgrade: options.upgrade ?? ladder.includes(TransportKind.WebSocket),
        WebSocket: options.WebSocket as WebSocketLikeClass,
        fetch: options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args)),
        storage: options.storage === undefined ? (sessionStorage ?? fallbackStorage) : options.storage,
        timings: { ...DEFAULT_FALLBACK_TIMINGS, ...options.timings },
        onActivity,
      }
      class BoundFallbackSocket extends FallbackSocket {
        constructor(url: string | URL) {
          super(url, config)
        }
      }
      return BoundFallbackSocket as unknown as TransportSocketClass
    },
  }
}

/** The transport for a provider's `transport` option; `auto` is the full ladder with upgrade back. */
export function transportFor(preference: TransportPreference, options: FallbackTransportOptions = {}): Transport {
  switch (preference) {
    case TransportKind.ServerSentEvents:
      return createFallbackTransport({ ...options, ladder: [TransportKind.ServerSentEvents] })
    case TransportKind.LongPoll:
      return createFallbackTransport({ ...options, ladder: [TransportKind.LongPoll] })
    case TransportKind.WebSocket:
      return createFallbackTransport({ ...options, ladder: [TransportKind.WebSocket] })
    default:
      return createFallbackTransport(options)
  }
}

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return null
}
