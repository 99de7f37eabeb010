import { backoffDelayMs } from '../../shared/backoff.js'
import { ErrorCode } from '../../shared/errors.js'
import { CloseCode, closeReason } from '../../shared/protocol/close-codes.js'
import { decodeFrame, messageTypeOf } from '../../shared/protocol/frames.js'
import {
  closeOfErrorAnswer,
  CURSOR_HEADER,
  CURSOR_QUERY_PARAM,
  decodeFrames,
  decodeSseFrames,
  encodeFrames,
  HttpEndpoint,
  parseJsonObject,
  SESSION_QUERY_PARAM,
  SseEventType,
} from '../../shared/protocol/http-framing.js'
import { MessageType, TOKEN_QUERY_PARAM } from '../../shared/protocol/message-type.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import type { PendingFrame, Rung, RungEvents } from './rung.js'
import { SseParser, type SseEvent } from './sse-parser.js'

/** What the HTTP fallback needs to know about time; every value is injectable for tests. */
export interface HttpChannelTimings {
  /** SSE: the `hello` event (or the first poll answer) must arrive within this. */
  helloDeadlineMs: number
  /** SSE: no bytes at all for this long means the stream is dead; reconnect with Last-Event-ID. */
  livenessMs: number
  /** Long-poll: a poll unanswered this long is abandoned and repeated. */
  pollTimeoutMs: number
  /** A POST unanswered this long is retried. */
  postTimeoutMs: number
  /** Frames per POST, in bytes (one larger frame still goes alone). */
  postBatchBytes: number
  /** Consecutive failed reconnects (stream, poll or POST) before the channel gives up. */
  maxFailures: number
}

/**
 * One session of the HTTP fallback: a downlink (SSE stream or long-poll loop) plus an uplink of
 * batched POSTs, one in flight, retried until answered. The session id is ours (random); any
 * server instance accepts any of our requests, so no sticky sessions are needed.
 */
export class HttpChannel implements Rung {
  private sid = randomSessionId()
  private isStopped = false
  private hasEnded = false
  private isUplinkDetached = false
  private isOpen = false
  private lastEventId: string | null = null
  private cursor: string | null = null
  private readonly queue: PendingFrame[] = []
  private inFlight: PendingFrame[] | null = null
  private downlinkAbort: AbortController | null = null
  private uplinkAbort: AbortController | null = null
  /** Sent as `Authorization: Bearer`, never in a URL (URLs end up in access logs). */
  private token: string | null
  private readonly query: URLSearchParams

  constructor(
    readonly kind: typeof TransportKind.ServerSentEvents | typeof TransportKind.LongPoll,
    /** `http(s)://host/collab/<docId>` */
    private readonly docUrl: string,
    /** Query parameters of the WebSocket URL (token, acks), passed along on every request. */
    params: URLSearchParams,
    private readonly timings: HttpChannelTimings,
    private readonly events: RungEvents,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {
    this.query = new URLSearchParams(params)
    this.token = this.query.get(TOKEN_QUERY_PARAM)
    this.query.delete(TOKEN_QUERY_PARAM)
    if (kind === TransportKind.ServerSentEvents) void this.runStream()
    else void this.runPolls()
  }

  /** Queues one frame for the server. */
  send(frame: Uint8Array, ordinal: number | null): void {
    if (this.isStopped || this.isUplinkDetached) return
    if (messageTypeOf(frame) === MessageType.RefreshToken) this.token = readRefreshedToken(frame) ?? this.token
    this.queue.push({ frame, ordinal })
    void this.pump()
  }

  /**
   * Stops sending and returns every frame not yet acknowledged (in flight or queued), for another
   * transport to send. The downlink keeps running until `stop()`, so nothing in transit is lost.
   */
  detachUplink(): PendingFrame[] {
    this.isUplinkDetached = true
    this.uplinkAbort?.abort()
    const unacked = [...(this.inFlight ?? []), ...this.queue.splice(0)]
    this.inFlight = null
    return unacked
  }

  stop(): void {
    if (this.isStopped) return
    this.isStopped = true
    this.downlinkAbort?.abort()
    this.uplinkAbort?.abort()
  }

  /**
   * Stops and tells the server the session is over, so it leaves the room now (peers see our
   * cursor go) instead of lingering until it expires. `keepalive` lets it outlive a closing page.
   */
  end(): Promise<void> {
    const wasStopped = this.isStopped
    this.stop()
    if (wasStopped && this.hasEnded) return Promise.resolve()
    this.hasEnded = true
    return this.fetchImpl(this.url(HttpEndpoint.Messages), {
      method: 'DELETE',
      headers: this.authHeader(),
      keepalive: true,
    }).then(
      (response) => void response.body?.cancel(),
      () => undefined, // the session expires on its own
    )
  }

  private url(path: HttpEndpoint, extra: Record<string, string> = {}): string {
    const query = new URLSearchParams(this.query)
    query.set(SESSION_QUERY_PARAM, this.sid)
    for (const [key, value] of Object.entries(extra)) query.set(key, value)
    return `${this.docUrl}/${path}?${query.toString()}`
  }

  private finish(code: number, reason: string): void {
    if (this.isStopped) return
    this.stop()
    this.events.onClose(code, reason)
  }

  private markOpen(): void {
    if (this.isOpen) return
    this.isOpen = true
    this.events.onOpen()
  }

  // ---- SSE downlink -------------------------------------------------------------------------

  private async runStream(): Promise<void> {
    let failures = 0
    while (!this.isStopped) {
      const outcome = await this.readStream()
      if (this.isStopped) return
      if (outcome === 'recycled') {
        failures = 0
        continue
      }
      if (!this.isOpen) return this.finish(CloseCode.AbnormalClosure, 'event stream unavailable')
      if (outcome === 'healthy-end') failures = 0
      if (++failures > this.timings.maxFailures) {
        return this.finish(CloseCode.AbnormalClosure, 'event stream keeps failing')
      }
      await this.sleep(backoffDelayMs(failures, 500, 8_000))
    }
  }

  /** One stream request, read to its end. */
  private async readStream(): Promise<'recycled' | 'healthy-end' | 'failed' | 'closed'> {
    const abort = new AbortController()
    this.downlinkAbort = abort
    let timer: ReturnType<typeof setTimeout> | undefined
    const arm = (ms: number): void => {
      clearTimeout(timer)
      timer = setTimeout(() => abort.abort(), ms)
    }
    arm(this.isOpen ? this.timings.livenessMs : this.timings.helloDeadlineMs)
    let outcome: 'recycled' | 'healthy-end' | 'failed' | 'closed' = 'failed'
    let sawFrames = false
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream', ...this.authHeader() }
      if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId
      const response = await this.fetchImpl(this.url(HttpEndpoint.Events), { headers, signal: abort.signal })
      if (isRefusal(response) || isForeignAnswer(response)) {
        await this.closeFromResponse(response)
        return 'closed'
      }
      const type = response.headers.get('content-type') ?? ''
      if (!response.ok || !type.startsWith('text/event-stream') || !response.body) return 'failed'
      const reader = response.body.getReader()
      const parser = new SseParser()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        arm(this.isOpen ? this.timings.livenessMs : this.timings.helloDeadlineMs)
        const events = parser.push(value)
        // Heartbeats are 15 s apart; two in one read means a proxy held them back.
        if (this.isOpen && events.filter((event) => event.event === SseEventType.Ping).length >= 2) {
          this.events.onBuffered()
        }
        for (const event of events) {
          const result = this.onStreamEvent(event)
          if (result === 'frames') sawFrames = true
          if (result === 'recycle') outcome = 'recycled'
          if (result === 'close') return 'closed'
          if (this.isStopped) return 'closed'
        }
      }
      if (outcome !== 'recycled' && (this.isOpen || sawFrames)) outcome = 'healthy-end'
    } catch {
      // aborted (deadline, liveness, stop) or the network failed: the loop decides what next
    } finally {
      clearTimeout(timer)
    }
    return outcome
  }

  private onStreamEvent(event: SseEvent): 'frames' | 'recycle' | 'close' | null {
    switch (event.event) {
      case SseEventType.Hello:
        this.markOpen()
        return null
      case SseEventType.Frames:
        if (event.id) this.lastEventId = event.id
        this.events.onFrames(orThrow(decodeSseFrames(event.data)))
        return 'frames'
      case SseEventType.Resync:
        this.events.onResync()
        return null
      case SseEventType.Recycle:
        return 'recycle'
      case SseEventType.Close: {
        const info = parseJsonObject(event.data)
        this.finish(Number(info.code) || CloseCode.AbnormalClosure, String(info.reason ?? 'closed by the server'))
        return 'close'
      }
      default:
        return null // ping, and anything a newer server adds
    }
  }

  // ---- long-poll downlink -------------------------------------------------------------------

  private async runPolls(): Promise<void> {
    let failures = 0
    let isResyncDue = false
    while (!this.isStopped) {
      const abort = new AbortController()
      this.downlinkAbort = abort
      const timer = setTimeout(
        () => abort.abort(),
        this.isOpen ? this.timings.pollTimeoutMs : this.timings.helloDeadlineMs,
      )
      try {
        const extra: Record<string, string> = this.cursor ? { [CURSOR_QUERY_PARAM]: this.cursor } : {}
        const response = await this.fetchImpl(this.url(HttpEndpoint.Poll, extra), {
          headers: this.authHeader(),
          signal: abort.signal,
        })
        if (isForeignAnswer(response)) return await this.closeFromResponse(response)
        if (response.status === 200) {
          const frames = orThrow(decodeFrames(new Uint8Array(await response.arrayBuffer())))
          this.cursor = response.headers.get(CURSOR_HEADER) ?? this.cursor
          failures = 0
          this.markOpen()
          if (frames.length > 0) this.events.onFrames(frames)
          if (isResyncDue) {
            isResyncDue = false
            this.events.onResync()
          }
          continue
        }
        if (response.status === 409) {
          // Our session is gone (expired, or this instance never had it): start a new one and resync.
          this.sid = randomSessionId()
          this.cursor = null
          isResyncDue = true
          continue
        }
        if (isRefusal(response)) return await this.closeFromResponse(response)
      } catch {
        // timeout or network failure: counted below
      } finally {
        clearTimeout(timer)
      }
      if (this.isStopped) return
      if (!this.isOpen) return this.finish(CloseCode.AbnormalClosure, 'long-polling unavailable')
      if (++failures > this.timings.maxFailures) {
        return this.finish(CloseCode.AbnormalClosure, 'long-polling keeps failing')
      }
      await this.sleep(backoffDelayMs(failures, 500, 8_000))
    }
  }

  // ---- uplink -------------------------------------------------------------------------------

  private async pump(): Promise<void> {
    if (this.inFlight || this.isStopped || this.isUplinkDetached || this.queue.length === 0) return
    const batch: PendingFrame[] = []
    let bytes = 0
    while (this.queue.length > 0) {
      const next = this.queue[0]!
      if (batch.length > 0 && bytes + next.frame.byteLength > this.timings.postBatchBytes) break
      batch.push(this.queue.shift()!)
      bytes += next.frame.byteLength
    }
    this.inFlight = batch
    const body = encodeFrames(batch.map((entry) => entry.frame))
    let failures = 0
    while (this.inFlight === batch && !this.isStopped) {
      const abort = new AbortController()
      this.uplinkAbort = abort
      const timer = setTimeout(() => abort.abort(), this.timings.postTimeoutMs)
      let retryAfterMs = 0
      try {
        const response = await this.fetchImpl(this.url(HttpEndpoint.Messages), {
          method: 'POST',
          headers: { 'Content-Type': 'application/octet-stream', ...this.authHeader() },
          body: body as Uint8Array<ArrayBuffer>,
          signal: abort.signal,
        })
        if (isForeignAnswer(response)) return await this.closeFromResponse(response)
        if (response.ok) {
          const replies = orThrow(decodeFrames(new Uint8Array(await response.arrayBuffer())))
          if (this.inFlight !== batch) return // handed to another transport meanwhile
          this.inFlight = null
          const ordinals = batch.flatMap((entry) => (entry.ordinal === null ? [] : [entry.ordinal]))
          // A view-only session's changes come back as permission-denied: not saved, so not acknowledged.
          const isDenied = replies.some((reply) => messageTypeOf(reply) === MessageType.Auth)
          if (ordinals.length > 0 && !isDenied) this.events.onDurable(ordinals)
          if (replies.length > 0) this.events.onFrames(replies)
          break
        }
        // 409: an earlier attempt of this batch is still being handled; 429/5xx: wait and resend.
        const isRetryable =
          response.status === 409 || response.status === 429 || response.status >= 500 || response.redirected
        if (!isRetryable) return await this.closeFromResponse(response)
        retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000
        await response.body?.cancel()
      } catch {
        // timeout or network failure: resend the same batch (Yjs ignores what it already has)
      } finally {
        clearTimeout(timer)
      }
      if (this.isStopped || this.inFlight !== batch) return
      if (++failures > this.timings.maxFailures) {
        return this.finish(CloseCode.AbnormalClosure, 'messages cannot be sent')
      }
      await this.sleep(Math.max(retryAfterMs, backoffDelayMs(failures, 500, 8_000)))
    }
    void this.pump()
  }

  /** A 4xx/410 answer (the body says which WebSocket close code it stands for), or a foreign one. */
  private async closeFromResponse(response: Response): Promise<void> {
    const body = await response.text().catch(() => '')
    if (isForeignAnswer(response)) {
      const reason = closeReason(ErrorCode.NotTandemServer, `a web page (HTTP ${response.status}) instead of sync data`)
      return this.finish(CloseCode.IncompatibleServer, reason)
    }
    const { code, reason } = closeOfErrorAnswer(response.status, body)
    this.finish(code, reason)
  }

  private authHeader(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {}
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms))
  }
}

/**
 * An answer that ends the session: a 4xx other than 429 (busy), from the endpoint itself. Tandem's
 * endpoints never redirect, so a redirected answer came from something in between (a captive
 * portal, a login proxy) and counts as a network failure.
 */
function isRefusal(response: Response): boolean {
  return !response.redirected && response.status >= 400 && response.status < 500 && response.status !== 429
}

/**
 * A web page where sync data was expected (an app's own HTML fallback, a static site): `serverUrl`
 * does not point at a Tandem server. Tandem answers these endpoints with an event stream, frames
 * or JSON, never HTML.
 */
function isForeignAnswer(response: Response): boolean {
  return !response.redirected && response.ok && (response.headers.get('content-type') ?? '').startsWith('text/html')
}

/** The provider refreshes tokens in-band; later requests of this channel must carry the new one. */
function readRefreshedToken(frame: Uint8Array): string | null {
  const decoded = decodeFrame(frame)
  return decoded?.type === MessageType.RefreshToken ? decoded.token : null
}

/** A body that is not a batch fails the request it came with, like a network error (retried or reconnected). */
function orThrow(frames: Uint8Array[] | null): Uint8Array[] {
  if (!frames) throw new Error('malformed frame batch from the server')
  return frames
}

/** 22 URL-safe random characters (132 bits): unguessable, and valid for the server's sid rule. */
export function randomSessionId(): string {
  const bytes = new Uint8Array(22)
  crypto.getRandomValues(bytes)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let id = ''
  for (const byte of bytes) id += alphabet[byte & 63]
  return id
}
