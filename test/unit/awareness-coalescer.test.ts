import * as decoding from 'lib0/decoding'
import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import { awarenessFrame } from '../../shared/protocol/frames.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import { readAwarenessUpdate } from '../../shared/protocol/awareness-update.js'
import { TickThrottle } from '../../shared/tick-throttle.js'
import { presenceTickMs } from '../../server/sync/awareness-coalescer.js'
import { LocalPubSub } from '../../server/pubsub/local-pubsub.js'
import { PubSubMessageKind, type PubSubMessage } from '../../server/pubsub/pubsub.js'
import type { Connection } from '../../server/sync/connection.js'
import type { DocRoom } from '../../server/sync/doc-room.js'
import { FakeTickClock } from '../helpers/fake-tick-clock.js'
import { openTestRoom } from '../helpers/room-harness.js'

const DOC = 'presence-tick' as DocId
const TICK = 50

/** A stock client as the room sees it: its own Awareness, and a mirror of everyone else's from the frames it gets. */
class PresenceClient implements Connection {
  static next = 0
  readonly id = `presence-${PresenceClient.next++}`
  readonly transport = 'websocket' as const
  readonly wantsAcks = false
  readonly wantsThreads = false
  readonly own: awarenessProtocol.Awareness
  readonly seen: awarenessProtocol.Awareness
  awarenessFrames = 0
  constructor() {
    this.own = new awarenessProtocol.Awareness(new Y.Doc())
    this.seen = new awarenessProtocol.Awareness(new Y.Doc())
    this.seen.setLocalState(null)
  }
  get clientId(): number {
    return this.own.clientID
  }
  send(frame: Uint8Array): void {
    const decoder = decoding.createDecoder(frame)
    if (decoding.readVarUint(decoder) !== MessageType.Awareness) return
    this.awarenessFrames++
    const update = decoding.readVarUint8Array(decoder)
    awarenessProtocol.applyAwarenessUpdate(this.seen, update, 'server')
    this.lastUpdate = update
  }
  lastUpdate: Uint8Array | null = null
  close(): void {}
  move(room: DocRoom, state: Record<string, unknown> | null): void {
    this.own.setLocalState(state)
    room.receive(this, awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.own, [this.clientId])))
  }
  /** What this client shows of the others. */
  others(): Map<number, unknown> {
    return new Map([...this.seen.getStates()].filter(([id]) => id !== this.clientId))
  }
}

class RecordingPubSub extends LocalPubSub {
  readonly published: PubSubMessage[] = []
  override publish(_docId: DocId, message: PubSubMessage): void {
    this.published.push(message)
  }
}

async function setUp(count: number) {
  const clock = new FakeTickClock()
  const pubsub = new RecordingPubSub()
  const { room } = await openTestRoom(DOC, undefined, undefined, { presenceClock: clock, pubsub })
  const clients = Array.from({ length: count }, () => new PresenceClient())
  for (const client of clients) room.join(client)
  return { room, clock, pubsub, clients }
}

/** Everyone's states but `except`'s, as the room holds them. */
function expected(room: DocRoom, except: PresenceClient): Map<number, unknown> {
  return new Map([...room.awareness.getStates()].filter(([id]) => id !== except.clientId))
}

describe('TickThrottle', () => {
  it('flushes the first poke at once and the rest of a tick once, at its end', () => {
    const clock = new FakeTickClock()
    let flushes = 0
    const throttle = new TickThrottle(TICK, () => flushes++, clock)
    throttle.poke()
    expect(flushes).toBe(1)
    for (let i = 0; i < 10; i++) {
      clock.advance(3)
      throttle.poke()
    }
    expect(flushes).toBe(1)
    clock.advance(TICK)
    expect(flushes).toBe(2)
    clock.advance(TICK * 3) // quiet: the next poke goes at once again
    throttle.poke()
    expect(flushes).toBe(3)
    throttle.poke()
    throttle.stop()
    clock.advance(TICK)
    expect(flushes).toBe(3)
    expect(clock.pendingTimers).toBe(0)
  })
})

describe('presence tick by room size', () => {
  it('stays at the setting up to 50 connections, grows in proportion, and stops at twice it', () => {
    expect(presenceTickMs(TICK, 1)).toBe(TICK)
    expect(presenceTickMs(TICK, 50)).toBe(TICK)
    expect(presenceTickMs(TICK, 75)).toBe(75)
    expect(presenceTickMs(TICK, 100)).toBe(100)
    expect(presenceTickMs(TICK, 500)).toBe(100)
    expect(presenceTickMs(0, 500)).toBe(0)
  })

  it('sends a room of 100 one merged frame per 100 ms, and its final states all the same', async () => {
    const { room, clock, clients } = await setUp(100)
    const [observer] = clients as [PresenceClient]
    const framesBefore = observer.awarenessFrames
    // One second of every other client moving at 10 Hz (1,000 changes), one 10 ms step at a time.
    for (let step = 0; step < 100; step++) {
      clients[1 + (step % 99)]!.move(room, { cursor: step })
      if (step % 10 === 0) for (const client of clients.slice(1)) client.move(room, { cursor: `s${step}` })
      clock.advance(10)
    }
    clock.advance(100)
    const frames = observer.awarenessFrames - framesBefore
    // At most one frame per 100 ms tick (plus the one sent at once when the storm began).
    expect(frames).toBeGreaterThan(0)
    expect(frames).toBeLessThanOrEqual(11)
    for (const client of clients) expect(client.others()).toEqual(expected(room, client))
    room.destroy()
  })
})

describe('DocRoom: awareness coalesced per tick', () => {
  it('sends the latest state of a fast-moving cursor, once per tick, never back to its sender', async () => {
    const { room, clock, clients } = await setUp(3)
    const [alice, bob, carol] = clients as [PresenceClient, PresenceClient, PresenceClient]
    for (let i = 0; i < 20; i++) {
      alice.move(room, { cursor: i })
      clock.advance(5) // 100 ms of moves at 200 Hz
    }
    clock.advance(TICK)
    expect(bob.others().get(alice.clientId)).toEqual({ cursor: 19 })
    expect(carol.others().get(alice.clientId)).toEqual({ cursor: 19 })
    // First move at once, then one frame per 50 ms tick: 20 changes, at most 4 frames.
    expect(bob.awarenessFrames).toBeLessThanOrEqual(4)
    expect(alice.awarenessFrames).toBe(0)
    room.destroy()
  })

  it('merges several clients into one frame; each recipient gets the others only', async () => {
    const { room, clock, clients } = await setUp(3)
    const [alice, bob, carol] = clients as [PresenceClient, PresenceClient, PresenceClient]
    alice.move(room, { cursor: 'a0' }) // opens the tick (sent at once)
    alice.move(room, { cursor: 'a1' })
    bob.move(room, { cursor: 'b1' })
    carol.move(room, { cursor: 'c1' })
    const before = carol.awarenessFrames
    clock.advance(TICK)
    expect(carol.awarenessFrames).toBe(before + 1)
    expect(readAwarenessUpdate(carol.lastUpdate!)?.map((entry) => entry.clientId)).toEqual([
      alice.clientId,
      bob.clientId,
    ])
    for (const client of clients) expect(client.others()).toEqual(expected(room, client))
    room.destroy()
  })

  it('never loses a removal, nor lets it overtake a later state of the same client', async () => {
    const { room, clock, clients } = await setUp(3)
    const [alice, bob, carol] = clients as [PresenceClient, PresenceClient, PresenceClient]
    alice.move(room, { cursor: 1 })
    bob.move(room, { cursor: 2 })
    alice.move(room, { cursor: 3 })
    room.leave(alice) // within the same tick as alice's last move
    clock.advance(TICK)
    expect(carol.others().has(alice.clientId)).toBe(false)
    expect(bob.others().has(alice.clientId)).toBe(false)

    // Gone and back within a tick: the later state wins.
    bob.move(room, null)
    bob.move(room, { cursor: 'back' })
    clock.advance(TICK)
    expect(carol.others().get(bob.clientId)).toEqual({ cursor: 'back' })
    room.destroy()
  })

  it("publishes at most once per tick, only what this instance's clients changed", async () => {
    const { room, clock, clients, pubsub } = await setUp(10)
    for (let step = 0; step < 40; step++) {
      for (const client of clients) client.move(room, { cursor: step })
      clock.advance(10)
    }
    clock.advance(TICK)
    const awareness = pubsub.published.filter((message) => message.kind === PubSubMessageKind.Awareness)
    // 400 ms of moves: the first at once, then one per 50 ms tick.
    expect(awareness.length).toBeLessThanOrEqual(10)
    const last = readAwarenessUpdate(awareness.at(-1)!.payload)!
    expect(last).toHaveLength(10)
    expect(new Set(last.map((entry) => entry.state))).toEqual(new Set([JSON.stringify({ cursor: 39 })]))

    // Changes that came from another instance are not published again.
    const count = pubsub.published.length
    const elsewhere = new awarenessProtocol.Awareness(new Y.Doc())
    elsewhere.setLocalState({ cursor: 'remote' })
    room.receiveRemote({
      kind: PubSubMessageKind.Awareness,
      payload: awarenessProtocol.encodeAwarenessUpdate(elsewhere, [elsewhere.clientID]),
    })
    clock.advance(TICK)
    expect(pubsub.published.length).toBe(count)
    expect(clients[0]!.others().get(elsewhere.clientID)).toEqual({ cursor: 'remote' })
    room.destroy()
  })

  it('publishes a removal still waiting for its tick when the room is destroyed', async () => {
    const { room, clients, pubsub } = await setUp(1)
    const alice = clients[0]!
    alice.move(room, { cursor: 1 }) // sent at once: the tick is open
    room.leave(alice)
    room.destroy()
    const last = readAwarenessUpdate(pubsub.published.at(-1)!.payload)!
    expect(last).toEqual([expect.objectContaining({ clientId: alice.clientId, state: 'null' })])
  })

  it('converges after random moves, leaves and rejoins: every client holds every other final state', async () => {
    const { room, clock, clients } = await setUp(8)
    const present = new Set(clients)
    let seed = 23
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let step = 0; step < 600; step++) {
      const client = clients[random(clients.length)]!
      const action = random(10)
      if (action === 0 && present.has(client)) {
        room.leave(client)
        present.delete(client)
      } else if (action === 1 && !present.has(client)) {
        room.join(client)
        present.add(client)
        client.move(room, { cursor: step, back: true })
      } else if (action === 2 && present.has(client)) {
        client.move(room, null)
      } else if (present.has(client)) {
        client.move(room, { cursor: step })
      }
      clock.advance(random(30))
    }
    clock.advance(TICK)
    for (const client of present) expect(client.others()).toEqual(expected(room, client))
    room.destroy()
  })
})
