import { afterEach, describe, expect, it } from 'vitest'
import type { Thread } from '../../shared/comments.js'
import type { WebhookSettings } from '../../server/webhooks/create-webhooks.js'
import { startServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { isSignedByTandem, startReceiver, type Behaviour } from '../helpers/webhook-receiver.js'

const SECRET = 'a-webhook-secret-of-at-least-32-chars'

describe('comment webhooks, from the comments REST API to a real receiver', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function start(behaviours: Behaviour[], webhooks: Omit<WebhookSettings, 'url'> = {}) {
    const receiver = await startReceiver(behaviours)
    cleanups.push(receiver.close)
    // document.changed off: only the comment events are under test.
    const running = await startServer({
      webhooks: { url: receiver.url, secret: SECRET, documentChangedIntervalMs: 0, ...webhooks },
    })
    cleanups.push(() => running.close())
    const api = (path: string, method: string, body: unknown, author = { id: 'browser-ann', name: 'Ann' }) =>
      fetch(`${running.httpUrl}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          'x-tandem-author-id': author.id,
          'x-tandem-author-name': author.name,
        },
        body: JSON.stringify(body),
      })
    expect((await api('/api/docs', 'POST', { id: 'hooked', markdown: 'The plan.' })).status).toBe(201)
    return { receiver, running, api }
  }

  it('sends thread.created, comment.created and thread.resolved, signed, retrying a receiver that fails first', async () => {
    const { receiver, running, api } = await start([500, 'reset', 200], { retryBaseMs: 20, retryMaxMs: 50 })
    const created = await api('/api/docs/hooked/threads', 'POST', { body: 'Is <b>this</b> the plan?', quote: 'plan' })
    const { thread } = (await created.json()) as { thread: Thread }
    await api(
      `/api/docs/hooked/threads/${thread.id}/comments`,
      'POST',
      { body: 'Yes.' },
      { id: 'browser-bob', name: 'Bob' },
    )
    await api(
      `/api/docs/hooked/threads/${thread.id}`,
      'PATCH',
      { status: 'resolved' },
      { id: 'browser-bob', name: 'Bob' },
    )
    // Reopening and an edit are not announced; resolving again is.
    await api(`/api/docs/hooked/threads/${thread.id}`, 'PATCH', { status: 'open' })
    await api(`/api/docs/hooked/threads/${thread.id}`, 'PATCH', { status: 'resolved' })

    await waitFor(() => receiver.accepted().length === 4 && running.server.webhooks.pendingCount === 0, {
      description: 'four comment events accepted',
    })
    // The first event was refused twice (500, then a reset) before it was accepted.
    expect(receiver.requests.length).toBeGreaterThanOrEqual(6)
    for (const request of receiver.requests) {
      expect(isSignedByTandem(request.headers['tandem-signature'] as string, request.rawBody, SECRET)).toBe(true)
    }
    const events = receiver.accepted().map((r) => r.event)
    const ofType = (type: string) => events.filter((e) => e.type === type)
    expect(ofType('thread.created')).toEqual([
      expect.objectContaining({
        docId: 'hooked',
        thread: { id: thread.id, status: 'open', quote: 'plan' },
        comment: expect.objectContaining({
          body: 'Is <b>this</b> the plan?',
          author: { id: 'browser-ann', name: 'Ann', isVerified: false },
        }),
      }),
    ])
    expect(ofType('comment.created')).toEqual([
      expect.objectContaining({
        thread: expect.objectContaining({ id: thread.id }),
        comment: expect.objectContaining({
          body: 'Yes.',
          author: { id: 'browser-bob', name: 'Bob', isVerified: false },
        }),
      }),
    ])
    expect(ofType('thread.resolved')).toEqual([
      expect.objectContaining({
        thread: { id: thread.id, status: 'resolved', quote: 'plan' },
        resolvedBy: { id: 'browser-bob', name: 'Bob', isVerified: false },
      }),
      expect.objectContaining({ resolvedBy: { id: 'browser-ann', name: 'Ann', isVerified: false } }),
    ])
    // A retried event keeps its id, so receivers de-duplicate.
    expect(new Set(receiver.requests.map((r) => r.event.id)).size).toBe(4)
  })

  it('never makes a comment wait for the receiver', async () => {
    const { receiver, api } = await start(['hang'], { timeoutMs: 10_000 })
    const first = await api('/api/docs/hooked/threads', 'POST', { body: 'first' })
    expect(first.status).toBe(201)
    await waitFor(() => receiver.requests.length === 1, { description: 'the receiver holds the first event' })
    // The receiver has not answered; the next comment is stored and answered all the same.
    const { thread } = (await first.json()) as { thread: Thread }
    const reply = await api(`/api/docs/hooked/threads/${thread.id}/comments`, 'POST', { body: 'second' })
    expect(reply.status).toBe(201)
    expect(receiver.accepted()).toHaveLength(0)
  })
})
