import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import { encodeCommitted, encodePending } from '../../shared/protocol/pubsub-payload.js'
import { PubSubMessageKind } from '../../server/pubsub/pubsub.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import type { Connection } from '../../server/sync/connection.js'
import { updateFrame } from '../helpers/clients.js'
import { openTestRoom } from '../helpers/room-harness.js'

const DOC = 'remote' as DocId

class AckingClient implements Connection {
  readonly id = 'client-1'
  readonly transport = 'websocket' as const
  readonly wantsAcks = true
  readonly wantsThreads = false
  readonly acks: number[] = []
  send(frame: Uint8Array): void {
    const decoder = decoding.createDecoder(frame)
    if (decoding.readVarUint(decoder) === MessageType.Ack) this.acks.push(decoding.readVarUint(decoder))
  }
  close(): void {}
}

function pending(ref: number, update: Uint8Array) {
  return { kind: PubSubMessageKind.Pending, payload: encodePending(ref, update) }
}

function committed(ref: number) {
  return { kind: PubSubMessageKind.Committed, payload: encodeCommitted([ref]) }
}

const openRoom = async (store: MemoryDocStore) => (await openTestRoom(DOC, store)).room

function someUpdate(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('DocRoom: updates another instance published before committing them', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('are shown at once, but a frame repeating one is acknowledged only once its publisher committed it', async () => {
    const store = new MemoryDocStore()
    const room = await openRoom(store)
    const client = new AckingClient()
    room.join(client)
    const update = someUpdate('from another instance')
    room.receiveRemote(pending(41, update))
    expect(room.doc.getText('t').toString()).toBe('from another instance')

    room.receive(client, updateFrame(update)) // changes nothing here: it repeats the remote update
    await room.flush()
    await turns(5)
    expect(client.acks).toEqual([])

    room.receiveRemote(committed(41))
    await turns(3)
    expect(client.acks).toEqual([1])
    // Stored by its publisher, not again here.
    expect((await store.load(DOC)).entries).toEqual([])
    room.destroy()
  })

  it('are stored here when their publisher never confirms the commit (it died first)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const store = new MemoryDocStore()
    const room = await openRoom(store)
    const client = new AckingClient()
    room.join(client)
    const update = someUpdate('orphaned edit')
    room.receiveRemote(pending(7, update))
    room.receive(client, updateFrame(update))
    await room.flush()
    await turns(3)
    expect(client.acks).toEqual([])

    vi.advanceTimersByTime(5_000)
    await turns(5)
    const stored = await store.load(DOC)
    expect(stored.entries).toHaveLength(1)
    const reloaded = new Y.Doc()
    Y.applyUpdate(reloaded, stored.entries[0]!.update)
    expect(reloaded.getText('t').toString()).toBe('orphaned edit')
    expect(client.acks).toEqual([1])
    room.destroy()
  })
})

describe('DocRoom: a commit notice for an update it never saw', () => {
  it('R-SUBSCRIBE: reads the update back from storage (its pending message went out before the room subscribed)', async () => {
    const store = new MemoryDocStore()
    const room = await openRoom(store)
    // Another instance published Pending before this room existed, then committed after it loaded.
    await store.append(DOC, someUpdate('missed while subscribing'))
    room.receiveRemote(committed(99))
    await turns(3)
    expect(room.doc.getText('t').toString()).toBe('missed while subscribing')
    room.destroy()
  })
})
