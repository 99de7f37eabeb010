import { errorMessage } from '../../shared/errors.js'
import { WS_FAILURES_BEFORE_DEMOTION } from '../../shared/limits.js'
import { CloseCode, isPermanentClose } from '../../shared/protocol/close-codes.js'
import { isSyncStep1Frame, isUpdateBearingFrame, messageTypeOf } from '../../shared/protocol/frames.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { HttpChannel, type HttpChannelTimings } from './http-channel.js'
import { LocalAwareness } from './local-awareness.js'
import { toBytes, type Rung, type RungEvents } from './rung.js'
import { TransportMemory, type StorageLike } from './transport-memory.js'
import { UpgradeProbe, type UpgradeProbeTimings } from './upgrade-probe.js'
import { WebSocketRung, type WebSocketLikeClass } from './websocket-rung.js'

export interface FallbackTimings extends HttpChannelTimings, UpgradeProbeTimings {
  /** After a switch the old downlink keeps delivering this long (duplicates are harmless to Yjs). */
  switchOverlapMs: number
}

/** Everything a socket needs, resolved by createFallbackTransport (fallback-transport.ts). */
export interface FallbackSocketConfig {
  /** Transports to try, best first. */
  ladder: readonly TransportKind[]
  /** Probe in the background to move back to WebSocket. */
  upgrade: boolean
  /** WebSocket implementation; undefined: the global one. */
  WebSocket: WebSocketLikeClass | undefined
  /** fetch implementation. */
  fetch: typeof fetch
  /** Where the tab remembers what worked; null: nowhere. */
  storage: StorageLike | null
  /** Every delay and deadline. */
  timings: FallbackTimings
  /** Called after every frame in or out and on ack (the provider refreshes its status). */
  onActivity: () => void
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

/**
 * A WebSocket-shaped object that y-websocket drives, behind which the transport ladder runs:
 * WebSocket, then SSE + POST, then long-poll + POST, chosen by evidence (the first server message
 * within a deadline), remembered per tab (transport-memory.ts), and upgraded back to WebSocket in
 * the background (upgrade-probe.ts) by switching make-before-break, so no edit is lost and none is
 * applied twice.
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
  private readonly memory: TransportMemory
  private readonly prober: UpgradeProbe | null
  private readonly localAwareness = new LocalAwareness()
  private readonly durable = new Set<number>()
  private active: Rung | null = null
  private candidate: Rung | null = null
  private readonly draining = new Set<Rung>()
  private firstSyncStep1: Uint8Array | null = null
  private deadline: ReturnType<typeof setTimeout> | undefined
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private isDemoting = false

  constructor(
    url: string | URL,
    private readonly config: FallbackSocketConfig,
  ) {
    super()
    this.url = String(url)
    const parsed = new URL(this.url)
    const httpProtocol = parsed.protocol === 'wss:' || parsed.protocol === 'https:' ? 'https:' : 'http:'
    this.docUrl = `${httpProtocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`
    this.params = parsed.searchParams
    this.memory = new TransportMemory(config.storage, parsed.host)
    this.prober =
      config.upgrade && config.ladder.includes(TransportKind.WebSocket)
        ? new UpgradeProbe(
            {
              isOnHttp: () => this.readyState === 1 && this.transport !== TransportKind.WebSocket,
              openWebSocket: (events) => this.openProbe(events),
              promote: (rung, buffered) => this.switchTo(rung, buffered, false),
              deliver: (rung, frames) => this.deliver(rung, frames),
              onDurable: (ordinals) => this.onDurable(ordinals),
              rungClosed: (rung, code, reason) => this.rungClosed(rung, code, reason),
            },
            config.timings,
          )
        : null
    // Not in the constructor: a rung that fails at once must reach handlers y-websocket sets after `new`.
    queueMicrotask(() => this.tryRung(this.startIndex()))
  }

  send(data: Uint8Array | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 1 || !this.active) return
    const frame = toBytes(data)
    if (!frame) return
    if (!this.firstSyncStep1 && isSyncStep1Frame(frame)) this.firstSyncStep1 = frame.slice()
    if (messageTypeOf(frame) === MessageType.Awareness) this.localAwareness.track(frame)
    let ordinal: number | null = null
    if (isUpdateBearingFrame(frame)) {
      ordinal = ++this.updateFramesSent
      this.config.onActivity()
    }
    this.active.send(frame, ordinal)
  }

  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.readyState >= 2) return
    this.shutDown()
    this.readyState = 3
    setTimeout(() => this.emitClose(code, reason), 0)
  }

  /** Acks are tracked per transport and mapped to this socket's frames, so a server count means nothing here. */
  acknowledge(): void {}

  // ---- the ladder ---------------------------------------------------------------------------

  private startIndex(): number {
    const last = this.memory.lastWorking()
    const index = last ? this.config.ladder.indexOf(last) : -1
    return index === -1 ? 0 : index
  }

  private tryRung(index: number): void {
    if (this.readyState !== 0) return
    const kind = this.config.ladder[index]
    if (kind === undefined) return this.failConnect(CloseCode.AbnormalClosure, 'no transport could reach the server')
    this.stats.attempts.push(kind)
    let isOpen = false
    let rung: Rung
    try {
      rung = this.createRung(kind, {
        onOpen: () => {
          isOpen = true
          clearTimeout(this.deadline)
          this.candidate = null
          this.opened(rung)
        },
        onFrames: (frames) => this.deliver(rung, frames),
        onDurable: (ordinals) => this.onDurable(ordinals),
        onResync: () => this.resync(rung),
        onBuffered: () => this.demoteToLongPoll(rung),
        onClose: (code, reason) => {
          if (isOpen) return this.rungClosed(rung, code, reason)
          clearTimeout(this.deadline)
          this.candidate = null
          this.rungFailed(index, code, reason)
        },
      })
    } catch (error) {
      // e.g. SecurityError: a ws:// URL from an https page, or a port the browser blocks
      return this.rungFailed(index, CloseCode.AbnormalClosure, errorMessage(error))
    }
    this.candidate = rung
    if (kind === TransportKind.WebSocket) {
      this.deadline = setTimeout(() => {
        void rung.end()
        this.candidate = null
        this.rungFailed(index, CloseCode.AbnormalClosure, 'no message from the server in time')
      }, this.config.timings.wsHelloDeadlineMs)
    }
  }

  private rungFailed(index: number, code: number, reason: string): void {
    if (this.readyState !== 0) return
    // The server refused us for good (44xx): no other transport changes that.
    if (isPermanentClose(code)) return this.failConnect(code, reason)
    if (this.config.ladder[index] === TransportKind.WebSocket) {
      const failures = this.memory.countWebSocketFailure()
      // A WebSocket that worked in this tab and then failed most likely dropped (server restart,
      // network change): reconnect on it with backoff instead of demoting it.
      if (failures !== null && failures < WS_FAILURES_BEFORE_DEMOTION) {
        return this.failConnect(CloseCode.AbnormalClosure, reason)
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
    if (rung.kind !== TransportKind.WebSocket) this.prober?.schedule()
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

  /** A background probe's rung (see UpgradeProbeHost.openWebSocket). */
  private openProbe(events: RungEvents): Rung | null {
    this.stats.attempts.push(TransportKind.WebSocket)
    let WebSocketClass: WebSocketLikeClass
    try {
      WebSocketClass = this.webSocketClass()
    } catch {
      return null
    }
    return new WebSocketRung(this.url, WebSocketClass, events)
  }

  // ---- frames in and acknowledgements -------------------------------------------------------

  private deliver(rung: Rung, frames: Uint8Array[]): void {
    if (rung !== this.active && !this.draining.has(rung)) return
    for (const frame of frames) {
      if (this.readyState !== 1) return
      const wasFirst = !this.hasReceivedMessage
      this.hasReceivedMessage = true
      const isFirstSyncStep1 = !this.hasReceivedSyncStep1 && isSyncStep1Frame(frame)
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

  /** Re-sends our presence after a server-side session that held it ended (switch, resync). */
  private reannounceAwareness(): void {
    const frame = this.localAwareness.reannouncement()
    if (!frame || !this.active || this.readyState !== 1) return
    this.active.send(frame, null)
  }

  // ---- switching: upgrade back to WebSocket, demotion to long-poll ---------------------------

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
    if (next.kind === TransportKind.WebSocket) this.prober?.reset()
    else this.prober?.schedule()
  }

  // ---- memory and housekeeping --------------------------------------------------------------

  private rememberWorking(kind: TransportKind): void {
    if (this.config.ladder.length < 2) return // a forced transport proves nothing about the network
    this.memory.rememberWorking(kind)
  }

  private shutDown(): void {
    clearTimeout(this.deadline)
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const rung of [this.active, this.candidate, this.prober?.attempt, ...this.draining]) void rung?.end()
    this.prober?.stop()
    this.draining.clear()
    this.active = this.candidate = null
  }

  private emitClose(code: number, reason: string): void {
    const event = Object.assign(new Event('close'), { code, reason, wasClean: code === CloseCode.Normal })
    this.emit(event, this.onclose)
  }

  private emit<E extends Event>(event: E, handler: ((event: E) => void) | null): void {
    handler?.call(this, event)
    this.dispatchEvent(event)
  }
}
