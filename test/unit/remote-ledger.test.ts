import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import { decodeCommitted, decodePending, encodeCommitted, encodePending } from '../../shared/protocol/pubsub-payload.js'
import { createLogger } from '../../server/logger.js'
import { MemoryPubSubHub } from '../../server/pubsub/local-pubsub.js'
import { PubSubMessageKind, type PubSub, type PubSubMessage } from '../../server/pubsub/pubsub.js'
import type { Seq } from '../../server/storage/doc-store.js'
import { RemoteOrigin } from '../../server/sync/origins.js'
import { REMOTE_CONFIRM_TIMEOUT_MS, RemoteLedger, type LedgerRoom } from '../../server/sync/remote-ledger.js'

const DOC = 'ledger' as DocId

/** A room as the ledger sees it: a document, a catch-up counter, a broken switch. */
class FakeRoom implements LedgerRoom {
  readonly docId = DOC
  readonly log = createLogger('silent')
  readonly doc = new Y.Doc()
  isBroken = false
  catchUps = 0
  async catchUp(): Promise<void> {
    this.catchUps++
  }
}

/** Stores what the ledger hands it, succeeding or failing as told. */
class FakeStore {
  readonly stored: Uint8Array[] = []
  failure: Error | null = null
  async appendUnconfirmed(update: Uint8Array): Promise<Seq> {
    if (this.failure) throw this.failure
    this.stored.push(update)
    return this.stored.length
  }
}

/** A pub/sub that other instances share (kind is not 'local'), keeping what was published. */
function recordingPubSub(): { pubsub: PubSub; published: PubSubMessage[] } {
  const pubsub = new MemoryPubSubHub().connect()
  const published: PubSubMessage[] = []
  pubsub.publish = (_docId, message) => void published.push(message)
  return { pubsub, published }
}

function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Whether `promise` has settled after a few turns. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await turns(2)
  return settled
}

describe('RemoteLedger: announcing this room’s updates', () => {
  it('publishes each update as pending under its own ref, then its commit under the same ref', () => {
    const { pubsub, published } = recordingPubSub()
    const ledger = new RemoteLedger(new FakeRoom(), pubsub, new FakeStore())
    const update = textUpdate('hello')
    const first = ledger.announce(update)
    const second = ledger.announce(update)
    expect(second).toBe(first + 1)
    ledger.confirm(first)
    expect(published.map((m) => m.kind)).toEqual([
      PubSubMessageKind.Pending,
      PubSubMessageKind.Pending,
      PubSubMessageKind.Committed,
    ])
    expect(decodePending(published[0]!.payload)).toEqual({ ref: first, update })
    expect(decodeCommitted(published[2]!.payload)).toEqual([first])
  })
})

describe('RemoteLedger: another instance’s pending updates', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('applies a pending update at once and is durable only once its commit is announced', async () => {
    const room = new FakeRoom()
    const origins: unknown[] = []
    room.doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin))
    const ledger = new RemoteLedger(room, recordingPubSub().pubsub, new FakeStore())
    ledger.receivePending(encodePending(5, textUpdate('remote')))
    expect(room.doc.getText('t').toString()).toBe('remote')
    expect(origins).toEqual([RemoteOrigin])
    expect(ledger.hasPending).toBe(true)
    const durable = ledger.durable()
    expect(await isSettled(durable)).toBe(false)
    ledger.receiveCommitted(encodeCommitted([5]))
    expect(await isSettled(durable)).toBe(true)
    expect(ledger.hasPending).toBe(false)
  })

  it('waits for every pending update, whichever order their commits come in', async () => {
    const ledger = new RemoteLedger(new FakeRoom(), recordingPubSub().pubsub, new FakeStore())
    ledger.receivePending(encodePending(1, textUpdate('a')))
    ledger.receivePending(encodePending(2, textUpdate('b')))
    const durable = ledger.durable()
    ledger.receiveCommitted(encodeCommitted([2]))
    expect(await isSettled(durable)).toBe(false)
    ledger.receiveCommitted(encodeCommitted([1]))
    expect(await isSettled(durable)).toBe(true)
  })

  it('holds nothing when the payload or the update is malformed', () => {
    const room = new FakeRoom()
    const ledger = new RemoteLedger(room, recordingPubSub().pubsub, new FakeStore())
    expect(() => ledger.receivePending(new Uint8Array([1]))).toThrow(/truncated/)
    expect(() => ledger.receivePending(encodePending(1, new Uint8Array([255, 255, 255])))).toThrow(/could not/)
    expect(ledger.hasPending).toBe(false)
    expect(room.doc.getText('t').toString()).toBe('')
  })

  it('reads storage back once for a burst of commits it never saw pending', async () => {
    const room = new FakeRoom()
    const ledger = new RemoteLedger(room, recordingPubSub().pubsub, new FakeStore())
    ledger.receiveCommitted(encodeCommitted([10, 11]))
    ledger.receiveCommitted(encodeCommitted([12]))
    await turns(2)
    expect(room.catchUps).toBe(1)
    ledger.receiveCommitted(encodeCommitted([13]))
    await turns(2)
    expect(room.catchUps).toBe(2)
  })

  it('stores an update itself when its commit never comes, and is durable once stored', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const store = new FakeStore()
    const ledger = new RemoteLedger(new FakeRoom(), recordingPubSub().pubsub, store)
    const update = textUpdate('orphaned')
    ledger.receivePending(encodePending(3, update))
    const durable = ledger.durable()
    vi.advanceTimersByTime(REMOTE_CONFIRM_TIMEOUT_MS - 1)
    expect(store.stored).toEqual([])
    vi.advanceTimersByTime(1)
    expect(await isSettled(durable)).toBe(true)
    expect(store.stored).toEqual([update])
    expect(ledger.hasPending).toBe(false)
  })

  it('never calls an update durable when storing it failed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const store = new FakeStore()
    store.failure = new Error('disk full')
    const ledger = new RemoteLedger(new FakeRoom(), recordingPubSub().pubsub, store)
    ledger.receivePending(encodePending(3, textUpdate('lost?')))
    const durable = ledger.durable()
    vi.advanceTimersByTime(REMOTE_CONFIRM_TIMEOUT_MS)
    await expect(durable).rejects.toThrow('disk full')
  })

  it('stores nothing for a room that broke meanwhile', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const room = new FakeRoom()
    const store = new FakeStore()
    const ledger = new RemoteLedger(room, recordingPubSub().pubsub, store)
    ledger.receivePending(encodePending(1, textUpdate('x')))
    room.isBroken = true
    vi.advanceTimersByTime(REMOTE_CONFIRM_TIMEOUT_MS)
    expect(store.stored).toEqual([])
  })

  it('forgets what it holds, timers included, when cleared', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const ledger = new RemoteLedger(new FakeRoom(), recordingPubSub().pubsub, new FakeStore())
    ledger.receivePending(encodePending(1, textUpdate('x')))
    ledger.receivePending(encodePending(2, textUpdate('y')))
    expect(vi.getTimerCount()).toBe(2)
    ledger.clear()
    expect(ledger.hasPending).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
  })
})
