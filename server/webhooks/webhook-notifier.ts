import type { WebhookEventInput } from './webhook-events.js'

/**
 * Where the server's features report events for webhook receivers (comments, document changes).
 * Delivery is never on the caller's path: `notify` queues and returns.
 */
export interface WebhookNotifier {
  /** Queues `event` (stamped with an id and a time) and returns at once; never awaits a receiver, never throws. */
  notify(event: WebhookEventInput): void
  /** Events queued or in flight; 0 when idle, and always 0 when webhooks are off. */
  readonly pendingCount: number
  /** Gives queued events a last brief try, then drops what is left (logged); later events are dropped. */
  close(): Promise<void>
}

/** Without WEBHOOK_URL: events go nowhere and cost nothing. */
export class NoopWebhookNotifier implements WebhookNotifier {
  readonly pendingCount = 0

  notify(): void {}

  async close(): Promise<void> {}
}
