import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import { CloseCode } from '../../shared/protocol/close-codes.js'
import { createLogger } from '../../server/logger.js'
import { createMetrics } from '../../server/metrics.js'
import { LocalPubSub, MemoryPubSubHub } from '../../server/pubsub/local-pubsub.js'
import { PubSubMessageKind, type PubSub, type PubSubMessage } from '../../server/pubsub/pubsub.js'
import type { Seq } from '../../server/storage/doc-store.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import type { Connection } from '../../server/sync/connection.js'
import { RemoteOrigin } from '../../server/sync/origins.js'
import { RoomPersistence, type PersistedRoom } from '../../server/sync/room-persistence.js'

const DOC = 'persisted' as DocId

/** A room as persistence sees it: it records what is broadcast and who was closed. */
class FakeRoom implements PersistedRoom {
  readonly docId = DOC
  readonly log = createLogger('silent')
  readonly doc = new Y.Doc()
  readonly connectionCount = 2
  readonly frames: { frame: Uint8Array; except: unknown }[] = []
  closedWith: CloseCode | null = null
  isBroken = false
  async catchUp(): Promise<void> {}
  broadcast(frame: Uint8Array, except: unknown): number {
    this.frames.push({ frame, except })
    return 1
  }
  hasClient(_connection: Connection): boolean {
    return true
  }
  closeAll(code: CloseCode): void {
    this.closedWith = code
  }
}

class FailingStore extends MemoryDocStore {
  override async append(): Promise<Seq> {
    throw new Error('disk full')
  }
}

function open(options: { store?: MemoryDocStore; compactAfterRows?: number; pubsub?: PubSub } = {}) {
  const room = new FakeRoom()
  const calls = { compactions: 0, broken: 0 }
  const store = options.store ?? new MemoryDocStore()
  const persistence = new RoomPersistence<FakeRoom>(
    room,
    {
      store,
      pubsub: options.pubsub ?? new LocalPubSub(),
      metrics: createMetrics(),
      limits: { compactAfterRows: options.compactAfterRows ?? 1_000, compactAfterBytes: 1024 * 1024 },
      requestCompaction: () => void calls.compactions++,
      onBroken: () => void calls.broken++,
    },
    { entries: [], lastSeq: 0, tailBytes: 0 },
  )
  return { room, persistence, store, calls }
}

const update = (text: string) => {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

describe('RoomPersistence', () => {
  it('broadcasts and stores a turn as one frame and one row, updates from other instances broadcast only', async () => {
    const { room, persistence, store } = open()
    persistence.record(update('a'), 'alice')
    persistence.record(update('b'), RemoteOrigin)
    await persistence.flush()
    expect(room.frames).toHaveLength(1)
    expect(room.frames[0]!.except).toBeUndefined()
    const stored = await store.load(DOC)
    expect(stored.entries).toHaveLength(1)
    const replica = new Y.Doc()
    Y.applyUpdate(replica, stored.entries[0]!.update)
    expect(replica.getText('t').toString()).toBe('a')
    expect(persistence.logTail.rows).toBe(1)
  })

  it('announces each stored update to other instances, pending then committed, when there are any', async () => {
    const pubsub = new MemoryPubSubHub().connect()
    const published: PubSubMessage[] = []
    pubsub.publish = (_docId, message) => void published.push(message)
    const { persistence } = open({ pubsub })
    persistence.record(update('a'), 'alice')
    await persistence.flush()
    expect(published.map((message) => message.kind)).toEqual([PubSubMessageKind.Pending, PubSubMessageKind.Committed])
  })

  it('publishes nothing, and keeps no ledger, on a single instance', async () => {
    const pubsub = new LocalPubSub()
    let publishes = 0
    pubsub.publish = () => void publishes++
    const { persistence } = open({ pubsub })
    persistence.record(update('a'), 'alice')
    await persistence.flush()
    expect(publishes).toBe(0)
    expect((persistence as unknown as { remote: unknown }).remote).toBeNull()
  })

  it('asks for a compaction once per threshold crossing', async () => {
    const { persistence, calls } = open({ compactAfterRows: 2 })
    for (const text of ['a', 'b', 'c']) {
      persistence.record(update(text), 'alice')
      await persistence.flush()
    }
    expect(calls.compactions).toBe(1)
  })

  it('asks again at once when rows appended during a compaction pass the threshold again', async () => {
    const { persistence, calls } = open({ compactAfterRows: 2 })
    for (const text of ['a', 'b', 'c', 'd']) {
      persistence.record(update(text), 'alice')
      await persistence.flush()
    }
    expect(calls.compactions).toBe(1)
    persistence.compacted(2, 10)
    expect(persistence.logTail.rows).toBe(2)
    expect(calls.compactions).toBe(2)
  })

  it('waits for the next append after a compaction that merged nothing (no loop of failing ones)', async () => {
    const { persistence, calls } = open({ compactAfterRows: 2 })
    for (const text of ['a', 'b']) {
      persistence.record(update(text), 'alice')
      await persistence.flush()
    }
    persistence.compacted(0, 0)
    expect(calls.compactions).toBe(1)
    persistence.record(update('c'), 'alice')
    await persistence.flush()
    expect(calls.compactions).toBe(2)
  })

  it('closes the room once when a commit fails, and stores nothing after', async () => {
    const { room, persistence, calls } = open({ store: new FailingStore() })
    persistence.record(update('a'), 'alice')
    await persistence.flush()
    expect(room.closedWith).toBe(CloseCode.TryAgainLater)
    expect(calls.broken).toBe(1)
    expect(persistence.isClosed).toBe(true)
    persistence.record(update('b'), 'alice')
    await persistence.flush()
    expect(calls.broken).toBe(1)
  })
})
