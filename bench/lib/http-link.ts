/**
 * The HTTP fallback transports for bench clients: an SSE stream or a long-poll loop down, batched
 * POSTs up, on node:http with a keep-alive agent. It behaves like Tandem's browser client
 * (client/transport/http-channel.ts) where that shapes the load: one POST in flight per client,
 * everything queued meanwhile sent as the next batch, the POST's 200 as the acknowledgement, a
 * long-poll repeated as soon as it is answered. Framing is shared/protocol's and the SSE parser the
 * client's (pure, runs in Node); reconnecting and transport switching are left out (a failure fails the run).
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { SseParser } from '../../client/transport/sse-parser.js'
import { ackFrame, isUpdateBearingFrame } from '../../shared/protocol/frames.js'
import {
  CURSOR_HEADER,
  CURSOR_QUERY_PARAM,
  decodeFrames,
  encodeFrames,
  HttpEndpoint,
  SseEventType,
} from '../../shared/protocol/http-framing.js'
import type { FrameLink, LinkHandlers, OpenLink } from './bench-client.js'

export type HttpDownlinkKind = 'sse' | 'long-poll'

/** Frames per POST, as the browser client batches (one larger frame still goes alone). */
const POST_BATCH_BYTES = 1024 * 1024
/** A POST or poll unanswered this long fails the client (the server holds a poll 25 s at most). */
const REQUEST_TIMEOUT_MS = 40_000
/** 409 (previous POST still handled), 429, 5xx or a dropped keep-alive socket: resend this often at most. */
const MAX_POST_ATTEMPTS = 5
const RETRY_DELAY_MS = 200

/** Requests and downlink deliveries of every link of a pool, since it was created. */
export interface HttpLinkCounters {
  /** POSTs answered 200. */
  posts: number
  /** Frames those POSTs carried up. */
  framesUp: number
  /** Long-polls answered 200, or SSE `frames` events received. */
  downlinkResponses: number
  /** Frames those carried down. */
  framesDown: number
  /** POSTs sent again (409, 429, 5xx or a failed socket); each adds a pause to some latencies. */
  postRetries: number
  /** Why, by status code or error message. */
  retryReasons: Record<string, number>
}

interface HttpAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/**
 * One keep-alive agent for every HTTP client of a run. Each client holds a downlink (stream or held
 * poll) and at times a POST, so the agent gets two sockets per client plus slack: with fewer,
 * requests would queue inside the generator and time the agent instead of the server.
 */
export class HttpLinkPool {
  readonly agent: http.Agent
  readonly counters: HttpLinkCounters = {
    posts: 0,
    framesUp: 0,
    downlinkResponses: 0,
    framesDown: 0,
    postRetries: 0,
    retryReasons: {},
  }
  private readonly links = new Set<HttpLink>()

  constructor(clients: number) {
    const sockets = 2 * clients + 16
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, scheduling: 'lifo' })
  }

  /** An OpenLink for BenchClient: `url` is `http://host:port/collab/<docId>`. */
  opener(kind: HttpDownlinkKind): OpenLink {
    return (url, handlers) => {
      const link = new HttpLink(new URL(url), kind, this.agent, this.counters, handlers, () => this.links.delete(link))
      this.links.add(link)
      link.start()
      return link
    }
  }

  /** Closes every link still open and the agent's sockets. */
  destroy(): void {
    for (const link of [...this.links]) link.close()
    this.agent.destroy()
  }
}

class HttpLink implements FrameLink {
  /** 22 URL-safe characters, like the browser client's: valid for the server's sid rule. */
  private readonly sid = randomBytes(16).toString('base64url')
  private readonly queue: Uint8Array[] = []
  private readonly requests = new Set<http.ClientRequest>()
  private isPosting = false
  private isOpen = false
  private isClosed = false
  /** Update-bearing frames POSTed and answered 200 (committed), for the synthetic Ack. */
  private updatesDurable = 0
  private lastEventId: string | null = null

  constructor(
    private readonly docUrl: URL,
    private readonly kind: HttpDownlinkKind,
    private readonly agent: http.Agent,
    private readonly counters: HttpLinkCounters,
    private readonly handlers: LinkHandlers,
    private readonly onClosed: () => void,
  ) {}

  start(): void {
    if (this.kind === 'sse') this.openStream()
    else void this.pollLoop()
  }

  send(frame: Uint8Array): boolean {
    if (this.isClosed) return false
    this.queue.push(frame)
    this.pump()
    return true
  }

  close(): void {
    if (this.isClosed) return
    this.isClosed = true
    for (const request of this.requests) request.destroy()
    this.requests.clear()
    this.onClosed()
  }

  private fail(error: Error): void {
    if (this.isClosed) return
    this.close()
    this.handlers.onError(error)
  }

  private markOpen(): void {
    if (this.isOpen) return
    this.isOpen = true
    this.handlers.onOpen()
  }

  private path(endpoint: string, extra: Record<string, string> = {}): string {
    const query = new URLSearchParams({ sid: this.sid, ...extra })
    return `${this.docUrl.pathname}/${endpoint}?${query.toString()}`
  }

  private newRequest(method: string, path: string, headers: http.OutgoingHttpHeaders): http.ClientRequest {
    const request = http.request({
      agent: this.agent,
      host: this.docUrl.hostname,
      port: this.docUrl.port,
      method,
      path,
      headers,
    })
    // Small writes (a POST body after its headers) must not wait for Nagle's algorithm.
    request.on('socket', (socket) => socket.setNoDelay(true))
    this.requests.add(request)
    request.on('close', () => this.requests.delete(request))
    return request
  }

  /** One request with a complete answer (POST, poll). Rejects on network failure or timeout. */
  private exchange(method: string, path: string, body?: Uint8Array): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = body
        ? { 'Content-Type': 'application/octet-stream', 'Content-Length': body.byteLength }
        : {}
      const request = this.newRequest(method, path, headers)
      const timer = setTimeout(
        () => request.destroy(new Error(`${method} unanswered in ${REQUEST_TIMEOUT_MS} ms`)),
        REQUEST_TIMEOUT_MS,
      )
      request.on('response', (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          clearTimeout(timer)
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) })
        })
        response.on('error', (error) => {
          clearTimeout(timer)
          reject(error)
        })
      })
      request.on('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      request.end(body)
    })
  }

  private deliver(body: Uint8Array, isDownlink: boolean): void {
    const frames = decodeFrames(body)
    if (!frames) return this.fail(new Error('malformed frame batch from the server'))
    if (isDownlink) {
      this.counters.downlinkResponses++
      this.counters.framesDown += frames.length
    }
    for (const frame of frames) {
      if (this.isClosed) return
      this.handlers.onFrame(frame)
    }
  }

  // ---- SSE downlink ---------------------------------------------------------------------------

  private openStream(): void {
    const headers: http.OutgoingHttpHeaders = { Accept: 'text/event-stream' }
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId
    const request = this.newRequest('GET', this.path(HttpEndpoint.Events), headers)
    request.on('response', (response) => {
      const type = response.headers['content-type'] ?? ''
      if (response.statusCode !== 200 || !type.startsWith('text/event-stream')) {
        response.resume()
        this.fail(new Error(`event stream answered ${response.statusCode} ${type}`))
        return
      }
      const parser = new SseParser()
      let isRecycled = false
      response.on('data', (chunk: Buffer) => {
        for (const event of parser.push(chunk)) {
          if (this.isClosed) return
          switch (event.event) {
            case SseEventType.Hello:
              this.markOpen()
              break
            case SseEventType.Frames:
              if (event.id) this.lastEventId = event.id
              this.deliver(Buffer.from(event.data, 'base64'), true)
              break
            case SseEventType.Recycle:
              isRecycled = true
              break
            case SseEventType.Resync:
              // Only after a resume that failed; the bench never resumes except after a recycle.
              this.fail(new Error('event stream asked for a resync'))
              return
            case SseEventType.Close:
              this.fail(new Error(`closed by server: ${event.data}`))
              return
            default:
              break // ping
          }
        }
      })
      response.on('end', () => {
        if (this.isClosed) return
        // The server ends streams after ~5 min on purpose; continue from the last event, as the client does.
        if (isRecycled) this.openStream()
        else this.fail(new Error('event stream ended'))
      })
      response.on('error', (error) => this.fail(error))
    })
    request.on('error', (error) => this.fail(error))
    request.end()
  }

  // ---- long-poll downlink -----------------------------------------------------------------------

  private async pollLoop(): Promise<void> {
    let cursor: string | null = null
    while (!this.isClosed) {
      let answer: HttpAnswer
      try {
        answer = await this.exchange(
          'GET',
          this.path(HttpEndpoint.Poll, cursor ? { [CURSOR_QUERY_PARAM]: cursor } : {}),
        )
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)))
        return
      }
      if (this.isClosed) return
      if (answer.status !== 200) {
        this.fail(new Error(`poll answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`))
        return
      }
      const next = answer.headers[CURSOR_HEADER.toLowerCase()]
      if (typeof next === 'string') cursor = next
      this.markOpen()
      // Like the browser client: apply what arrived, then poll again at once.
      this.deliver(answer.body, true)
    }
  }

  // ---- uplink -----------------------------------------------------------------------------------

  /** Sends everything queued as one POST, unless one is in flight (its answer sends the next). */
  private pump(): void {
    if (this.isPosting || this.isClosed || this.queue.length === 0) return
    let bytes = 0
    let count = 0
    while (count < this.queue.length) {
      const size = this.queue[count]!.byteLength
      if (count > 0 && bytes + size > POST_BATCH_BYTES) break
      bytes += size
      count++
    }
    const batch = this.queue.splice(0, count)
    this.isPosting = true
    void this.post(batch)
  }

  private async post(batch: Uint8Array[]): Promise<void> {
    const body = encodeFrames(batch)
    const updates = batch.filter(isUpdateBearingFrame).length
    for (let attempt = 1; !this.isClosed; attempt++) {
      let answer: HttpAnswer | null = null
      let failure = ''
      try {
        answer = await this.exchange('POST', this.path(HttpEndpoint.Messages), body)
      } catch (error) {
        // A keep-alive socket the server closed while idle fails once; Yjs makes a resend harmless.
        failure = error instanceof Error ? error.message : String(error)
      }
      if (this.isClosed) return
      if (answer?.status === 200) {
        this.updatesDurable += updates
        this.counters.posts++
        this.counters.framesUp += batch.length
        if (updates > 0) this.handlers.onFrame(ackFrame(this.updatesDurable))
        this.deliver(answer.body, false)
        break
      }
      const isRetryable = !answer || answer.status === 409 || answer.status === 429 || answer.status >= 500
      if (answer) failure = `POST answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`
      if (!isRetryable || attempt >= MAX_POST_ATTEMPTS) {
        this.fail(new Error(failure))
        return
      }
      this.counters.postRetries++
      const reason = answer ? String(answer.status) : failure
      this.counters.retryReasons[reason] = (this.counters.retryReasons[reason] ?? 0) + 1
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt))
    }
    this.isPosting = false
    this.pump()
  }
}
