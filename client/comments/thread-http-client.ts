import { backoffDelayMs } from '../../shared/backoff.js'
import type { Thread, ThreadAnchor, ThreadStatus } from '../../shared/comments.js'
import { authorHeaders, randomId } from './comment-author.js'
import { PendingWrites } from './pending-writes.js'
import type { ThreadStore } from './thread-store.js'
import { ThreadRequestError, type PendingWrite, type ThreadClient } from './threads-api.js'

export interface ThreadHttpClientOptions {
  /** REST base, `http(s)://host[/prefix]` (TandemProvider.httpBase). */
  httpBase: string
  docId: string
  /** Where a write's answer goes at once, so the author sees it before the live push. */
  store: ThreadStore
  /** Sent as `Authorization: Bearer`; asked before every request so an expired token is replaced. */
  getToken?: () => Promise<string | undefined> | string | undefined
  /** The name this browser writes under, for servers whose token names no person. */
  getAuthorName?: () => string | null
  /** Where unsent writes are kept; default: localStorage under the server and document. */
  pending?: PendingWrites
  fetch?: typeof fetch
  /** False once the session is over (provider destroyed): no more re-sends. */
  isActive?: () => boolean
}

/** Error code of a write that could not reach the server (not one of the server's codes). */
export const NETWORK_ERROR_CODE = 'network-error'
/** localStorage key prefix for unsent comments (per server and document). */
const PENDING_KEY_PREFIX = 'tandem:comments-pending:'

/** A request that never got a verdict from the server: no answer, or a 5xx. Worth re-sending. */
class Unreachable extends Error {}

interface Waiter {
  resolve: (thread: Thread) => void
  reject: (error: unknown) => void
}

/**
 * ThreadClient over the REST API (docs/protocol.md, "Comments"). New threads and replies go through
 * a queue (PendingWrites) that survives reloads: a write that cannot reach the server stays there
 * and is re-sent, with the same client-chosen id, on `resume()` (the provider reconnected) or after
 * a backoff; a write the server refuses (4xx) leaves the queue and rejects with the server's sentence.
 */
export class ThreadHttpClient implements ThreadClient {
  readonly pending: PendingWrites
  private readonly threadsUrl: string
  private readonly fetch: typeof fetch
  private readonly waiters = new Map<string, Waiter>()
  private flushing: Promise<void> | null = null
  private hasMoreToSend = false
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private attempt = 0
  private isDestroyed = false

  constructor(private readonly options: ThreadHttpClientOptions) {
    this.threadsUrl = `${options.httpBase}/api/docs/${encodeURIComponent(options.docId)}/threads`
    this.pending = options.pending ?? new PendingWrites(`${PENDING_KEY_PREFIX}${options.httpBase}/${options.docId}`)
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  }

  startThread(input: {
    body: string
    quote?: string
    anchor?: ThreadAnchor | null
    suggestionId?: string | null
  }): Promise<Thread> {
    return this.submit({
      id: randomId(),
      kind: 'thread',
      threadId: null,
      body: input.body,
      quote: input.quote ?? '',
      anchor: input.anchor ?? null,
      suggestionId: input.suggestionId ?? null,
    })
  }

  reply(threadId: string, body: string): Promise<Thread> {
    return this.submit({ id: randomId(), kind: 'reply', threadId, body, quote: '', anchor: null })
  }

  async setStatus(threadId: string, status: ThreadStatus): Promise<Thread> {
    return this.applied(await this.request('PATCH', this.threadUrl(threadId), { status }))
  }

  async editComment(threadId: string, commentId: string, body: string): Promise<Thread> {
    return this.applied(await this.request('PATCH', this.commentUrl(threadId, commentId), { body }))
  }

  async deleteComment(threadId: string, commentId: string): Promise<Thread | null> {
    const answer = await this.request('DELETE', this.commentUrl(threadId, commentId))
    if (isThreadGone(answer)) {
      // The thread's last comment: the server deleted the thread with it (`{ "thread": null }`).
      this.options.store.remove(threadId)
      return null
    }
    return this.applied(answer)
  }

  dismiss(writeId: string): void {
    this.pending.remove(writeId)
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.request('DELETE', this.threadUrl(threadId))
    this.options.store.remove(threadId)
  }

  /** True while kept writes are being sent (a failed round ends it; the next starts on resume or retry). */
  get isSending(): boolean {
    return this.flushing !== null
  }

  /** Re-sends every kept write now (the connection is back). */
  resume(): void {
    this.attempt = 0
    this.clearRetry()
    void this.flush()
  }

  /** Stops retrying; kept writes stay in storage for the next session. */
  destroy(): void {
    this.isDestroyed = true
    this.clearRetry()
  }

  private isActive(): boolean {
    return !this.isDestroyed && (this.options.isActive?.() ?? true)
  }

  private submit(write: PendingWrite): Promise<Thread> {
    const result = new Promise<Thread>((resolve, reject) => this.waiters.set(write.id, { resolve, reject }))
    // Kept before the first attempt, so a reload during the request loses nothing either.
    this.pending.add(write)
    void this.flush()
    return result
  }

  /** Sends the kept writes one by one, in writing order (a reply after the thread it answers). */
  private flush(): Promise<void> {
    if (this.flushing) {
      // The running round may already have looked at the queue for the last time: go once more.
      this.hasMoreToSend = true
      return this.flushing
    }
    this.flushing = (async () => {
      do {
        this.hasMoreToSend = false
        await this.sendAll()
      } while (this.hasMoreToSend && this.isActive())
    })().finally(() => {
      this.flushing = null
    })
    return this.flushing
  }

  private async sendAll(): Promise<void> {
    for (;;) {
      if (!this.isActive()) return
      const write = this.pending.getAll().find((held) => held.refusal === undefined)
      if (!write) return
      try {
        const thread = this.applied(await this.send(write))
        this.pending.remove(write.id)
        this.attempt = 0
        this.settle(write.id, (waiter) => waiter.resolve(thread))
      } catch (error) {
        if (error instanceof Unreachable) {
          this.scheduleRetry()
          return
        }
        // Refused for good (wrong role, unknown thread, too long): re-sending would be refused again.
        // Whoever waits shows the refusal beside the text it kept; with nobody waiting (re-sent after
        // a reload), the write stays in the queue with the reason, so its text is not lost unseen.
        if (this.waiters.has(write.id)) {
          this.pending.remove(write.id)
          this.settle(write.id, (waiter) => waiter.reject(error))
        } else {
          this.pending.markRefused(write.id, error instanceof Error ? error.message : String(error))
        }
      }
    }
  }

  private send(write: PendingWrite): Promise<unknown> {
    if (write.kind === 'thread') {
      return this.request('POST', this.threadsUrl, {
        id: write.id,
        body: write.body,
        quote: write.quote,
        ...(write.anchor ? { anchor: write.anchor } : {}),
        // Sent only when set, so a server from before suggestion threads takes ordinary threads as before.
        ...(write.suggestionId ? { suggestionId: write.suggestionId } : {}),
      })
    }
    return this.request('POST', `${this.threadUrl(write.threadId ?? '')}/comments`, { id: write.id, body: write.body })
  }

  private settle(id: string, action: (waiter: Waiter) => void): void {
    const waiter = this.waiters.get(id)
    this.waiters.delete(id)
    if (waiter) action(waiter)
  }

  private scheduleRetry(): void {
    this.clearRetry()
    if (!this.isActive()) return
    this.retryTimer = setTimeout(() => void this.flush(), backoffDelayMs(this.attempt++, 1_000, 30_000))
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  /** The write's answer applied to the store, so the author sees it before the push. */
  private applied(body: unknown): Thread {
    const thread = threadIn(body)
    if (!thread) throw new ThreadRequestError('The server answered without the thread.', 502, 'bad-response')
    this.options.store.upsert(thread)
    return thread
  }

  /**
   * One REST call. Throws Unreachable when the server gave no verdict (network down, 5xx): for a
   * queued write that means "keep it"; the other writes report it as a ThreadRequestError.
   */
  private async request(method: string, url: string, body?: object): Promise<unknown> {
    let response: Response
    try {
      const token = await this.options.getToken?.()
      response = await this.fetch(url, {
        method,
        headers: {
          Accept: 'application/json',
          ...(body ? { 'Content-Type': 'application/json' } : {}),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...authorHeaders(this.options.getAuthorName?.() ?? null),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
    } catch {
      throw this.unreachable(method, 0)
    }
    const payload: unknown = response.status === 204 ? null : await response.json().catch(() => null)
    if (response.ok) return payload
    if (response.status >= 500) throw this.unreachable(method, response.status, payload)
    const { error, message } = errorIn(payload)
    throw new ThreadRequestError(
      message ?? `The server refused this (HTTP ${response.status}).`,
      response.status,
      error ?? 'http-error',
    )
  }

  private unreachable(method: string, status: number, payload?: unknown): Error {
    // Only new threads and replies are queued; a status change or an edit the user retries by hand.
    if (method === 'POST') return new Unreachable()
    const { error, message } = errorIn(payload)
    return new ThreadRequestError(
      message ?? 'The server cannot be reached; try again when the connection is back.',
      status,
      error ?? NETWORK_ERROR_CODE,
    )
  }

  private threadUrl(threadId: string): string {
    return `${this.threadsUrl}/${encodeURIComponent(threadId)}`
  }

  private commentUrl(threadId: string, commentId: string): string {
    return `${this.threadUrl(threadId)}/comments/${encodeURIComponent(commentId)}`
  }
}

function isThreadGone(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'thread' in body && (body as { thread: unknown }).thread === null
}

/** The thread in a write's answer: `{ "thread": … }` (or a bare thread). */
function threadIn(body: unknown): Thread | null {
  if (typeof body !== 'object' || body === null) return null
  const candidate = 'thread' in body ? (body as { thread: unknown }).thread : body
  return isThread(candidate) ? candidate : null
}

function isThread(value: unknown): value is Thread {
  if (typeof value !== 'object' || value === null) return false
  const thread = value as Record<string, unknown>
  return (
    typeof thread.id === 'string' &&
    (thread.status === 'open' || thread.status === 'resolved') &&
    Array.isArray(thread.comments) &&
    typeof thread.updatedAt === 'string'
  )
}

function errorIn(payload: unknown): { error?: string; message?: string } {
  if (typeof payload !== 'object' || payload === null) return {}
  const { error, message } = payload as Record<string, unknown>
  return {
    ...(typeof error === 'string' ? { error } : {}),
    ...(typeof message === 'string' && message ? { message } : {}),
  }
}
