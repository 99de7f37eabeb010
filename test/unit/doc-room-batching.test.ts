import * as awarenessProtocol from 'y-protocols/awareness'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import { MessageType, SyncMessageType } from '../../shared/protocol/message-type.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import type { Connection } from '../../server/sync/connection.js'
import { openTestRoom } from '../helpers/room-harness.js'
import { updateFrame } from '../helpers/clients.js'

const DOC = 'batching' as DocId

class RecordingConnection implements Connection {
  static next = 0
  readonly id = `test-${RecordingConnection.next++}`
  readonly transport = 'websocket' as const
  readonly frames: Uint8Array[] = []
  readonly wantsThreads = false
  constructor(readonly wantsAcks = false) {}
  send(frame: Uint8Array): void {
    this.frames.push(frame)
  }
  close(): void {}
  /** The payloads of the Update frames received so far. */
  updates(): Uint8Array[] {
    return this.frames.flatMap((frame) => {
      const decoder = decoding.createDecoder(frame)
      if (decoding.readVarUint(decoder) !== MessageType.Sync) return []
      if (decoding.readVarUint(decoder) !== SyncMessageType.Update) return []
      return [decoding.readVarUint8Array(decoder)]
    })
  }
  acks(): number[] {
    return this.frames.flatMap((frame) => {
      const decoder = decoding.createDecoder(frame)
      return decoding.readVarUint(decoder) === MessageType.Ack ? [decoding.readVarUint(decoder)] : []
    })
  }
}

/** A client-side replica that types one character per call and returns the update it made. */
function typist(name: string): { doc: Y.Doc; type: () => Uint8Array } {
  const doc = new Y.Doc()
  return {
    doc,
    type: () => {
      let made: Uint8Array | null = null
      const capture = (update: Uint8Array): void => void (made = update)
      doc.once('update', capture)
      doc.getText('t').insert(doc.getText('t').length, name)
      return made!
    },
  }
}

const openRoom = (store?: MemoryDocStore) => openTestRoom(DOC, store)

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('DocRoom: the updates of one event-loop turn', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('reach each other client as one frame and are stored as one row, with nothing lost', async () => {
    const { room, store } = await openRoom()
    const alice = new RecordingConnection(true)
    const bob = new RecordingConnection(true)
    const viewer = new RecordingConnection()
    for (const connection of [alice, bob, viewer]) room.join(connection)
    const a = typist('a')
    const b = typist('b')

    for (let i = 0; i < 5; i++) {
      room.receive(alice, updateFrame(a.type()))
      room.receive(bob, updateFrame(b.type()))
    }
    expect(viewer.updates()).toHaveLength(0) // nothing sent before the turn ends
    await room.flush()

    expect(viewer.updates()).toHaveLength(1)
    const seen = new Y.Doc()
    Y.applyUpdate(seen, viewer.updates()[0]!)
    expect(seen.getText('t').toString()).toBe(room.doc.getText('t').toString())
    expect(room.doc.getText('t').length).toBe(10)

    const stored = await store.load(DOC)
    expect(stored.entries).toHaveLength(1)
    const reloaded = new Y.Doc()
    Y.applyUpdate(reloaded, stored.entries[0]!.update)
    expect(reloaded.getText('t').toString()).toBe(room.doc.getText('t').toString())

    // Every frame is acknowledged once the row committed.
    await nextTurn()
    expect(Math.max(...alice.acks())).toBe(5)
    expect(Math.max(...bob.acks())).toBe(5)
    room.destroy()
  })

  it('does not echo a turn with a single sender back to it', async () => {
    const { room } = await openRoom()
    const alice = new RecordingConnection()
    const bob = new RecordingConnection()
    room.join(alice)
    room.join(bob)
    const a = typist('a')
    room.receive(alice, updateFrame(a.type()))
    room.receive(alice, updateFrame(a.type()))
    await room.flush()
    expect(alice.updates()).toHaveLength(0)
    expect(bob.updates()).toHaveLength(1)
    room.destroy()
  })

  it('in a room of 100+ clients, gathers updates over a few ms, the first of a quiet spell going out at once', async () => {
    // The clock stands still, so the window closes only when told (turns keep running for real).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const { room } = await openRoom()
    const writer = new RecordingConnection()
    const readers = Array.from({ length: 100 }, () => new RecordingConnection())
    for (const connection of [writer, ...readers]) room.join(connection)
    const a = typist('a')
    room.receive(writer, updateFrame(a.type()))
    await nextTurn()
    expect(readers[0]!.updates()).toHaveLength(1) // at once
    for (let i = 0; i < 3; i++) {
      room.receive(writer, updateFrame(a.type()))
      await nextTurn()
    }
    expect(readers[0]!.updates()).toHaveLength(1) // still gathering
    vi.advanceTimersByTime(9)
    expect(readers[0]!.updates()).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(readers[0]!.updates()).toHaveLength(2) // three turns, one frame
    const replica = new Y.Doc()
    for (const update of readers[0]!.updates()) Y.applyUpdate(replica, update)
    expect(replica.getText('t').toString()).toBe('aaaa')
    room.destroy()
  })

  it('keeps updates of different turns in different frames', async () => {
    const { room, store } = await openRoom()
    const alice = new RecordingConnection()
    const bob = new RecordingConnection()
    room.join(alice)
    room.join(bob)
    const a = typist('a')
    for (let i = 0; i < 3; i++) {
      room.receive(alice, updateFrame(a.type()))
      await nextTurn()
    }
    await room.flush()
    expect(bob.updates()).toHaveLength(3)
    expect((await store.load(DOC)).entries).toHaveLength(3)
    room.destroy()
  })
})

function step1Frame(stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  encoding.writeVarUint(encoder, SyncMessageType.Step1)
  encoding.writeVarUint8Array(encoder, stateVector)
  return encoding.toUint8Array(encoder)
}

function syncMessages(connection: RecordingConnection, type: SyncMessageType): Uint8Array[] {
  return connection.frames.flatMap((frame) => {
    const decoder = decoding.createDecoder(frame)
    if (decoding.readVarUint(decoder) !== MessageType.Sync || decoding.readVarUint(decoder) !== type) return []
    return [decoding.readVarUint8Array(decoder)]
  })
}

describe('DocRoom: a large document stored as one entry', () => {
  async function storedLargeDocument(): Promise<{ store: MemoryDocStore; text: string }> {
    const source = new Y.Doc()
    // Over the deferred-load threshold (64 KiB), in many structs like real typing.
    for (let i = 0; i < 3000; i++) source.getText('t').insert(i * 30, `paragraph ${i} of the long text. `)
    const store = new MemoryDocStore()
    await store.append(DOC, Y.encodeStateAsUpdate(source))
    return { store, text: source.getText('t').toString() }
  }

  it('answers an empty joiner from the stored bytes, then builds the doc and asks the joiner for its changes', async () => {
    const { store, text } = await storedLargeDocument()
    const { room } = await openRoom(store)
    const joiner = new RecordingConnection()
    room.join(joiner)
    expect(syncMessages(joiner, SyncMessageType.Step1)).toHaveLength(0) // owed until the doc is built

    room.receive(joiner, step1Frame(Y.encodeStateVector(new Y.Doc())))
    const [step2] = syncMessages(joiner, SyncMessageType.Step2)
    const replica = new Y.Doc()
    Y.applyUpdate(replica, step2!)
    expect(replica.getText('t').toString()).toBe(text)

    await nextTurn()
    expect(syncMessages(joiner, SyncMessageType.Step1)).toHaveLength(1)
    expect(room.doc.getText('t').toString()).toBe(text)

    // Edits after the deferred load apply to the full document and reach others.
    const other = new RecordingConnection()
    room.join(other)
    replica.getText('t').insert(0, 'New title. ')
    room.receive(joiner, updateFrame(Y.encodeStateAsUpdate(replica, Y.encodeStateVector(room.doc))))
    await room.flush()
    expect(room.doc.getText('t').toString()).toBe(`New title. ${text}`)
    expect(other.updates()).toHaveLength(1)
    room.destroy()
  })

  it('builds the doc at once when something needs it before any joiner asked', async () => {
    const { store, text } = await storedLargeDocument()
    const { room } = await openRoom(store)
    const writer = new RecordingConnection()
    room.join(writer)
    const edit = new Y.Doc()
    edit.getText('x').insert(0, 'elsewhere')
    room.receive(writer, updateFrame(Y.encodeStateAsUpdate(edit)))
    expect(room.doc.getText('t').toString()).toBe(text)
    expect(room.doc.getText('x').toString()).toBe('elsewhere')
    expect(syncMessages(writer, SyncMessageType.Step1)).toHaveLength(1)
    room.destroy()
  })
})

describe('DocRoom: presence metrics', () => {
  it('counts awareness frames in, and out per recipient', async () => {
    const { room, metrics } = await openTestRoom(DOC)
    const [alice, bob, carol] = [new RecordingConnection(), new RecordingConnection(), new RecordingConnection()]
    for (const connection of [alice, bob, carol]) room.join(connection)
    const peer = new Y.Doc()
    const awareness = new awarenessProtocol.Awareness(peer)
    awareness.setLocalState({ cursor: 1 })
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Awareness)
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, [peer.clientID]))
    room.receive(alice, encoding.toUint8Array(encoder))
    const values = (await metrics.awarenessFrames.get()).values
    expect(values.find((v) => v.labels.direction === 'in')?.value).toBe(1)
    expect(values.find((v) => v.labels.direction === 'out')?.value).toBe(2)
    awareness.destroy()
    room.destroy()
  })
})

describe('deferred load of a large stored document', () => {
  /** SyncStep1 with an empty state vector: a joiner holding nothing. */
  const emptyStep1 = (): Uint8Array => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    encoding.writeVarUint(encoder, SyncMessageType.Step1)
    encoding.writeVarUint8Array(encoder, Y.encodeStateVector(new Y.Doc()))
    return encoding.toUint8Array(encoder)
  }
  const step2Payloads = (connection: RecordingConnection): Uint8Array[] =>
    connection.frames.flatMap((frame) => {
      const decoder = decoding.createDecoder(frame)
      if (decoding.readVarUint(decoder) !== MessageType.Sync) return []
      if (decoding.readVarUint(decoder) !== SyncMessageType.Step2) return []
      return [decoding.readVarUint8Array(decoder)]
    })

  it('stops serving stored bytes that turn out damaged once they are quarantined', async () => {
    const store = new MemoryDocStore()
    const damaged = new Uint8Array(70 * 1024).fill(0xff) // large enough to be served while loading
    await store.append(DOC, damaged)
    const { room } = await openRoom(store)
    const first = new RecordingConnection()
    room.join(first)
    room.receive(first, emptyStep1())
    // Served from storage while the room loads: what the store holds, unchecked.
    expect(step2Payloads(first).at(-1)).toEqual(damaged)
    await nextTurn() // the room builds its document and quarantines the entry
    await nextTurn()
    const later = new RecordingConnection()
    room.join(later)
    room.receive(later, emptyStep1())
    expect(step2Payloads(later).at(-1)).not.toEqual(damaged)
    expect(await store.listQuarantined(DOC)).toHaveLength(1)
  })
})
