import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DocId } from '../../shared/ids.js'
import { createLogger } from '../../server/logger.js'
import { createMetrics, type Metrics } from '../../server/metrics.js'
import { HttpWebhookNotifier, type WebhookDeliveryOptions } from '../../server/webhooks/http-webhook-notifier.js'
import { documentChangedEvent, type WebhookEvent } from '../../server/webhooks/webhook-events.js'
import { verifyWebhookSignature } from '../../server/webhooks/webhook-signature.js'

const SECRET = 'a-webhook-secret-of-at-least-32-chars'

interface Call {
  at: number
  body: WebhookEvent
  rawBody: string
  headers: Record<string, string>
  signal: AbortSignal
}

/** A receiver answering each call with the next of `statuses` (the last one repeats); 'hang' never answers. */
function fakeReceiver(statuses: (number | 'hang' | 'reset')[]) {
  const calls: Call[] = []
  const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const rawBody = String(init?.body)
    calls.push({
      at: Date.now(),
      body: JSON.parse(rawBody) as WebhookEvent,
      rawBody,
      headers: init?.headers as Record<string, string>,
      signal: init!.signal!,
    })
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)]!
    if (status === 'reset') throw new TypeError('fetch failed')
    if (status === 'hang') {
      return new Promise((_resolve, reject) =>
        init!.signal!.addEventListener('abort', () => reject(new Error('aborted'))),
      )
    }
    return new Response(null, { status })
  })
  return { calls, fetch: fetch as unknown as typeof globalThis.fetch }
}

const OPTIONS: WebhookDeliveryOptions = {
  url: 'https://hooks.example.com/secret-path',
  secret: SECRET,
  timeoutMs: 10_000,
  maxAttempts: 4,
  retryBaseMs: 100,
  retryMaxMs: 1_000,
  maxQueuedEvents: 100,
  concurrency: 4,
  shutdownFlushMs: 1_000,
}

async function counter(metrics: Metrics, name: keyof Metrics, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics[name] as { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }
  const { values } = await metric.get()
  return values
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0)
}

describe('HttpWebhookNotifier', () => {
  let metrics: Metrics
  let logs: { msg: string; [field: string]: unknown }[]
  let notifier: HttpWebhookNotifier | null

  const start = (receiver: ReturnType<typeof fakeReceiver>, options: Partial<WebhookDeliveryOptions> = {}) => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line))
        callback()
      },
    })
    notifier = new HttpWebhookNotifier(
      { ...OPTIONS, ...options },
      { log: createLogger('debug', sink), metrics, fetch: receiver.fetch, random: () => 1, now: () => Date.now() },
    )
    return notifier
  }
  const event = (docId: string) => documentChangedEvent(docId as DocId)

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_735_689_600_000 })
    metrics = createMetrics()
    logs = []
    notifier = null
  })
  afterEach(async () => {
    const closing = notifier?.close()
    await vi.advanceTimersByTimeAsync(OPTIONS.shutdownFlushMs)
    await closing
    vi.useRealTimers()
  })

  it('returns from notify before any request starts', async () => {
    const receiver = fakeReceiver([200])
    start(receiver).notify(event('a'))
    expect(receiver.calls).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(0)
    expect(receiver.calls).toHaveLength(1)
    expect(receiver.calls[0]!.body).toMatchObject({ type: 'document.changed', docId: 'a' })
    expect(await counter(metrics, 'webhookDeliveries', { type: 'document.changed' })).toBe(1)
  })

  it('retries with exponential backoff, sending the same id and the same bytes each time', async () => {
    const receiver = fakeReceiver([500, 'reset', 503, 200])
    const startedAt = Date.now()
    start(receiver).notify(event('a'))
    await vi.advanceTimersByTimeAsync(2_000)
    // random() = 1 puts each wait at its ceiling: 100, 200, 400 ms.
    expect(receiver.calls.map((call) => call.at - startedAt)).toEqual([0, 100, 300, 700])
    expect(new Set(receiver.calls.map((call) => call.body.id)).size).toBe(1)
    expect(new Set(receiver.calls.map((call) => call.rawBody)).size).toBe(1)
    expect(receiver.calls.map((call) => call.headers['tandem-delivery-attempt'])).toEqual(['1', '2', '3', '4'])
    expect(await counter(metrics, 'webhookFailedAttempts', { reason: 'status' })).toBe(2)
    expect(await counter(metrics, 'webhookFailedAttempts', { reason: 'network' })).toBe(1)
    expect(await counter(metrics, 'webhookDeliveries')).toBe(1)
    expect(logs.filter((line) => line.msg === 'webhook receiver failing; retrying with backoff')).toHaveLength(1)
    expect(logs.filter((line) => line.msg === 'webhook receiver answering again')).toHaveLength(1)
  })

  it('jitters each wait below its doubling ceiling', async () => {
    const receiver = fakeReceiver([500, 500, 200])
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() })
    notifier = new HttpWebhookNotifier(OPTIONS, {
      log: createLogger('silent', sink),
      metrics,
      fetch: receiver.fetch,
      random: () => 0.25,
    })
    const startedAt = Date.now()
    notifier.notify(event('a'))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(receiver.calls.map((call) => call.at - startedAt)).toEqual([0, 25, 75])
  })

  it('gives up after the last attempt, logged and counted', async () => {
    const receiver = fakeReceiver([500])
    start(receiver).notify(event('a'))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(receiver.calls).toHaveLength(OPTIONS.maxAttempts)
    expect(await counter(metrics, 'webhookDropped', { reason: 'gave-up' })).toBe(1)
    expect(logs.find((line) => line.msg === 'webhook event given up after its last attempt')).toMatchObject({
      attempts: 4,
      status: 500,
    })
    expect(notifier!.pendingCount).toBe(0)
  })

  it('does not retry a status that retrying cannot change, but does retry 408 and 429', async () => {
    const rejecting = fakeReceiver([400])
    start(rejecting).notify(event('a'))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(rejecting.calls).toHaveLength(1)
    expect(await counter(metrics, 'webhookDropped', { reason: 'rejected' })).toBe(1)

    const throttling = fakeReceiver([429, 408, 204])
    start(throttling).notify(event('b'))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(throttling.calls).toHaveLength(3)
    expect(await counter(metrics, 'webhookDeliveries')).toBe(1)
  })

  it('counts an attempt without an answer within the timeout as failed, aborts it and retries', async () => {
    const receiver = fakeReceiver(['hang', 200])
    const startedAt = Date.now()
    start(receiver, { timeoutMs: 500 }).notify(event('a'))
    await vi.advanceTimersByTimeAsync(499)
    expect(receiver.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1 + 100)
    expect(receiver.calls[0]!.signal.aborted).toBe(true)
    expect(receiver.calls.map((call) => call.at - startedAt)).toEqual([0, 600])
    expect(await counter(metrics, 'webhookFailedAttempts', { reason: 'timeout' })).toBe(1)
    expect(await counter(metrics, 'webhookDeliveries')).toBe(1)
  })

  it('signs every attempt afresh with the time it is sent', async () => {
    const receiver = fakeReceiver([500, 200])
    start(receiver, { retryBaseMs: 4_000, retryMaxMs: 4_000 }).notify(event('a'))
    await vi.advanceTimersByTimeAsync(5_000)
    const [first, second] = receiver.calls
    const timestamp = (call: Call) => Number(/t=(\d+)/.exec(call.headers['Tandem-Signature']!)![1])
    expect(timestamp(second!) - timestamp(first!)).toBe(4)
    for (const call of receiver.calls) {
      expect(
        verifyWebhookSignature(SECRET, call.headers['Tandem-Signature'], call.rawBody, Math.floor(call.at / 1000)),
      ).toBe(true)
    }
  })

  it('sends no signature without a secret', async () => {
    const receiver = fakeReceiver([200])
    start(receiver, { secret: undefined }).notify(event('a'))
    await vi.advanceTimersByTimeAsync(0)
    expect(receiver.calls[0]!.headers).not.toHaveProperty('Tandem-Signature')
  })

  it('drops the oldest waiting event when the queue is full, with one log line and a metric per event', async () => {
    const receiver = fakeReceiver([200])
    const webhooks = start(receiver, { maxQueuedEvents: 3, concurrency: 1 })
    for (const docId of ['a', 'b', 'c', 'd', 'e']) webhooks.notify(event(docId))
    expect(webhooks.pendingCount).toBe(3)
    await vi.advanceTimersByTimeAsync(0)
    expect(receiver.calls.map((call) => call.body.docId)).toEqual(['c', 'd', 'e'])
    expect(await counter(metrics, 'webhookDropped', { reason: 'queue-full' })).toBe(2)
    expect(logs.filter((line) => line.msg === 'webhook queue full; dropping the oldest events')).toHaveLength(1)
  })

  it('keeps at most `concurrency` requests in flight', async () => {
    const receiver = fakeReceiver(['hang'])
    const webhooks = start(receiver, { concurrency: 2 })
    for (const docId of ['a', 'b', 'c']) webhooks.notify(event(docId))
    await vi.advanceTimersByTimeAsync(0)
    expect(receiver.calls).toHaveLength(2)
    expect(webhooks.pendingCount).toBe(3)
  })

  it('never throws from notify, even after close', async () => {
    const receiver = fakeReceiver([200])
    const webhooks = start(receiver)
    await webhooks.close()
    expect(() => webhooks.notify(event('a'))).not.toThrow()
    await vi.advanceTimersByTimeAsync(0)
    expect(receiver.calls).toHaveLength(0)
    expect(await counter(metrics, 'webhookDropped', { reason: 'shutdown' })).toBe(1)
  })

  it('on close, tries waiting retries at once and resolves when they are delivered', async () => {
    const receiver = fakeReceiver([500, 200])
    const webhooks = start(receiver, { retryBaseMs: 60_000, retryMaxMs: 60_000 })
    webhooks.notify(event('a'))
    await vi.advanceTimersByTimeAsync(0)
    expect(receiver.calls).toHaveLength(1)
    const closed = webhooks.close()
    await vi.advanceTimersByTimeAsync(0)
    await closed
    expect(receiver.calls).toHaveLength(2)
    expect(await counter(metrics, 'webhookDeliveries')).toBe(1)
    expect(logs.some((line) => line.msg === 'webhook events dropped at shutdown')).toBe(false)
  })

  it('on close, gives up at the deadline: aborts what is in flight and logs what was dropped', async () => {
    const receiver = fakeReceiver(['hang'])
    const webhooks = start(receiver, { concurrency: 1 })
    webhooks.notify(event('a'))
    webhooks.notify(event('b'))
    await vi.advanceTimersByTimeAsync(0)
    let isClosed = false
    const closed = webhooks.close().then(() => (isClosed = true))
    await vi.advanceTimersByTimeAsync(OPTIONS.shutdownFlushMs - 1)
    expect(isClosed).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await closed
    expect(receiver.calls[0]!.signal.aborted).toBe(true)
    expect(await counter(metrics, 'webhookDropped', { reason: 'shutdown' })).toBe(2)
    expect(logs.find((line) => line.msg === 'webhook events dropped at shutdown')).toMatchObject({ events: 2 })
    expect(await counter(metrics, 'webhookPending')).toBe(0)
  })

  it('logs only the receiver origin, never its path (chat services keep credentials there)', async () => {
    const receiver = fakeReceiver([500])
    start(receiver).notify(event('a'))
    await vi.advanceTimersByTimeAsync(10_000)
    const text = JSON.stringify(logs)
    expect(text).toContain('https://hooks.example.com')
    expect(text).not.toContain('secret-path')
  })
})
