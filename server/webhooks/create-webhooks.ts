import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { DocStore } from '../storage/doc-store.js'
import { CommitWatchingDocStore } from './commit-watching-doc-store.js'
import { DocumentChangeNotifier } from './document-change-notifier.js'
import { HttpWebhookNotifier, type WebhookDeliveryDeps, type WebhookDeliveryOptions } from './http-webhook-notifier.js'
import {
  WEBHOOK_CONCURRENCY,
  WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_MAX_QUEUED_EVENTS,
  WEBHOOK_RETRY_BASE_MS,
  WEBHOOK_RETRY_MAX_MS,
  WEBHOOK_SHUTDOWN_FLUSH_MS,
  WEBHOOK_TIMEOUT_MS,
} from '../../shared/limits.js'
import { NoopWebhookNotifier, type WebhookNotifier } from './webhook-notifier.js'
import { checkWebhookSecret } from './webhook-signature.js'

/** `createServer({ webhooks })`: the receiver and, for tests and unusual receivers, delivery tuning. */
export interface WebhookSettings extends Partial<Omit<WebhookDeliveryOptions, 'url' | 'secret'>> {
  /** http(s) URL that receives every event (WEBHOOK_URL); webhooks are off without it. */
  url?: string
  /** HMAC-SHA256 key of the Tandem-Signature header (WEBHOOK_SECRET, at least 32 characters). */
  secret?: string
  /** document.changed at most once per document per this (WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS); 0 sends none. */
  documentChangedIntervalMs?: number
}

/** What the server composes: the notifier its features report to, and the commit seam for document.changed. */
export interface Webhooks {
  /** Where features report events (comments); a no-op when webhooks are off. */
  readonly notifier: WebhookNotifier
  /** The store rooms should write through so durable commits become document.changed (`store` itself when off). */
  watchCommits(store: DocStore): DocStore
  /** Announces pending document changes, gives deliveries a brief last try, then drops the rest (logged). */
  close(): Promise<void>
}

/** Refuses a weak secret; call before anything opens, as for AUTH_SECRET. */
export function checkWebhookSettings(settings: WebhookSettings | undefined): void {
  if (settings?.secret !== undefined) checkWebhookSecret(settings.secret)
  if (settings?.url !== undefined) {
    const protocol = URL.canParse(settings.url) ? new URL(settings.url).protocol : null
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error('WEBHOOK_URL must be an http:// or https:// URL')
  }
}

export function createWebhooks(
  settings: WebhookSettings | undefined,
  deps: WebhookDeliveryDeps & { log: Logger; metrics: Metrics },
): Webhooks {
  if (!settings?.url) {
    if (settings?.secret) deps.log.warn('WEBHOOK_SECRET is set without WEBHOOK_URL: no webhooks are sent')
    return { notifier: new NoopWebhookNotifier(), watchCommits: (store) => store, close: async () => {} }
  }
  checkWebhookSettings(settings)
  const notifier = new HttpWebhookNotifier(
    {
      url: settings.url,
      secret: settings.secret,
      timeoutMs: settings.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
      maxAttempts: settings.maxAttempts ?? WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: settings.retryBaseMs ?? WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: settings.retryMaxMs ?? WEBHOOK_RETRY_MAX_MS,
      maxQueuedEvents: settings.maxQueuedEvents ?? WEBHOOK_MAX_QUEUED_EVENTS,
      concurrency: settings.concurrency ?? WEBHOOK_CONCURRENCY,
      shutdownFlushMs: settings.shutdownFlushMs ?? WEBHOOK_SHUTDOWN_FLUSH_MS,
    },
    deps,
  )
  const intervalMs = settings.documentChangedIntervalMs ?? WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS
  const documentChanges = intervalMs > 0 ? new DocumentChangeNotifier(notifier, intervalMs) : null
  deps.log.info(
    {
      webhook: new URL(settings.url).origin,
      isSigned: settings.secret !== undefined,
      documentChangedIntervalMs: intervalMs,
    },
    'webhooks on',
  )
  return {
    notifier,
    watchCommits: (store) => (documentChanges ? new CommitWatchingDocStore(store, documentChanges.committed) : store),
    close: async () => {
      documentChanges?.close()
      await notifier.close()
    },
  }
}
