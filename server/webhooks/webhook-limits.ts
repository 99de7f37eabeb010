/**
 * Defaults for webhook delivery (docs/operations.md, "Webhooks"). Only the interval of
 * document.changed is an operator setting; the rest are overridable through
 * `createServer({ webhooks })` for tests and unusual receivers.
 */

/** document.changed at most once per document per this: a receiver wants "someone is writing", not every keystroke. */
export const WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS = 60_000

/** A receiver that has not answered in this long counts as failed (and is retried): it must not hold a slot forever. */
export const WEBHOOK_TIMEOUT_MS = 10_000

/** Attempts per event, the first included: with the backoff below, a receiver may be away about 4 minutes (8½ at most). */
export const WEBHOOK_MAX_ATTEMPTS = 10

/** Ceiling of the first retry's jittered wait; it doubles per attempt up to WEBHOOK_RETRY_MAX_MS. */
export const WEBHOOK_RETRY_BASE_MS = 1_000

/** Longest wait between two attempts, so a recovered receiver hears from us within minutes. */
export const WEBHOOK_RETRY_MAX_MS = 5 * 60_000

/**
 * Events waiting for delivery (retries included). Memory, not the receiver, sets the bound: a full
 * queue drops its oldest event (logged, counted in tandem_webhook_dropped_total) rather than grow.
 */
export const WEBHOOK_MAX_QUEUED_EVENTS = 1_000

/** Requests in flight at once: enough to drain a burst, few enough not to flood a small receiver. */
export const WEBHOOK_CONCURRENCY = 4

/** At shutdown, queued events get one more try within this; what is left after it is dropped (logged). */
export const WEBHOOK_SHUTDOWN_FLUSH_MS = 2_000

/** Receivers should refuse signatures older than this (replay); the verification snippet uses it. */
export const WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300

/** As for AUTH_SECRET: a short HMAC key can be guessed offline from one signed body. */
export const MIN_WEBHOOK_SECRET_LENGTH = 32

/** Repeated "queue full" warnings are folded into one line per this, with the number dropped. */
export const WEBHOOK_DROP_LOG_INTERVAL_MS = 10_000
