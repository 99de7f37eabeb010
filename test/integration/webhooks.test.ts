import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Thread } from '../../shared/comments.js'
import type { DocId } from '../../shared/ids.js'
import { createServer } from '../../server/create-server.js'
import type { Metrics } from '../../server/metrics.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import type { WebhookSettings } from '../../server/webhooks/create-webhooks.js'
import { threadCreatedEvent } from '../../server/webhooks/webhook-events.js'
import { rawClient, readAck, updateFrame, type RawClient } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { isSignedByTandem, startReceiver, type Behaviour } from '../helpers/webhook-receiver.js'

const SECRET = 'a-webhook-secret-of-at-least-32-chars'

async function counter(metrics: Metrics, name: keyof Metrics, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics[name] as { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }
  const { values } = await metric.get()
  return values
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0)
}

/** A WebSocket client asking for acknowledgements, editing its own Y.Doc. */
async function editor(running: RunningServer, docId: string) {
  const client: RawClient = await rawClient(`${running.wsUrl}/${docId}?acks=1`)
  const doc = new Y.Doc()
  let sent = 0
  return {
    client,
    /** Sends one edit and resolves when the server acknowledged it (it is durable); returns the wait in ms. */
    async edit(text: string): Promise<number> {
      let update: Uint8Array | null = null
      const capture = (u: Uint8Array) => (update = u)
      doc.on('update', capture)
      doc.getText('t').insert(doc.getText('t').length, text)
      doc.off('update', capture)
      const startedAt = performance.now()
      client.send(updateFrame(update!))
      const expected = ++sent
      await waitFor(() => client.frames.some((frame) => readAck(frame) === expected), {
        description: `ack ${expected} on ${docId}`,
      })
      return performance.now() - startedAt
    },
  }
}

const thread: Thread = {
  id: 'th-1',
  status: 'open',
  quote: 'the number',
  anchor: null,
  comments: [
    {
      id: 'c-1',
      body: 'Is <b>this</b> right?',
      author: { id: 'u-ann', name: 'Ann', isVerified: true },
      createdAt: '2025-01-01T00:00:00.000Z',
      editedAt: null,
    },
  ],
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
}

describe('webhooks', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function start(behaviours: Behaviour[], webhooks: Omit<WebhookSettings, 'url'> = {}) {
    const receiver = await startReceiver(behaviours)
    cleanups.push(receiver.close)
    const running = await startServer({ webhooks: { url: receiver.url, secret: SECRET, ...webhooks } })
    cleanups.push(() => running.close())
    return { receiver, running }
  }

  it('posts document.changed once an edit is stored, signed so the receiver can verify it', async () => {
    const { receiver, running } = await start([204])
    const ann = await editor(running, 'signed')
    await ann.edit('hello')
    await waitFor(() => receiver.accepted().length === 1, { description: 'document.changed delivered' })
    const [request] = receiver.requests
    expect(request!.event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'document.changed',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      docId: 'signed',
    })
    expect(request!.headers['content-type']).toBe('application/json')
    expect(request!.headers['tandem-event']).toBe('document.changed')
    expect(request!.headers['tandem-event-id']).toBe(request!.event.id)
    expect(isSignedByTandem(request!.headers['tandem-signature'] as string, request!.rawBody, SECRET)).toBe(true)
    expect(isSignedByTandem(request!.headers['tandem-signature'] as string, request!.rawBody, `${SECRET}x`)).toBe(false)
    ann.client.ws.close()
  })

  it('delivers a comment event, body and author included, to a receiver that fails first', async () => {
    // 500, then a connection reset, then no answer within the timeout; the fourth attempt is accepted.
    const { receiver, running } = await start([500, 'reset', 'hang', 200], {
      retryBaseMs: 20,
      retryMaxMs: 50,
      timeoutMs: 300,
    })
    running.server.webhooks.notify(threadCreatedEvent('commented' as DocId, thread))
    // The receiver has answered before the server has read the answer: wait for both.
    await waitFor(() => receiver.accepted().length === 1 && running.server.webhooks.pendingCount === 0, {
      description: 'accepted after retries',
    })
    expect(receiver.requests).toHaveLength(4)
    expect(new Set(receiver.requests.map((request) => request.event.id)).size).toBe(1)
    expect(new Set(receiver.requests.map((request) => request.rawBody)).size).toBe(1)
    expect(
      receiver.requests.every((r) => isSignedByTandem(r.headers['tandem-signature'] as string, r.rawBody, SECRET)),
    ).toBe(true)
    expect(receiver.requests[0]!.event).toMatchObject({
      type: 'thread.created',
      docId: 'commented',
      thread: { id: 'th-1', status: 'open', quote: 'the number' },
      comment: { id: 'c-1', body: 'Is <b>this</b> right?', author: { id: 'u-ann', name: 'Ann', isVerified: true } },
    })
    const { metrics } = running.server
    expect(await counter(metrics, 'webhookFailedAttempts', { reason: 'status' })).toBe(1)
    expect(await counter(metrics, 'webhookFailedAttempts', { reason: 'network' })).toBe(1)
    expect(await counter(metrics, 'webhookFailedAttempts', { reason: 'timeout' })).toBe(1)
    expect(await counter(metrics, 'webhookDeliveries', { type: 'thread.created' })).toBe(1)
  })

  it('sends document.changed at most once per document per interval, the rest at its end', async () => {
    const { receiver, running } = await start([200], { documentChangedIntervalMs: 60_000 })
    const ann = await editor(running, 'busy')
    const ben = await editor(running, 'quiet')
    for (const word of ['one', 'two', 'three', 'four', 'five']) await ann.edit(word)
    await ben.edit('hi')
    // Each commit was seen before its ack was sent, so nothing more is on its way once the queue is empty.
    await waitFor(() => receiver.accepted().length === 2 && running.server.webhooks.pendingCount === 0, {
      description: 'one event per document',
    })
    expect(receiver.requests.map((request) => request.event.docId).sort()).toEqual(['busy', 'quiet'])
    ann.client.ws.close()
    ben.client.ws.close()
    // The interval has not ended: shutting down announces what it held back, for the busy document only.
    await running.close()
    expect(receiver.requests.map((request) => request.event.docId).sort()).toEqual(['busy', 'busy', 'quiet'])
  })

  it('announces the changes of an interval when it ends', async () => {
    const { receiver, running } = await start([200], { documentChangedIntervalMs: 300 })
    const ann = await editor(running, 'paced')
    await ann.edit('first')
    await ann.edit('second')
    await waitFor(() => receiver.accepted().length === 2, { description: 'the held-back change announced' })
    const [first, second] = receiver.requests.map((request) => Date.parse(request.event.createdAt))
    // Node timers may fire a millisecond early against the wall clock.
    expect(second! - first!).toBeGreaterThanOrEqual(290)
    ann.client.ws.close()
  })

  it('never slows sync down: edits are acknowledged promptly while the receiver hangs and the queue overflows', async () => {
    const { receiver, running } = await start(['hang'], {
      timeoutMs: 30_000,
      maxQueuedEvents: 50,
      documentChangedIntervalMs: 1_000,
      shutdownFlushMs: 200,
    })
    for (let i = 0; i < 200; i++) running.server.webhooks.notify(threadCreatedEvent('flood' as DocId, thread))
    const waits: number[] = []
    for (let i = 0; i < 10; i++) {
      const writer = await editor(running, `doc-${i}`)
      waits.push(await writer.edit('text'), await writer.edit(' more'))
      writer.client.ws.close()
    }
    await waitFor(() => receiver.requests.length >= 4, { description: 'requests hanging at the receiver' })
    // A webhook on the sync path would hold each ack for the 30 s timeout.
    expect(Math.max(...waits)).toBeLessThan(2_000)
    expect(await counter(running.server.metrics, 'webhookDropped', { reason: 'queue-full' })).toBeGreaterThan(100)
    // One warning line per 10 s, however many were dropped.
    const warnings = running.logs.filter((line) => line.msg === 'webhook queue full; dropping the oldest events')
    expect(warnings.length).toBeGreaterThanOrEqual(1)
    expect(warnings.length).toBeLessThan(10)
  })

  it('shuts down promptly with a receiver that never answers, logging what it dropped', async () => {
    const { receiver, running } = await start(['hang'], { shutdownFlushMs: 300 })
    for (let i = 0; i < 10; i++) running.server.webhooks.notify(threadCreatedEvent('doc' as DocId, thread))
    await waitFor(() => receiver.requests.length === 4, { description: 'requests in flight' })
    const startedAt = performance.now()
    await running.close()
    expect(performance.now() - startedAt).toBeLessThan(5_000)
    expect(running.logs.find((line) => line.msg === 'webhook events dropped at shutdown')).toMatchObject({ events: 10 })
  })

  it('refuses a WEBHOOK_SECRET shorter than 32 characters before opening anything', async () => {
    const store = new MemoryDocStore()
    await expect(
      createServer({ store, webhooks: { url: 'http://127.0.0.1:9/hooks', secret: 'too-short' } }),
    ).rejects.toThrow(/WEBHOOK_SECRET must be at least 32 characters/)
  })

  it('sends nothing without WEBHOOK_URL', async () => {
    const running = await startServer()
    cleanups.push(() => running.close())
    running.server.webhooks.notify(threadCreatedEvent('doc' as DocId, thread))
    expect(running.server.webhooks.pendingCount).toBe(0)
    expect(running.logs.some((line) => line.msg === 'webhooks on')).toBe(false)
  })
})
