import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PendingWrites } from '../../client/comments/pending-writes.js'
import { ThreadHttpClient } from '../../client/comments/thread-http-client.js'
import { ThreadStore } from '../../client/comments/thread-store.js'
import { ThreadRequestError } from '../../client/comments/threads-api.js'
import type { Thread } from '../../shared/comments.js'
import { startFakeThreadApi, type FakeThreadApi } from '../helpers/fake-thread-api.js'
import { waitFor } from '../helpers/wait-for.js'

/** localStorage as a page has it, for the queue of unsent comments. */
class MapStorage {
  readonly values = new Map<string, string>()
  getItem(key: string): string | null {
    return this.values.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    this.values.set(key, value)
  }
  removeItem(key: string): void {
    this.values.delete(key)
  }
}

const ANCHOR = { start: 'AQID', end: 'BAUG' }

describe('ThreadHttpClient (comments over REST, never lost, never twice)', () => {
  let api: FakeThreadApi
  let storage: MapStorage
  const clients: ThreadHttpClient[] = []

  function client(options: { token?: string; name?: string } = {}) {
    const store = new ThreadStore()
    const created = new ThreadHttpClient({
      httpBase: api.url,
      docId: 'doc-1',
      store,
      getToken: () => options.token,
      getAuthorName: () => options.name ?? null,
      pending: new PendingWrites('tandem:comments-pending:test/doc-1', storage),
    })
    clients.push(created)
    return { client: created, store }
  }

  beforeEach(async () => {
    api = await startFakeThreadApi()
    storage = new MapStorage()
  })

  afterEach(async () => {
    for (const created of clients.splice(0)) created.destroy()
    await api.close()
  })

  it('starts a thread with its id, quote, anchor, token and author, and shows it before any push', async () => {
    const { client: threads, store } = client({ token: 'secret-token', name: 'Zoë Ådler' })
    const thread = await threads.startThread({ body: 'Is this right?', quote: 'the number', anchor: ANCHOR })
    expect(thread.comments[0]?.body).toBe('Is this right?')
    expect(store.get(thread.id)).toEqual(thread)
    const [request] = api.requests
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/api/docs/doc-1/threads')
    expect(request?.body).toEqual({ id: thread.id, body: 'Is this right?', quote: 'the number', anchor: ANCHOR })
    expect(thread.id).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
    expect(request?.headers.authorization).toBe('Bearer secret-token')
    expect(request?.headers['x-tandem-author-id']).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
    expect(thread.comments[0]?.author.name).toBe('Zoë Ådler') // sent percent-encoded, any script survives
    expect(threads.pending.getAll()).toEqual([])
  })

  it('starts a thread on a suggestion with its suggestionId, kept across a reload while the server is away', async () => {
    const { client: threads } = client()
    const linked = await threads.startThread({ body: 'Why remove this?', suggestionId: 'ann:k3x9' })
    expect(api.requests[0]?.body).toMatchObject({ id: linked.id, body: 'Why remove this?', suggestionId: 'ann:k3x9' })
    expect(linked.suggestionId).toBe('ann:k3x9')
    // An ordinary thread sends none, so a server from before suggestion threads takes it as before.
    await threads.startThread({ body: 'plain' })
    expect(api.requests[1]?.body).not.toHaveProperty('suggestionId')

    api.mode = 'unavailable'
    void threads.startThread({ body: 'offline question', suggestionId: 'bob:7' })
    await waitFor(() => threads.pending.getAll().length === 1 && !threads.isSending)
    threads.destroy() // the tab closes
    api.mode = 'up'
    const after = client() // the page loads again, same storage
    expect(after.client.pending.getAll()[0]).toMatchObject({ body: 'offline question', suggestionId: 'bob:7' })
    after.client.resume()
    await waitFor(() => after.client.pending.getAll().length === 0)
    expect([...api.threads.values()].map((thread) => thread.suggestionId ?? null)).toEqual(['ann:k3x9', null, 'bob:7'])
  })

  it('replies, resolves, edits and deletes, each answer applied to the store at once', async () => {
    const { client: threads, store } = client()
    const thread = await threads.startThread({ body: 'first' })
    const replied = await threads.reply(thread.id, 'second')
    expect(store.get(thread.id)?.comments.map((c) => c.body)).toEqual(['first', 'second'])
    await threads.setStatus(thread.id, 'resolved')
    expect(store.get(thread.id)?.status).toBe('resolved')
    const second = replied.comments[1]?.id ?? ''
    await threads.editComment(thread.id, second, 'second, edited')
    expect(store.get(thread.id)?.comments[1]?.body).toBe('second, edited')
    await threads.deleteComment(thread.id, second)
    expect(store.get(thread.id)?.comments).toHaveLength(1)
    await threads.deleteThread(thread.id)
    expect(store.get(thread.id)).toBeUndefined()
  })

  it('deleting the last comment deletes the thread with it (the server answers thread: null)', async () => {
    const { client: threads, store } = client()
    const thread = await threads.startThread({ body: 'only comment' })
    expect(await threads.deleteComment(thread.id, thread.comments[0]?.id ?? '')).toBeNull()
    expect(store.get(thread.id)).toBeUndefined()
  })

  it("rejects a refusal with the server's sentence, status and code, and does not keep or retry it", async () => {
    const { client: threads } = client()
    api.refusal = { status: 403, error: 'forbidden', message: 'This link can view the document but not comment.' }
    const error = await threads.startThread({ body: 'hello' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ThreadRequestError)
    expect(error).toMatchObject({
      message: 'This link can view the document but not comment.',
      status: 403,
      code: 'forbidden',
    })
    expect(threads.pending.getAll()).toEqual([])
    expect(storage.values.size).toBe(0)
    api.refusal = null
    threads.resume()
    await new Promise((resolve) => setImmediate(resolve))
    expect(api.requests).toHaveLength(1)
  })

  it('keeps a comment the server cannot take (503), persisted, and sends it once on resume', async () => {
    const { client: threads, store } = client()
    api.mode = 'unavailable'
    let settled: Thread | null = null
    const result = threads.startThread({ body: 'typed while the server restarts' }).then((thread) => (settled = thread))
    await waitFor(() => api.requests.length >= 1) // a backoff retry may have followed already
    await waitFor(() => threads.pending.getAll().length === 1 && !threads.isSending)
    expect(settled).toBeNull()
    expect(threads.pending.getAll()[0]).toMatchObject({ kind: 'thread', body: 'typed while the server restarts' })
    expect(storage.values.size).toBe(1)
    api.mode = 'up'
    threads.resume()
    const thread = await result
    expect(store.get(thread.id)).toBeDefined()
    expect(api.threads.size).toBe(1)
    expect(threads.pending.getAll()).toEqual([])
    expect(storage.values.size).toBe(0)
  })

  it('re-sends with the same id when the answer was lost, so the server stores it once', async () => {
    const { client: threads } = client()
    api.mode = 'drop-answer' // stored, then the connection dies before the answer
    const result = threads.startThread({ body: 'only once' })
    await waitFor(() => api.threads.size === 1)
    await waitFor(() => !threads.isSending)
    api.mode = 'up'
    threads.resume()
    const thread = await result
    expect(api.threads.size).toBe(1)
    const posts = api.requests.filter((request) => request.method === 'POST')
    expect(posts.length).toBeGreaterThanOrEqual(2) // the lost one, then the re-send (a backoff retry may add more)
    for (const post of posts) expect(post.body?.id).toBe(thread.id)
  })

  it('keeps unsent comments across a reload and sends them in writing order', async () => {
    const before = client()
    const thread = await before.client.startThread({ body: 'opening' })
    api.mode = 'unavailable'
    void before.client.reply(thread.id, 'reply one')
    void before.client.reply(thread.id, 'reply two')
    await waitFor(() => before.client.pending.getAll().length === 2 && !before.client.isSending)
    before.client.destroy() // the tab closes

    api.mode = 'up'
    const after = client() // the page loads again, same storage
    expect(after.client.pending.getAll().map((write) => write.body)).toEqual(['reply one', 'reply two'])
    after.client.resume()
    await waitFor(() => after.client.pending.getAll().length === 0)
    expect(api.threads.get(thread.id)?.comments.map((c) => c.body)).toEqual(['opening', 'reply one', 'reply two'])
    expect(after.store.get(thread.id)?.comments).toHaveLength(3)
  })

  it('keeps a comment refused after a reload, with the reason and its text, until dismissed; never re-sent', async () => {
    const before = client()
    api.mode = 'unavailable'
    void before.client.startThread({ body: 'typed offline', quote: 'the quote' })
    await waitFor(() => before.client.pending.getAll().length === 1 && !before.client.isSending)
    before.client.destroy() // the tab closes; meanwhile the link becomes view-only

    api.mode = 'up'
    api.refusal = { status: 403, error: 'forbidden', message: 'This link can view the document but not comment.' }
    const after = client()
    after.client.resume()
    await waitFor(() => after.client.pending.getAll()[0]?.refusal !== undefined)
    expect(after.client.pending.getAll()).toEqual([
      expect.objectContaining({
        body: 'typed offline',
        quote: 'the quote',
        refusal: 'This link can view the document but not comment.',
      }),
    ])
    expect(storage.values.size).toBe(1) // kept across another reload too
    const posts = api.requests.filter((request) => request.method === 'POST').length
    after.client.resume()
    await new Promise((resolve) => setImmediate(resolve))
    expect(api.requests.filter((request) => request.method === 'POST')).toHaveLength(posts)

    after.client.dismiss(after.client.pending.getAll()[0]!.id)
    expect(after.client.pending.getAll()).toEqual([])
    expect(storage.values.size).toBe(0)
  })

  it('keeps the unsent comments of two tabs of one document in storage, and each reaches the server once', async () => {
    api.mode = 'unavailable'
    const tabA = client()
    const tabB = client() // same storage key: same server, same document
    void tabA.client.startThread({ body: 'from tab A' })
    void tabB.client.startThread({ body: 'from tab B' })
    await waitFor(() => !tabA.client.isSending && !tabB.client.isSending && api.requests.length >= 2)
    tabA.client.destroy() // tab A closes while offline: its comment must still be in storage
    const stored = JSON.parse(storage.values.get('tandem:comments-pending:test/doc-1') ?? '[]') as { body: string }[]
    expect(stored.map((write) => write.body).sort()).toEqual(['from tab A', 'from tab B'])

    api.mode = 'up'
    const reloaded = client()
    reloaded.client.resume()
    tabB.client.resume()
    await waitFor(() => reloaded.client.pending.getAll().length === 0 && tabB.client.pending.getAll().length === 0)
    expect([...api.threads.values()].map((thread) => thread.comments[0]?.body).sort()).toEqual([
      'from tab A',
      'from tab B',
    ])
    expect(storage.values.size).toBe(0)
  })

  it('reports a status change that cannot reach the server as an error to show, not a silent loss', async () => {
    const { client: threads } = client()
    const thread = await threads.startThread({ body: 'x' })
    api.mode = 'unavailable'
    const error = await threads.setStatus(thread.id, 'resolved').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ThreadRequestError)
    expect(error).toMatchObject({ status: 503, message: 'The server is restarting.' })
  })
})
