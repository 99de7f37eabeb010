import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { PendingWrites } from '../../client/comments/pending-writes.js'
import { ThreadHttpClient } from '../../client/comments/thread-http-client.js'
import { ThreadStore } from '../../client/comments/thread-store.js'
import type { SyncStatus } from '../../client/provider/sync-status.js'
import type { Thread } from '../../shared/comments.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { createTestDatabase, type TestDatabase } from '../cluster/helpers/postgres-database.js'
import { TestRedis } from '../cluster/helpers/redis-server.js'
import { startTcpProxy, type TcpProxy } from '../cluster/helpers/tcp-proxy.js'
import { errorLogs, startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * Comments over the whole stack, nothing stood in: the web app's own provider and REST client, the
 * comment service and its PostgreSQL store, the live feed, and Redis between two instances. (The
 * feed's delivery rules are tested on their own in thread-feed.test.ts, the REST contract in
 * threads-api.test.ts; here they must work together.)
 */

/** The promise: a comment appears in every open browser of the document within a second. */
const LIVE_MS = 1_000
const TRANSPORTS = [TransportKind.WebSocket, TransportKind.ServerSentEvents, TransportKind.LongPoll] as const

// The provider's WebSocket rung uses the global WebSocket, as in a browser.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

/** The part of TandemProvider these tests use. */
interface CommentingProvider {
  readonly threads: ThreadStore | null
  readonly isDestroyed: boolean
  getStatus(): SyncStatus
  destroy(): void
}
interface CommentingProviderOptions {
  docId: string
  serverUrl: string
  transport: TransportKind
  offline: false
  crossTab: false
  presence: 'off'
  threads: true
}
// Imported by path at run time: the test tsconfig has no DOM types, and the provider's modules need them.
const PROVIDER_MODULE = '../../client/provider/tandem-provider.js'
const THREAD_CLIENT_MODULE = '../../client/comments/provider-thread-client.js'
let TandemProvider: new (options: CommentingProviderOptions) => CommentingProvider
let threadClientFor: (provider: CommentingProvider) => ThreadHttpClient | null
beforeAll(async () => {
  ;({ TandemProvider } = (await import(PROVIDER_MODULE)) as { TandemProvider: typeof TandemProvider })
  ;({ threadClientFor } = (await import(THREAD_CLIENT_MODULE)) as { threadClientFor: typeof threadClientFor })
})

/** A reader of one document: the provider a page opens with comments on, and its threads. */
interface Reader {
  kind: TransportKind
  provider: CommentingProvider
  store: ThreadStore
}

const bodiesOf = (thread: Thread | undefined) => thread?.comments.map((comment) => comment.body) ?? []

describe('comments live across two instances sharing PostgreSQL and Redis', () => {
  let redis: TestRedis
  let database: TestDatabase
  let a: RunningServer
  let b: RunningServer
  /** In front of instance B: the readers on B go through it, so a test can cut them off. */
  let proxyB: TcpProxy
  const readers: Reader[] = []

  beforeAll(async () => {
    ;[redis, database] = await Promise.all([TestRedis.start(), createTestDatabase()])
    // `store: undefined` overrides the helper's memory store, so each instance opens DATABASE_URL.
    const options = { databaseUrl: database.url, redisUrl: redis.url, store: undefined }
    a = await startServer(options)
    b = await startServer(options)
    proxyB = await startTcpProxy(b.port)
  }, 60_000)
  afterEach(() => {
    for (const reader of readers.splice(0)) reader.provider.destroy()
    proxyB.restore()
  })
  afterAll(async () => {
    await proxyB?.close()
    await Promise.all([a?.close(), b?.close()])
    await Promise.all([redis?.stop(), database?.drop()])
    for (const instance of [a, b]) if (instance) expect(errorLogs(instance.logs)).toEqual([])
  })

  function openReader(serverUrl: string, docId: string, kind: TransportKind): Reader {
    const provider = new TandemProvider({
      docId,
      serverUrl,
      transport: kind,
      offline: false,
      crossTab: false,
      presence: 'off',
      threads: true,
    })
    const reader = { kind, provider, store: provider.threads! }
    readers.push(reader)
    return reader
  }

  /** One reader on B per transport, each with its first list of threads. */
  async function readersOnB(docId: string): Promise<Reader[]> {
    const opened = TRANSPORTS.map((kind) => openReader(`http://127.0.0.1:${proxyB.port}`, docId, kind))
    await waitFor(() => opened.every((reader) => reader.store.isLoaded), { description: 'every reader on B loaded' })
    return opened
  }

  async function createDocument(docId: string): Promise<void> {
    const created = await fetch(`${a.httpUrl}/api/docs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: docId, markdown: 'Revenue grew 14% this quarter.' }),
    })
    expect(created.status).toBe(201)
  }

  /** A write over REST, as scripts and integrations make them, by an author the browser would name. */
  async function rest(server: RunningServer, path: string, method: string, body: unknown): Promise<Thread> {
    const response = await fetch(`${server.httpUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-tandem-author-id': 'script-0001',
        'x-tandem-author-name': 'CI',
      },
      body: JSON.stringify(body),
    })
    expect(response.status, `${method} ${path}`).toBeLessThan(300)
    return ((await response.json()) as { thread: Thread }).thread
  }

  it('a comment written in a page on A reaches readers on B within a second over WebSocket, SSE + POST and long-poll + POST; so do a REST reply on B and a resolve', async () => {
    const docId = 'live-everywhere'
    await createDocument(docId)
    const onB = await readersOnB(docId)
    const writer = openReader(a.httpUrl, docId, TransportKind.WebSocket)
    await waitFor(() => writer.store.isLoaded, { description: 'the writer on A loaded' })
    const client = threadClientFor(writer.provider)!

    const thread = await client.startThread({ body: 'Is 14% right?', quote: '14%' })
    await waitFor(() => onB.every((reader) => bodiesOf(reader.store.get(thread.id))[0] === 'Is 14% right?'), {
      timeoutMs: LIVE_MS,
      description: 'the new thread at every reader on B',
    })

    await rest(b, `/api/docs/${docId}/threads/${thread.id}/comments`, 'POST', { body: 'Checked: 14%.' })
    await waitFor(
      () => [writer, ...onB].every((reader) => bodiesOf(reader.store.get(thread.id)).includes('Checked: 14%.')),
      { timeoutMs: LIVE_MS, description: 'the REST reply on B at every reader, and back on A' },
    )

    await client.setStatus(thread.id, 'resolved')
    await waitFor(() => onB.every((reader) => reader.store.get(thread.id)?.status === 'resolved'), {
      timeoutMs: LIVE_MS,
      description: 'the resolve at every reader on B',
    })
  })

  it('catches up readers cut off from B, on every transport, and sends what one of them typed meanwhile, once', async () => {
    const docId = 'cut-and-back'
    await createDocument(docId)
    const first = await rest(a, `/api/docs/${docId}/threads`, 'POST', { body: 'Before the cut', quote: 'Revenue' })
    const onB = await readersOnB(docId)
    await waitFor(() => onB.every((reader) => reader.store.get(first.id)), { description: 'the first thread on B' })
    const typist = onB[0]!
    const kept = threadClientFor(typist.provider)!

    // Every connection through the proxy dies now. The WebSocket page reports it; the HTTP channels
    // retry within themselves (a brief cut never shows), and resume their stream or start a new one.
    proxyB.cut()
    await waitFor(() => ['connecting', 'offline'].includes(typist.provider.getStatus().state), {
      description: 'the WebSocket page on B saw the cut',
    })
    // Written on A while B's readers are away: a new thread, a reply and a resolve.
    const during = await rest(a, `/api/docs/${docId}/threads`, 'POST', { body: 'During the cut', quote: 'quarter' })
    await rest(a, `/api/docs/${docId}/threads/${first.id}/comments`, 'POST', { body: 'A reply during the cut' })
    await rest(a, `/api/docs/${docId}/threads/${first.id}`, 'PATCH', { status: 'resolved' })
    // And a reply typed on B's side, which cannot reach the server: kept, not lost.
    const typed = kept.reply(first.id, 'Typed while cut off')
    await waitFor(() => kept.pending.getAll().length === 1 && !kept.isSending, { description: 'the reply kept' })
    expect(onB.some((reader) => reader.store.get(during.id))).toBe(false)

    proxyB.restore()
    const caughtUp = (reader: Reader) => {
      const resumed = reader.store.get(first.id)
      return (
        bodiesOf(reader.store.get(during.id))[0] === 'During the cut' &&
        resumed?.status === 'resolved' &&
        bodiesOf(resumed).includes('A reply during the cut') &&
        bodiesOf(resumed).includes('Typed while cut off')
      )
    }
    await waitFor(() => onB.every(caughtUp), { timeoutMs: 20_000, description: 'every reader on B caught up' })
    const sent = await typed
    expect(kept.pending.getAll()).toEqual([])

    const listed = (await (await fetch(`${a.httpUrl}/api/docs/${docId}/threads`)).json()) as { threads: Thread[] }
    const stored = listed.threads.find((thread) => thread.id === first.id)
    expect(bodiesOf(stored).filter((body) => body === 'Typed while cut off')).toHaveLength(1)
    expect(stored?.comments.map((comment) => comment.id)).toContain(sent.comments.at(-1)!.id)
  })
})

describe('a comment whose answer was lost, against the real server', () => {
  let running: RunningServer
  afterEach(async () => {
    await running?.close()
  })

  it('is sent again with the id it was written with, and stored once', async () => {
    running = await startServer()
    const docId = 'lost-answer'
    const created = await fetch(`${running.httpUrl}/api/docs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: docId, markdown: 'Said once.' }),
    })
    expect(created.status).toBe(201)

    // The server takes the first POST and answers; the answer never reaches the page.
    const postedIds: unknown[] = []
    let lost = 0
    const losingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (init?.method !== 'POST') return response
      postedIds.push((JSON.parse(String(init.body)) as { id?: unknown }).id)
      if (lost > 0) return response
      lost += 1
      await response.arrayBuffer()
      throw new TypeError('fetch failed: the connection dropped before the answer')
    }
    const client = new ThreadHttpClient({
      httpBase: running.httpUrl,
      docId,
      store: new ThreadStore(),
      pending: new PendingWrites(null),
      fetch: losingFetch,
      getAuthorName: () => 'Ann',
    })
    try {
      const posted = client.startThread({ body: 'Only once, please', quote: 'once' })
      await waitFor(() => lost === 1 && !client.isSending, { description: 'the first answer lost' })
      expect(client.pending.getAll()).toHaveLength(1)
      client.resume() // the page is back in touch with the server
      const thread = await posted

      expect(postedIds.length).toBeGreaterThanOrEqual(2)
      expect(new Set(postedIds)).toEqual(new Set([thread.id]))
      const listed = (await (await fetch(`${running.httpUrl}/api/docs/${docId}/threads`)).json()) as {
        threads: Thread[]
      }
      expect(listed.threads.map((stored) => [stored.id, bodiesOf(stored)])).toEqual([
        [thread.id, ['Only once, please']],
      ])
    } finally {
      client.destroy()
    }
  })
})
