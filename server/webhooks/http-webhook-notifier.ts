import { randomUUID } from 'node:crypto'
import { backoffDelayMs } from '../../shared/backoff.js'
import { errorMessage } from '../../shared/errors.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { WebhookEvent, WebhookEventInput } from './webhook-events.js'
import { WEBHOOK_DROP_LOG_INTERVAL_MS } from '../../shared/limits.js'
import type { WebhookNotifier } from './webhook-notifier.js'
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from './webhook-signature.js'

/** Why an event was given up (the `reason` label of tandem_webhook_dropped_total). */
export const WebhookDropReason = {
  /** The queue was full: the oldest waiting event made room for a new one. */
  QueueFull: 'queue-full',
  /** Every attempt failed. */
  GaveUp: 'gave-up',
  /** The receiver answered with a status that retrying cannot change (4xx other than 408 and 429, 3xx). */
  Rejected: 'rejected',
  /** Still undelivered when the shutdown flush ended. */
  Shutdown: 'shutdown',
} as const
export type WebhookDropReason = (typeof WebhookDropReason)[keyof typeof WebhookDropReason]

/** Why an attempt failed (the `reason` label of tandem_webhook_failed_attempts_total). */
export const WebhookFailure = {
  /** The receiver answered with a status other than 2xx. */
  Status: 'status',
  /** No answer within the timeout. */
  Timeout: 'timeout',
  /** No connection, or it broke (refused, reset, DNS, TLS). */
  Network: 'network',
} as const
export type WebhookFailure = (typeof WebhookFailure)[keyof typeof WebhookFailure]

export interface WebhookDeliveryOptions {
  /** The receiver (WEBHOOK_URL); only its origin is ever logged (paths often hold a secret). */
  url: string
  /** Signs every attempt (WEBHOOK_SECRET); deliveries are unsigned without it. */
  secret?: string
  /** An attempt without an answer in this long failed. */
  timeoutMs: number
  /** Attempts per event, the first included. */
  maxAttempts: number
  /** Ceiling of the first retry's jittered wait; doubles per attempt. */
  retryBaseMs: number
  /** Ceiling of any retry's wait. */
  retryMaxMs: number
  /** Events waiting (retries included); a new one beyond it drops the oldest. */
  maxQueuedEvents: number
  /** Requests in flight at once. */
  concurrency: number
  /** How long close() keeps trying before it drops what is left. */
  shutdownFlushMs: number
}

export interface WebhookDeliveryDeps {
  log: Logger
  metrics: Metrics
  /** Wall clock in ms: event times, signature timestamps, retry times. */
  now?: () => number
  /** For the backoff's jitter. */
  random?: () => number
  /** Node's fetch unless a test hands its own. */
  fetch?: typeof fetch
}

interface Delivery {
  readonly event: WebhookEvent
  /** Serialised on the first attempt; every retry sends the same bytes (signed afresh). */
  body: string | null
  /** Attempts made so far. */
  attempts: number
  /** Not to be attempted before this time (ms); 0 when due. */
  readyAt: number
  /** Arrival order: the queue is kept in it, so its head is the oldest event. */
  readonly seq: number
}

type AttemptResult =
  | { isDelivered: true }
  | { isDelivered: false; isRetryable: boolean; reason: WebhookFailure; status?: number; error?: string }

/**
 * Delivers events to one HTTP receiver: a bounded in-memory queue, a few requests at a time, retries
 * with jittered exponential backoff up to a bounded number of attempts. Events live in memory only:
 * a crash loses what was queued (receivers that must not miss anything poll the REST API too).
 */
export class HttpWebhookNotifier implements WebhookNotifier {
  /** Waiting events (due or backing off), oldest first; in-flight ones are counted apart. */
  private readonly queue: Delivery[] = []
  private inFlight = 0
  private nextSeq = 0
  private pumpScheduled: NodeJS.Immediate | null = null
  private wakeTimer: NodeJS.Timeout | null = null
  private closing: Promise<void> | null = null
  private flushDeadline = Number.POSITIVE_INFINITY
  private droppedAtShutdown = 0
  private hasGivenUp = false
  private onIdle: (() => void) | null = null
  private isReceiverFailing = false
  private droppedSinceLog = 0
  private lastDropLogAt = Number.NEGATIVE_INFINITY
  /** One per request in flight, aborted when the shutdown flush ends. */
  private readonly requests = new Set<AbortController>()
  private readonly target: string
  private readonly log: Logger
  private readonly metrics: Metrics
  private readonly now: () => number
  private readonly random: () => number
  private readonly fetch: typeof fetch

  constructor(
    private readonly options: WebhookDeliveryOptions,
    deps: WebhookDeliveryDeps,
  ) {
    this.target = new URL(options.url).origin
    this.log = deps.log.child({ webhook: this.target })
    this.metrics = deps.metrics
    this.now = deps.now ?? Date.now
    this.random = deps.random ?? Math.random
    this.fetch = deps.fetch ?? globalThis.fetch
  }

  get pendingCount(): number {
    return this.queue.length + this.inFlight
  }

  notify(input: WebhookEventInput): void {
    try {
      if (this.closing) {
        this.metrics.webhookDropped.inc({ reason: WebhookDropReason.Shutdown })
        this.log.warn({ type: input.type }, 'webhook event after shutdown dropped')
        return
      }
      // id, type and createdAt lead the JSON (assigning keeps the position of keys already set).
      const stamp = { id: randomUUID(), type: input.type, createdAt: new Date(this.now()).toISOString() }
      const event = Object.assign(stamp, input) as WebhookEvent
      this.enqueue({ event, body: null, attempts: 0, readyAt: 0, seq: this.nextSeq++ })
      this.schedulePump()
    } catch (error) {
      this.log.error({ err: error }, 'webhook event not queued')
    }
  }

  close(): Promise<void> {
    this.closing ??= this.flushThenGiveUp()
    return this.closing
  }

  private enqueue(delivery: Delivery): void {
    // Kept in arrival order, so a retry goes back to where its event was and the head stays the oldest.
    let index = this.queue.length
    while (index > 0 && this.queue[index - 1]!.seq > delivery.seq) index--
    this.queue.splice(index, 0, delivery)
    while (this.queue.length > this.options.maxQueuedEvents) this.dropOldest()
    this.metrics.webhookPending.set(this.pendingCount)
  }

  private dropOldest(): void {
    const dropped = this.queue.shift()
    if (!dropped) return
    this.metrics.webhookDropped.inc({ reason: WebhookDropReason.QueueFull })
    this.droppedSinceLog++
    // One line per interval while the queue overflows; the metric counts every drop.
    const now = this.now()
    if (now - this.lastDropLogAt < WEBHOOK_DROP_LOG_INTERVAL_MS) return
    this.log.warn(
      {
        dropped: this.droppedSinceLog,
        id: dropped.event.id,
        type: dropped.event.type,
        maxQueuedEvents: this.options.maxQueuedEvents,
      },
      'webhook queue full; dropping the oldest events',
    )
    this.lastDropLogAt = now
    this.droppedSinceLog = 0
  }

  /** Deliveries start on a later turn: notify() costs its caller an array push, never a request. */
  private schedulePump(): void {
    this.pumpScheduled ??= setImmediate(() => {
      this.pumpScheduled = null
      this.pump()
    })
  }

  private pump(): void {
    if (this.hasGivenUp) return
    const now = this.now()
    let nextReadyAt = Number.POSITIVE_INFINITY
    for (let index = 0; index < this.queue.length && this.inFlight < this.options.concurrency;) {
      const delivery = this.queue[index]!
      if (delivery.readyAt <= now) {
        this.queue.splice(index, 1)
        this.inFlight++
        void this.deliver(delivery)
      } else {
        nextReadyAt = Math.min(nextReadyAt, delivery.readyAt)
        index++
      }
    }
    // With every slot busy, the next completion pumps again; otherwise wake for the next retry due.
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.wakeTimer = null
    if (this.inFlight < this.options.concurrency && nextReadyAt !== Number.POSITIVE_INFINITY) {
      this.wakeTimer = setTimeout(
        () => {
          this.wakeTimer = null
          this.pump()
        },
        Math.max(0, nextReadyAt - now),
      )
      this.wakeTimer.unref()
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    delivery.attempts++
    const result = await this.attempt(delivery)
    this.inFlight--
    if (this.hasGivenUp) return // counted and logged by the shutdown
    const { event } = delivery
    if (result.isDelivered) {
      this.metrics.webhookDeliveries.inc({ type: event.type })
      this.log.debug({ id: event.id, type: event.type, attempts: delivery.attempts }, 'webhook delivered')
      if (this.isReceiverFailing) this.log.info('webhook receiver answering again')
      this.isReceiverFailing = false
    } else {
      this.failed(delivery, result)
    }
    this.metrics.webhookPending.set(this.pendingCount)
    if (this.pendingCount === 0) this.onIdle?.()
    this.pump()
  }

  private failed(delivery: Delivery, result: Extract<AttemptResult, { isDelivered: false }>): void {
    const { event, attempts } = delivery
    const facts = { id: event.id, type: event.type, attempts, reason: result.reason, status: result.status }
    this.metrics.webhookFailedAttempts.inc({ reason: result.reason })
    if (!result.isRetryable) {
      this.metrics.webhookDropped.inc({ reason: WebhookDropReason.Rejected })
      this.log.warn(facts, 'webhook rejected by the receiver; not retried')
      return
    }
    if (!this.isReceiverFailing) {
      this.isReceiverFailing = true
      this.log.warn({ ...facts, error: result.error }, 'webhook receiver failing; retrying with backoff')
    }
    if (attempts >= this.options.maxAttempts) {
      this.metrics.webhookDropped.inc({ reason: WebhookDropReason.GaveUp })
      this.log.warn({ ...facts, error: result.error }, 'webhook event given up after its last attempt')
      return
    }
    const now = this.now()
    const delayMs = backoffDelayMs(attempts - 1, this.options.retryBaseMs, this.options.retryMaxMs, this.random)
    if (now + delayMs > this.flushDeadline) {
      this.droppedAtShutdown++
      return
    }
    this.log.debug({ ...facts, error: result.error, delayMs }, 'webhook attempt failed; will retry')
    delivery.readyAt = now + delayMs
    this.enqueue(delivery)
  }

  /** One POST; never throws. The body is the event's JSON, the same bytes on every attempt. */
  private async attempt(delivery: Delivery): Promise<AttemptResult> {
    // Its own controller and timer: AbortSignal.any with a long-lived signal has leaked in Node (nodejs/node#55351).
    const request = new AbortController()
    let isTimedOut = false
    const timer = setTimeout(() => {
      isTimedOut = true
      request.abort()
    }, this.options.timeoutMs)
    this.requests.add(request)
    try {
      const body = (delivery.body ??= JSON.stringify(delivery.event))
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Tandem-Webhooks',
        'tandem-event': delivery.event.type,
        'tandem-event-id': delivery.event.id,
        'tandem-delivery-attempt': String(delivery.attempts),
      }
      if (this.options.secret) {
        headers[WEBHOOK_SIGNATURE_HEADER] = signWebhook(this.options.secret, body, Math.floor(this.now() / 1000))
      }
      const response = await this.fetch(this.options.url, {
        method: 'POST',
        headers,
        body,
        // A redirected POST would turn into a GET elsewhere: a receiver that moved is a configuration to fix.
        redirect: 'manual',
        signal: request.signal,
      })
      // The receiver's answer is not read; cancelling it frees the connection for the next delivery.
      await response.body?.cancel().catch(() => undefined)
      if (response.status >= 200 && response.status < 300) return { isDelivered: true }
      return {
        isDelivered: false,
        isRetryable: isRetryableStatus(response.status),
        reason: WebhookFailure.Status,
        status: response.status,
      }
    } catch (error) {
      return {
        isDelivered: false,
        isRetryable: true,
        reason: isTimedOut ? WebhookFailure.Timeout : WebhookFailure.Network,
        error: isTimedOut ? `no answer within ${this.options.timeoutMs} ms` : errorMessage(error),
      }
    } finally {
      clearTimeout(timer)
      this.requests.delete(request)
    }
  }

  /**
   * Everything waiting is due at once and gets until the deadline; what is left then (in flight,
   * waiting, or due again only after it) is dropped and logged once.
   */
  private async flushThenGiveUp(): Promise<void> {
    const startedAt = this.now()
    this.flushDeadline = startedAt + this.options.shutdownFlushMs
    if (this.pendingCount > 0) {
      for (const delivery of this.queue) delivery.readyAt = 0
      this.pump()
      let deadlineTimer: NodeJS.Timeout | undefined
      const isIdle = await Promise.race([
        new Promise<true>((resolve) => (this.onIdle = () => resolve(true))),
        new Promise<false>((resolve) => (deadlineTimer = setTimeout(resolve, this.options.shutdownFlushMs, false))),
      ])
      clearTimeout(deadlineTimer)
      if (!isIdle) {
        this.droppedAtShutdown += this.pendingCount
        this.hasGivenUp = true
        this.queue.length = 0
        for (const request of this.requests) request.abort()
      }
    }
    this.hasGivenUp = true
    if (this.pumpScheduled) clearImmediate(this.pumpScheduled)
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.metrics.webhookPending.set(0)
    if (this.droppedAtShutdown > 0) {
      this.metrics.webhookDropped.inc({ reason: WebhookDropReason.Shutdown }, this.droppedAtShutdown)
      this.log.warn(
        { events: this.droppedAtShutdown, waitedMs: this.now() - startedAt },
        'webhook events dropped at shutdown',
      )
    }
  }
}

/** Worth another try: the receiver is overloaded, restarting, or asked us to slow down. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}
