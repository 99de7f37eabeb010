import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { Thread, ThreadEvent } from '../../shared/comments.js'
import type { DocId } from '../../shared/ids.js'
import { readThreadFrame, threadFrame } from '../../shared/protocol/thread-frame.js'
import { LiveThreadFeed, type LoadThreads } from '../../server/comments/live-thread-feed.js'
import { createLogger } from '../../server/logger.js'
import { LocalPubSub, MemoryPubSubHub } from '../../server/pubsub/local-pubsub.js'
import { PubSubMessageKind, type PubSub, type PubSubMessage } from '../../server/pubsub/pubsub.js'
import type { Connection } from '../../server/sync/connection.js'
import type { LogLine } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

const DOC = 'feed-doc' as DocId

function thread(id: string, body = 'is this right?'): Thread {
  return {
    id,
    status: 'open',
    quote: 'the text',
    anchor: null,
    comments: [
      {
        id: `${id}-c1`,
        body,
        author: { name: 'Ada', id: 'ada', isVerified: true },
        createdAt: '2026-01-01T00:00:00.000Z',
        editedAt: null,
      },
    ],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  }
}

class RecordingConnection implements Connection {
  static next = 0
  readonly id = `feed-${RecordingConnection.next++}`
  readonly transport = 'websocket' as const
  readonly wantsAcks = false
  readonly wantsThreads = true
  readonly frames: Uint8Array[] = []
  send(frame: Uint8Array): void {
    this.frames.push(frame)
  }
  close(): void {}
  /** The thread events received, in order. */
  get events(): ThreadEvent[] {
    return this.frames.map((frame) => readThreadFrame(frame)!)
  }
}

/** A promise with its resolve and reject at hand, for a snapshot read the test finishes. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function feedWith(loadThreads: LoadThreads, pubsub: PubSub = new LocalPubSub()) {
  const logs: LogLine[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine)
      callback()
    },
  })
  const feed = new LiveThreadFeed({ pubsub, loadThreads, log: createLogger('debug', sink), snapshotRetryBaseMs: 1 })
  return { feed, logs }
}

/** A store of threads in memory, as the comment store would answer `listThreads`. */
function memoryThreads(initial: Thread[] = []) {
  const threads = new Map(initial.map((t) => [t.id, t]))
  return { threads, load: async () => [...threads.values()] }
}

describe('LiveThreadFeed', () => {
  it('sends a subscriber the snapshot first, then every event published for its document', async () => {
    const store = memoryThreads([thread('t1')])
    const { feed } = feedWith(store.load)
    const alice = new RecordingConnection()
    feed.subscribe(DOC, alice)
    await waitFor(() => alice.frames.length === 1, { description: 'snapshot' })
    feed.publish(DOC, { kind: 'upsert', thread: thread('t2') })
    feed.publish(DOC, { kind: 'delete', threadId: 't1' })
    expect(alice.events).toEqual([
      { kind: 'snapshot', threads: [thread('t1')] },
      { kind: 'upsert', thread: thread('t2') },
      { kind: 'delete', threadId: 't1' },
    ])
  })

  it('delivers nothing to other documents, or to a connection that unsubscribed', async () => {
    const { feed } = feedWith(memoryThreads().load)
    const here = new RecordingConnection()
    const elsewhere = new RecordingConnection()
    const gone = new RecordingConnection()
    feed.subscribe(DOC, here)
    feed.subscribe('other-doc' as DocId, elsewhere)
    feed.subscribe(DOC, gone)
    await waitFor(() => here.frames.length === 1 && elsewhere.frames.length === 1 && gone.frames.length === 1)
    feed.unsubscribe(DOC, gone)
    feed.publish(DOC, { kind: 'upsert', thread: thread('t1') })
    expect(here.events.map((e) => e.kind)).toEqual(['snapshot', 'upsert'])
    expect(elsewhere.events.map((e) => e.kind)).toEqual(['snapshot'])
    expect(gone.events.map((e) => e.kind)).toEqual(['snapshot'])
    expect(feed.subscriberCount).toBe(2)
  })

  it('holds events published while the snapshot loads and sends them after it, in order', async () => {
    const read = deferred<Thread[]>()
    const { feed } = feedWith(() => read.promise)
    const alice = new RecordingConnection()
    feed.subscribe(DOC, alice)
    feed.publish(DOC, { kind: 'upsert', thread: thread('t1', 'first') })
    feed.publish(DOC, { kind: 'upsert', thread: thread('t1', 'second') })
    expect(alice.frames).toEqual([])
    // The read saw the first change only; the held events bring the client to the newest state.
    read.resolve([thread('t1', 'first')])
    await waitFor(() => alice.frames.length === 3)
    expect(alice.events).toEqual([
      { kind: 'snapshot', threads: [thread('t1', 'first')] },
      { kind: 'upsert', thread: thread('t1', 'first') },
      { kind: 'upsert', thread: thread('t1', 'second') },
    ])
  })

  it('sends no snapshot to a connection that left while it loaded', async () => {
    const read = deferred<Thread[]>()
    const { feed } = feedWith(() => read.promise)
    const alice = new RecordingConnection()
    feed.subscribe(DOC, alice)
    feed.unsubscribe(DOC, alice)
    read.resolve([thread('t1')])
    await read.promise
    await new Promise((resolve) => setImmediate(resolve))
    expect(alice.frames).toEqual([])
    expect(feed.subscriberCount).toBe(0)
  })

  it('retries a snapshot read that failed, logs it, and loses no event published meanwhile', async () => {
    let calls = 0
    const { feed, logs } = feedWith(async () => {
      calls++
      if (calls === 1) throw new Error('database unreachable')
      return [thread('t1')]
    })
    const alice = new RecordingConnection()
    feed.subscribe(DOC, alice)
    feed.publish(DOC, { kind: 'upsert', thread: thread('t2') })
    await waitFor(() => alice.frames.length === 2, { description: 'snapshot after the retry, then the held event' })
    expect(alice.events).toEqual([
      { kind: 'snapshot', threads: [thread('t1')] },
      { kind: 'upsert', thread: thread('t2') },
    ])
    expect(calls).toBe(2)
    expect(logs.some((l) => l.msg === 'thread snapshot could not be read; retrying' && l.level === 50)).toBe(true)
  })

  it('publishes one pub/sub message per event, however many connections receive it', async () => {
    const hub = new MemoryPubSubHub()
    const other = hub.connect()
    const received: PubSubMessage[] = []
    await other.subscribe(DOC, (message) => received.push(message))
    const { feed } = feedWith(memoryThreads().load, hub.connect())
    const clients = [new RecordingConnection(), new RecordingConnection(), new RecordingConnection()]
    for (const client of clients) feed.subscribe(DOC, client)
    await waitFor(() => clients.every((c) => c.frames.length === 1))
    const event: ThreadEvent = { kind: 'upsert', thread: thread('t1') }
    feed.publish(DOC, event)
    await waitFor(() => received.length === 1)
    for (const client of clients) expect(client.events.at(-1)).toEqual(event)
    // A later event is the barrier: had the first gone out once per connection, it would show by now.
    feed.publish(DOC, { kind: 'delete', threadId: 't1' })
    await waitFor(() => received.length >= 2)
    expect(received.length).toBe(2)
    expect(received[0]!.kind).toBe(PubSubMessageKind.Threads)
    expect(readThreadFrame(received[0]!.payload)).toEqual(event)
  })

  it('publishes to other instances even with no connection of the document here', async () => {
    const hub = new MemoryPubSubHub()
    const other = hub.connect()
    const received: PubSubMessage[] = []
    await other.subscribe(DOC, (message) => received.push(message))
    const { feed } = feedWith(memoryThreads().load, hub.connect())
    feed.publish(DOC, { kind: 'delete', threadId: 't1' })
    await waitFor(() => received.length === 1)
  })

  it("delivers another instance's event to its connections without publishing it again", async () => {
    const hub = new MemoryPubSubHub()
    const bus = hub.connect()
    const watcher = hub.connect()
    const republished: PubSubMessage[] = []
    await watcher.subscribe(DOC, (message) => republished.push(message))
    const { feed } = feedWith(memoryThreads().load, bus)
    const alice = new RecordingConnection()
    feed.subscribe(DOC, alice)
    await waitFor(() => alice.frames.length === 1)
    const event: ThreadEvent = { kind: 'upsert', thread: thread('remote') }
    feed.receiveRemote(DOC, { kind: PubSubMessageKind.Threads, payload: threadFrame(event) })
    expect(alice.events.at(-1)).toEqual(event)
    // Barrier: a message this instance does publish arrives; nothing came before it.
    feed.publish(DOC, { kind: 'delete', threadId: 'x' })
    await waitFor(() => republished.length >= 1)
    expect(republished.map((m) => readThreadFrame(m.payload)?.kind)).toEqual(['delete'])
  })

  it('rejects a malformed pub/sub payload with a warning and delivers nothing', async () => {
    const { feed, logs } = feedWith(memoryThreads().load)
    const alice = new RecordingConnection()
    feed.subscribe(DOC, alice)
    await waitFor(() => alice.frames.length === 1)
    feed.receiveRemote(DOC, { kind: PubSubMessageKind.Threads, payload: new Uint8Array([102, 3, 0x7b, 0x7d, 0x7d]) })
    expect(alice.frames.length).toBe(1)
    expect(logs.some((l) => l.msg === 'pub/sub thread event rejected')).toBe(true)
  })

  it('never throws into the publisher: a failing pub/sub is logged, local delivery still happens', async () => {
    class BrokenPubSub extends LocalPubSub {
      override publish(): void {
        throw new Error('bus exploded')
      }
    }
    const { feed, logs } = feedWith(memoryThreads().load, new BrokenPubSub())
    const alice = new RecordingConnection()
    feed.subscribe(DOC, alice)
    await waitFor(() => alice.frames.length === 1)
    expect(() => feed.publish(DOC, { kind: 'delete', threadId: 't1' })).not.toThrow()
    expect(alice.events.at(-1)).toEqual({ kind: 'delete', threadId: 't1' })
    expect(logs.some((l) => l.msg === 'thread event not delivered' && l.level === 50)).toBe(true)
  })

  it('drops an event for an invalid document id with a warning', () => {
    const { feed, logs } = feedWith(memoryThreads().load)
    expect(() => feed.publish('no spaces allowed', { kind: 'delete', threadId: 't1' })).not.toThrow()
    expect(logs.some((l) => l.msg === 'thread event for an invalid document id dropped')).toBe(true)
  })

  it('sends every subscriber a fresh snapshot after a pub/sub gap (events may have been missed)', async () => {
    const hub = new MemoryPubSubHub()
    const bus = hub.connect()
    const store = memoryThreads([thread('t1')])
    const { feed } = feedWith(store.load, bus)
    const alice = new RecordingConnection()
    feed.subscribe(DOC, alice)
    await waitFor(() => alice.frames.length === 1)
    bus.disconnect()
    store.threads.set('t2', thread('t2')) // another instance's change, its message lost in the gap
    bus.reconnect()
    await waitFor(() => alice.frames.length === 2, { description: 'second snapshot' })
    expect(alice.events[1]).toEqual({ kind: 'snapshot', threads: [thread('t1'), thread('t2')] })
  })

  it('reads the snapshot again when more events arrive during a read than it holds', async () => {
    const reads: ReturnType<typeof deferred<Thread[]>>[] = []
    const { feed } = feedWith(() => {
      const read = deferred<Thread[]>()
      reads.push(read)
      return read.promise
    })
    const alice = new RecordingConnection()
    feed.subscribe(DOC, alice)
    for (let i = 0; i < 1_001; i++) feed.publish(DOC, { kind: 'delete', threadId: `t${i}` })
    reads[0]!.resolve([])
    await waitFor(() => reads.length === 2, { description: 'a second read' })
    feed.publish(DOC, { kind: 'upsert', thread: thread('late') })
    reads[1]!.resolve([thread('t1')])
    await waitFor(() => alice.frames.length === 2)
    expect(alice.events).toEqual([
      { kind: 'snapshot', threads: [thread('t1')] },
      { kind: 'upsert', thread: thread('late') },
    ])
  })
})
