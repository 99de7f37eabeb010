import { randomBytes } from 'node:crypto'
import { ErrorCode } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import { decodeFrame, isUpdateBearingFrame, messageTypeOf } from '../../shared/protocol/frames.js'
import type { Cursor } from '../../shared/protocol/http-framing.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import type { TransportKind } from '../../shared/protocol/transport-kind.js'
import type { Metrics } from '../metrics.js'
import type { ClientSession } from '../sync/client-session.js'
import { nextConnectionId, type Connection } from '../sync/connection.js'

export interface HttpSessionLimits {
  /** A session with no stream or poll attached and no POST lives this long. */
  idleMs: number
  /** Bytes of already-delivered frames kept for Last-Event-ID / cursor replay. */
  replayBufferBytes: number
  /** Undelivered bytes above this close the session (the client resyncs on reconnect). */
  maxSendBufferBytes: number
  /** Sessions per instance. */
  maxSessions: number
  /** POST token bucket: refill per second... */
  postsPerSecond: number
  /** ...and capacity. */
  postBurst: number
}

/** Where a session's frames go: an SSE stream or a held long-poll. */
export interface Downlink {
  /** New frames are waiting in the session (call `session.framesAfter`). */
  wake(): void
  /** The session ended; tell the client `code` and `reason`, then end the response. */
  closed(code: CloseCode, reason: string): void
  /** Another request took over the session: end this response without a close. */
  superseded(): void
}

interface Outgoing {
  seq: number
  frame: Uint8Array
}

/**
 * One client of an HTTP fallback transport, as its room sees it: a Connection that queues frames,
 * numbered, for whichever stream or poll is attached now. It outlives any single HTTP request so a
 * dropped stream can resume (Last-Event-ID) without the room noticing.
 *
 * Acks: the session asks the room for Ack frames and keeps them to itself; a POST is answered once
 * the room acknowledged every update-bearing frame in it, so the POST response is the ack.
 */
export class HttpSession implements Connection {
  readonly id: string
  readonly wantsAcks = true
  /**
   * Asked for by the stream or poll request (`?threads=1`), never by a POST: a POST may open the
   * session on an instance that never holds its stream, where a thread snapshot would go unread.
   */
  wantsThreads = false
  /** Changes whenever a session with this sid is created anew, so stale cursors are recognised. */
  readonly epoch = randomBytes(6).toString('hex')
  /**
   * Frames not yet confirmed, oldest first, with consecutive seqs from `outbox[outboxHead]`: lookups
   * by seq are index arithmetic, and dropping the oldest moves a head index instead of shifting the
   * array (a busy session holds thousands; linear scans made SSE cost grow with session age).
   */
  private outbox: Outgoing[] = []
  private outboxHead = 0
  private nextSeq = 1
  /** Highest seq written to a downlink (and so possibly received by the client). */
  private deliveredSeq = 0
  /** Highest seq dropped from the outbox: cursors below it cannot be replayed. */
  private droppedSeq = 0
  private undeliveredBytes = 0
  private deliveredBytes = 0
  private downlink: Downlink | null = null
  private hasHadDownlink = false
  private capture: Uint8Array[] | null = null
  private updateFramesToRoom = 0
  private acked = 0
  private ackWaiters: { count: number; settle: (ok: boolean) => void }[] = []
  private idleTimer: NodeJS.Timeout | null = null
  private tokens: number
  private tokensAt = performance.now()
  /** Rate limits, token refresh and expiry, shared with the WebSocket binding; set once joined. */
  client: ClientSession | null = null
  /** When a long-poll of this session was last answered (performance.now()), for its minimum interval. */
  lastPollAnsweredAt = Number.NEGATIVE_INFINITY
  /** True while a POST is being handled: POSTs of one session are strictly sequential. */
  isPostInFlight = false
  closeInfo: { code: CloseCode; reason: string } | null = null

  constructor(
    readonly sid: string,
    readonly docId: DocId,
    readonly transport: TransportKind,
    private readonly limits: HttpSessionLimits,
    private readonly onEnd: (session: HttpSession) => void,
    private readonly metrics: Metrics,
  ) {
    this.id = nextConnectionId(transport)
    this.tokens = limits.postBurst
    this.armIdleTimer()
  }

  /** Seq of the newest frame queued so far. */
  get lastSeq(): number {
    return this.nextSeq - 1
  }

  get isClosed(): boolean {
    return this.closeInfo !== null
  }

  get wasEverAttached(): boolean {
    return this.hasHadDownlink
  }

  /** True when frames were dropped unread: a client starting from seq 0 would miss them. */
  get hasDroppedFrames(): boolean {
    return this.droppedSeq > 0
  }

  send(frame: Uint8Array): void {
    if (this.closeInfo) return
    if (messageTypeOf(frame) === MessageType.Ack) return this.onAck(frame)
    this.metrics.bytesOut.inc({ transport: this.transport }, frame.byteLength)
    // Replies to a POST's own frames (SyncStep2 for its SyncStep1, awareness for QueryAwareness)
    // travel in the POST response: that works whichever instance holds the stream.
    if (this.capture) {
      this.capture.push(frame)
      return
    }
    this.outbox.push({ seq: this.nextSeq++, frame })
    this.undeliveredBytes += frame.byteLength
    if (this.undeliveredBytes > this.limits.maxSendBufferBytes) {
      if (!this.hasHadDownlink) {
        // A POST-only session (its stream lives on another instance, or has not arrived yet) keeps
        // just the newest frames; a stream that attaches later starts with a resync instead.
        while (this.undeliveredBytes > this.limits.maxSendBufferBytes && this.outboxSize > 0) this.dropOldest()
        return
      }
      this.close(CloseCode.GoingAway, closeReason(ErrorCode.SlowConsumer, 'too much undelivered; reconnect'))
      return
    }
    this.downlink?.wake()
  }

  close(code: CloseCode, reason: string): void {
    if (this.closeInfo) return
    this.closeInfo = { code, reason }
    for (const waiter of this.ackWaiters.splice(0)) waiter.settle(false)
    this.downlink?.closed(code, reason)
    this.downlink = null
    this.end()
  }

  /** True when a client that received everything up to `cursor` can be brought up to date from here. */
  canResume(cursor: Cursor): boolean {
    return cursor.epoch === this.epoch && cursor.seq >= this.droppedSeq && cursor.seq <= this.lastSeq
  }

  /** Frames after `seq`, oldest first. */
  framesAfter(seq: number): Outgoing[] {
    const first = this.outbox[this.outboxHead]
    if (!first) return []
    return this.outbox.slice(this.outboxHead + Math.max(0, seq + 1 - first.seq))
  }

  /** Records that frames up to `seq` were written to the client, and trims the replay buffer. */
  markDelivered(seq: number): void {
    const first = this.outbox[this.outboxHead]
    if (first && seq > this.deliveredSeq) {
      const from = this.outboxHead + Math.max(0, this.deliveredSeq + 1 - first.seq)
      const to = Math.min(this.outbox.length, this.outboxHead + seq + 1 - first.seq)
      for (let i = from; i < to; i++) {
        const bytes = this.outbox[i]!.frame.byteLength
        this.undeliveredBytes -= bytes
        this.deliveredBytes += bytes
      }
    }
    this.deliveredSeq = Math.max(this.deliveredSeq, seq)
    while (this.deliveredBytes > this.limits.replayBufferBytes && (this.oldest?.seq ?? Infinity) <= seq) {
      this.dropOldest()
    }
  }

  /** The client confirmed (long-poll cursor) it has everything up to `seq`: nothing before is needed. */
  confirm(seq: number): void {
    this.markDelivered(seq)
    while ((this.oldest?.seq ?? Infinity) <= seq) this.dropOldest()
  }

  private get oldest(): Outgoing | undefined {
    return this.outbox[this.outboxHead]
  }

  private get outboxSize(): number {
    return this.outbox.length - this.outboxHead
  }

  /**
   * A stream or poll asked for comment threads: from now on the session receives them (a snapshot
   * first), also when a POST opened it without them.
   */
  askForThreads(): void {
    if (this.closeInfo) return
    this.wantsThreads = true
    this.client?.subscribeToThreads()
  }

  /** Makes `downlink` the one receiving frames; a previous one is superseded. */
  attach(downlink: Downlink): void {
    if (this.downlink && this.downlink !== downlink) this.downlink.superseded()
    this.downlink = downlink
    this.hasHadDownlink = true
    this.disarmIdleTimer()
  }

  detach(downlink: Downlink): void {
    if (this.downlink !== downlink) return
    this.downlink = null
    this.armIdleTimer()
  }

  /** Takes one POST token; false when the session posts faster than allowed. */
  takePostToken(): boolean {
    const now = performance.now()
    this.tokens = Math.min(
      this.limits.postBurst,
      this.tokens + ((now - this.tokensAt) / 1000) * this.limits.postsPerSecond,
    )
    this.tokensAt = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /**
   * Hands a POST's frames to the room in order, returning the frames the room answered with.
   * Throws the room's SyncError for bad input (the caller closes the session).
   */
  receiveBatch(frames: Uint8Array[]): Uint8Array[] {
    const replies: Uint8Array[] = []
    this.capture = replies
    this.disarmIdleTimer()
    try {
      for (const frame of frames) {
        this.metrics.bytesIn.inc({ transport: this.transport }, frame.byteLength)
        const isUpdateBearing = isUpdateBearingFrame(frame)
        const repliesBefore = replies.length
        this.client?.receive(frame)
        // A viewer's change is answered with permission-denied and never acknowledged: don't wait for it.
        const isDenied = replies.slice(repliesBefore).some((reply) => messageTypeOf(reply) === MessageType.Auth)
        if (isUpdateBearing && !isDenied) this.updateFramesToRoom++
      }
    } finally {
      this.capture = null
      if (!this.downlink) this.armIdleTimer()
    }
    return replies
  }

  /** Resolves true once every update-bearing frame received so far is committed; false if the session closed. */
  whenDurable(timeoutMs: number): Promise<boolean> {
    const count = this.updateFramesToRoom
    if (this.closeInfo) return Promise.resolve(false)
    if (this.acked >= count) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ackWaiters = this.ackWaiters.filter((w) => w !== waiter)
        resolve(false)
      }, timeoutMs)
      const waiter = {
        count,
        settle: (ok: boolean) => {
          clearTimeout(timer)
          resolve(ok)
        },
      }
      this.ackWaiters.push(waiter)
    })
  }

  private onAck(frame: Uint8Array): void {
    const ack = decodeFrame(frame)
    if (ack?.type !== MessageType.Ack) return
    this.acked = Math.max(this.acked, ack.count)
    const ready = this.ackWaiters.filter((waiter) => waiter.count <= this.acked)
    this.ackWaiters = this.ackWaiters.filter((waiter) => waiter.count > this.acked)
    for (const waiter of ready) waiter.settle(true)
  }

  private dropOldest(): void {
    const entry = this.outbox[this.outboxHead]
    if (!entry) return
    this.outboxHead++
    // Compact now and then: the array is copied once per half of its length dropped, not per drop.
    if (this.outboxHead >= 1024 && this.outboxHead * 2 >= this.outbox.length) {
      this.outbox = this.outbox.slice(this.outboxHead)
      this.outboxHead = 0
    }
    if (entry.seq <= this.deliveredSeq) this.deliveredBytes -= entry.frame.byteLength
    else this.undeliveredBytes -= entry.frame.byteLength
    this.droppedSeq = entry.seq
  }

  private armIdleTimer(): void {
    this.disarmIdleTimer()
    this.idleTimer = setTimeout(() => this.expire(), this.limits.idleMs)
    this.idleTimer.unref()
  }

  private disarmIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }

  private expire(): void {
    if (this.closeInfo || this.downlink || this.isPostInFlight) return
    this.closeInfo = { code: CloseCode.GoingAway, reason: closeReason(ErrorCode.SessionExpired, 'idle') }
    this.end()
  }

  private end(): void {
    this.disarmIdleTimer()
    this.onEnd(this)
  }
}
