import WebSocket from 'ws'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { SseEvent } from '../../client/transport/sse-parser.js'
import { createFallbackTransport } from '../../client/transport/fallback-transport.js'
import type { WebSocketLikeClass } from '../../client/transport/websocket-rung.js'
import type { TransportKind } from '../../shared/protocol/transport-kind.js'
import { decodeSseFrames, encodeFrames } from '../../shared/protocol/http-framing.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import { mintToken } from '../../server/auth/tokens.js'
import type { LiveThreadFeed } from '../../server/comments/live-thread-feed.js'
import { createRedisPubSub } from '../../server/pubsub/redis-pubsub.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { TestRedis } from '../cluster/helpers/redis-server.js'
import { rawClient, stockProvider, synced, updateFrame, type RawClient } from '../helpers/clients.js'
import { openStream } from '../helpers/sse-stream.js'
import { errorLogs, startServer, type RunningServer } from '../helpers/test-server.js'
import { holdsComment, listenForThreads, sampleThread, ThreadBook, threadEventsIn } from '../helpers/thread-clients.js'
import { waitFor } from '../helpers/wait-for.js'
import { MemoryStorage } from '../nginx/fallback-clients.js'

/** The promise: a comment appears in every open browser within a second. */
const LIVE_MS = 1_000

function framesOf(events: SseEvent[]): Uint8Array[] {
  return events.filter((e) => e.event === 'frames').flatMap((e) => decodeSseFrames(e.data)!)
}

/** Stock y-websocket driving Tandem's fallback socket over one forced transport, asking for threads. */
function fallbackThreadsClient(httpUrl: string, docId: string, kind: TransportKind) {
  const doc = new Y.Doc()
  const transport = createFallbackTransport({
    ladder: [kind],
    WebSocket: WebSocket as unknown as WebSocketLikeClass,
    storage: new MemoryStorage(),
  })
  const provider = new WebsocketProvider(`${httpUrl.replace(/^http/, 'ws')}/collab`, docId, doc, {
    WebSocketPolyfill: transport.socketClass(() => undefined) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { acks: '1', threads: '1' },
  })
  return { doc, provider, events: listenForThreads(provider), destroy: () => provider.destroy() }
}

/** A stock y-websocket provider that asks for threads and handles type 102, as Tandem's provider does. */
function threadedProvider(wsUrl: string, docId: string) {
  const client = stockProvider(wsUrl, docId, { params: { threads: '1' } })
  return { ...client, events: listenForThreads(client.provider) }
}

describe('live comment threads on one instance', () => {
  let running: RunningServer
  let book: ThreadBook
  const cleanups: (() => void)[] = []

  beforeEach(async () => {
    book = new ThreadBook()
    running = await startServer({ threads: { loadThreads: book.loadThreads } })
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    vi.restoreAllMocks()
    await running.close()
    expect(errorLogs(running.logs)).toEqual([])
  })

  const feed = () => running.server.threadFeed as LiveThreadFeed
  const raw = async (docId: string, query = '?threads=1'): Promise<RawClient> => {
    const client = await rawClient(`${running.wsUrl}/${docId}${query}`)
    cleanups.push(() => client.ws.terminate())
    return client
  }

  it('sends a WebSocket client with ?threads=1 the snapshot after its sync frames, then a new comment within a second', async () => {
    book.upsert(running.server, 'ws-live', sampleThread('already there'))
    const client = await raw('ws-live')
    await waitFor(() => threadEventsIn(client.frames).length === 1, { description: 'snapshot' })
    const firstThreads = client.frames.findIndex((f) => f[0] === MessageType.Threads)
    const firstSync = client.frames.findIndex((f) => f[0] === MessageType.Sync)
    expect(firstSync).toBeGreaterThanOrEqual(0)
    expect(firstThreads).toBeGreaterThan(firstSync)
    expect(threadEventsIn(client.frames)[0]!.kind).toBe('snapshot')
    expect(holdsComment(threadEventsIn(client.frames), 'already there')).toBe(true)

    book.upsert(running.server, 'ws-live', sampleThread('posted just now'))
    await waitFor(() => holdsComment(threadEventsIn(client.frames), 'posted just now'), {
      timeoutMs: LIVE_MS,
      description: 'the new comment, live',
    })
  })

  it('never sends a Threads frame to a stock y-websocket client or to one that did not ask', async () => {
    const consoleErrors = vi.spyOn(console, 'error')
    const stock = stockProvider(running.wsUrl, 'stock')
    const writer = stockProvider(running.wsUrl, 'stock')
    cleanups.push(stock.destroy, writer.destroy)
    await Promise.all([synced(stock.provider), synced(writer.provider)])
    const plain = await raw('stock', '')
    const threaded = await raw('stock')
    await waitFor(() => threadEventsIn(threaded.frames).length === 1)

    book.upsert(running.server, 'stock', sampleThread('not for stock clients'))
    await waitFor(() => threadEventsIn(threaded.frames).length === 2, { description: 'the asking client got it' })
    // Barrier: an edit made after the comment reaches the others, on the same sockets, after it would have.
    writer.text.insert(0, 'after the comment')
    await waitFor(() => stock.text.toString() === 'after the comment', { description: 'stock client sees the edit' })
    await waitFor(() => plain.frames.some((f) => f[0] === MessageType.Sync && f[1] === 2), {
      description: 'plain client sees the edit',
    })
    expect(threadEventsIn(plain.frames)).toEqual([])
    expect(consoleErrors).not.toHaveBeenCalled()
  })

  for (const kind of ['sse', 'long-poll'] as const) {
    it(`delivers the snapshot and a new comment within a second over ${kind} + POST`, async () => {
      book.upsert(running.server, `over-${kind}`, sampleThread(`older, over ${kind}`))
      const client = fallbackThreadsClient(running.httpUrl, `over-${kind}`, kind)
      cleanups.push(client.destroy)
      await synced(client.provider)
      expect((client.provider.ws as unknown as { transport: string }).transport).toBe(kind)
      await waitFor(() => holdsComment(client.events, `older, over ${kind}`), { description: 'snapshot' })
      // The uplink works alongside: the client's edit goes up by POST and is stored.
      client.doc.getText('t').insert(0, 'typed')
      await waitFor(async () => (await running.server.store.load(`over-${kind}` as never)).entries.length > 0)

      book.upsert(running.server, `over-${kind}`, sampleThread(`new, over ${kind}`))
      await waitFor(() => holdsComment(client.events, `new, over ${kind}`), {
        timeoutMs: LIVE_MS,
        description: `the new comment over ${kind}`,
      })
      expect(client.events[0]!.kind).toBe('snapshot')
    })
  }

  it('gives threads to an HTTP session a POST opened once its stream asks, and none to a stream that does not', async () => {
    const url = (sid: string, path: string, query = '') =>
      `${running.httpUrl}/collab/posted-first/${path}?sid=${sid}${query}`
    const sid = 'posted-first-session-01'
    const opened = await fetch(url(sid, 'messages'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: encodeFrames([updateFrame(Y.encodeStateVector(new Y.Doc()), 0)]),
    })
    expect(opened.status).toBe(200)
    const asking = await openStream(url(sid, 'events', '&threads=1'))
    const silent = await openStream(url('silent-stream-session-1', 'events'))
    cleanups.push(asking.close, silent.close)
    await waitFor(() => threadEventsIn(framesOf(asking.events)).length === 1, { description: 'snapshot' })
    await waitFor(() => framesOf(silent.events).length > 0)

    book.upsert(running.server, 'posted-first', sampleThread('to the asking stream'))
    await waitFor(() => holdsComment(threadEventsIn(framesOf(asking.events)), 'to the asking stream'), {
      timeoutMs: LIVE_MS,
    })
    const writer = stockProvider(running.wsUrl, 'posted-first')
    cleanups.push(writer.destroy)
    await synced(writer.provider)
    writer.text.insert(0, 'barrier')
    await waitFor(() => framesOf(silent.events).some((f) => f[0] === MessageType.Sync && f[1] === 2))
    expect(threadEventsIn(framesOf(silent.events))).toEqual([])
  })

  it('catches up a client that reconnects: the snapshot holds what was published while it was gone', async () => {
    const client = threadedProvider(running.wsUrl, 'catch-up')
    cleanups.push(client.destroy)
    await synced(client.provider)
    await waitFor(() => client.events.length === 1, { description: 'first snapshot' })
    client.provider.disconnect()
    await waitFor(() => feed().subscriberCount === 0, { description: 'server saw the client go' })

    book.upsert(running.server, 'catch-up', sampleThread('posted while away'))
    expect(holdsComment(client.events, 'posted while away')).toBe(false)
    client.provider.connect()
    await waitFor(() => holdsComment(client.events, 'posted while away'), { description: 'caught up' })
    expect(client.events.at(-1)!.kind).toBe('snapshot')
  })

  it('replays a comment to an SSE stream that resumes after a cut, without a new snapshot', async () => {
    const url = (query: string) =>
      `${running.httpUrl}/collab/sse-cut/events?sid=sse-cut-session-000001&threads=1${query}`
    const first = await openStream(url(''))
    await waitFor(() => threadEventsIn(framesOf(first.events)).length === 1, { description: 'snapshot' })
    const lastId = first.events.filter((e) => e.event === 'frames').at(-1)!.id!
    first.close()
    await first.reading

    book.upsert(running.server, 'sse-cut', sampleThread('posted during the cut'))
    const resumed = await openStream(url(`&lastEventId=${encodeURIComponent(lastId)}`))
    cleanups.push(resumed.close)
    await waitFor(() => holdsComment(threadEventsIn(framesOf(resumed.events)), 'posted during the cut'), {
      description: 'the missed comment, replayed',
    })
    const hello = JSON.parse(resumed.events.find((e) => e.event === 'hello')!.data) as { resumed: boolean }
    expect(hello.resumed).toBe(true)
    expect(threadEventsIn(framesOf(resumed.events)).map((e) => e.kind)).toEqual(['upsert'])
  })
})

describe('live comment threads with AUTH_SECRET', () => {
  it('delivers threads to a view token too: every role that reads the document reads its threads', async () => {
    const secret = 'thread-feed-secret-long-enough-for-hs256'
    const book = new ThreadBook()
    const running = await startServer({ authSecret: secret, threads: { loadThreads: book.loadThreads } })
    try {
      book.upsert(running.server, 'viewed', sampleThread('seen by a viewer'))
      const token = await mintToken({ secret, doc: 'viewed', role: 'view' })
      const client = await rawClient(`${running.wsUrl}/viewed?threads=1&token=${encodeURIComponent(token)}`)
      await waitFor(() => holdsComment(threadEventsIn(client.frames), 'seen by a viewer'), { description: 'snapshot' })
      book.upsert(running.server, 'viewed', sampleThread('and the next one'))
      await waitFor(() => holdsComment(threadEventsIn(client.frames), 'and the next one'), { timeoutMs: LIVE_MS })
      client.ws.terminate()
    } finally {
      await running.close()
    }
  })
})

describe('live comment threads across two instances sharing Redis', () => {
  let redis: TestRedis
  let servers: RunningServer[]
  let book: ThreadBook
  const cleanups: (() => void)[] = []

  beforeAll(async () => {
    redis = await TestRedis.start()
  })
  afterAll(async () => {
    await redis.stop()
  })
  beforeEach(async () => {
    book = new ThreadBook()
    const store = new MemoryDocStore()
    servers = await Promise.all(
      [0, 1].map(async () =>
        startServer({
          store,
          pubsub: await createRedisPubSub({ url: redis.url }),
          threads: { loadThreads: book.loadThreads },
        }),
      ),
    )
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    await Promise.all(servers.map((s) => s.close()))
    for (const server of servers) expect(errorLogs(server.logs)).toEqual([])
  })

  it('delivers a comment published on A to a client on B within a second, once, and A does not get it back', async () => {
    const [a, b] = servers as [RunningServer, RunningServer]
    const onA = threadedProvider(a.wsUrl, 'cluster')
    const onB = threadedProvider(b.wsUrl, 'cluster')
    cleanups.push(onA.destroy, onB.destroy)
    await Promise.all([synced(onA.provider), synced(onB.provider)])
    await waitFor(() => onA.events.length === 1 && onB.events.length === 1, { description: 'snapshots' })

    book.upsert(a.server, 'cluster', sampleThread('from instance A', 'first'))
    await waitFor(() => holdsComment(onB.events, 'from instance A'), {
      timeoutMs: LIVE_MS,
      description: 'B’s client has A’s comment',
    })
    // Barrier: a later event from B reaches both; an echo or a re-publish of the first would be in by then.
    book.upsert(b.server, 'cluster', sampleThread('from instance B', 'second'))
    await waitFor(() => holdsComment(onA.events, 'from instance B') && holdsComment(onB.events, 'from instance B'))
    const upsertsOf = (events: typeof onA.events, id: string) =>
      events.filter((e) => e.kind === 'upsert' && e.thread.id === id).length
    expect(upsertsOf(onA.events, 'first')).toBe(1)
    expect(upsertsOf(onB.events, 'first')).toBe(1)
    expect(upsertsOf(onA.events, 'second')).toBe(1)
    expect(upsertsOf(onB.events, 'second')).toBe(1)
  })

  it('catches up a client that moves to the other instance after a cut', async () => {
    const [a, b] = servers as [RunningServer, RunningServer]
    const first = threadedProvider(a.wsUrl, 'moved')
    cleanups.push(first.destroy)
    await synced(first.provider)
    await waitFor(() => first.events.length === 1)
    first.destroy()
    book.upsert(a.server, 'moved', sampleThread('while it moved'))
    const again = threadedProvider(b.wsUrl, 'moved')
    cleanups.push(again.destroy)
    await waitFor(() => holdsComment(again.events, 'while it moved'), { description: 'snapshot on B' })
  })
})
