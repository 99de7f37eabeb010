import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DocId } from '../../shared/ids.js'
import { PubSubMessageKind, type PubSub, type PubSubMessage } from '../../server/pubsub/pubsub.js'
import { waitFor } from '../helpers/wait-for.js'

export interface PubSubFixture {
  /** A new instance on the shared bus, as another server process would have. */
  connect: () => Promise<PubSub>
  cleanup: () => Promise<void>
}

const id = (value: string) => value as DocId

/** Every byte value, so a transport that treats payloads as text fails here. */
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i)

/** The behaviour every PubSub must have; run it for each implementation. */
export function runPubSubContract(name: string, createFixture: () => Promise<PubSubFixture>): void {
  describe(`PubSub contract: ${name}`, () => {
    let fixture: PubSubFixture

    beforeEach(async () => {
      fixture = await createFixture()
    })
    afterEach(async () => {
      await fixture.cleanup()
    })

    it('delivers another instance’s messages for a document, binary-safe, as soon as subscribe resolves', async () => {
      const [a, b] = [await fixture.connect(), await fixture.connect()]
      const received: PubSubMessage[] = []
      await b.subscribe(id('doc'), (m) => received.push(m))
      a.publish(id('doc'), { kind: PubSubMessageKind.Update, payload: ALL_BYTES })
      a.publish(id('doc'), { kind: PubSubMessageKind.Awareness, payload: new Uint8Array([0, 0, 13, 10]) })
      a.publish(id('doc'), { kind: PubSubMessageKind.Pending, payload: new Uint8Array([7, 1, 0]) })
      a.publish(id('doc'), { kind: PubSubMessageKind.Committed, payload: new Uint8Array([1, 7]) })
      await waitFor(() => received.length === 4, { description: 'every message delivered' })
      expect(received[0]).toEqual({ kind: 'update', payload: ALL_BYTES })
      expect(received[1]).toEqual({ kind: 'awareness', payload: new Uint8Array([0, 0, 13, 10]) })
      // In the order published: a Committed never overtakes its Pending.
      expect(received[2]).toEqual({ kind: 'pending', payload: new Uint8Array([7, 1, 0]) })
      expect(received[3]).toEqual({ kind: 'committed', payload: new Uint8Array([1, 7]) })
    })

    it('never delivers an instance’s own messages back to it', async () => {
      const [a, b] = [await fixture.connect(), await fixture.connect()]
      const own: PubSubMessage[] = []
      const others: PubSubMessage[] = []
      await a.subscribe(id('echo'), (m) => own.push(m))
      await b.subscribe(id('echo'), (m) => others.push(m))
      a.publish(id('echo'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([1]) })
      b.publish(id('echo'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([2]) })
      await waitFor(() => own.length === 1 && others.length === 1)
      // One more round trip: an echo of the first messages would have arrived by now.
      a.publish(id('echo'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([3]) })
      await waitFor(() => others.length === 2)
      expect(own.map((m) => [...m.payload])).toEqual([[2]])
      expect(others.map((m) => [...m.payload])).toEqual([[1], [3]])
    })

    it('delivers only to subscribers of that document, and stops after unsubscribe', async () => {
      const [a, b] = [await fixture.connect(), await fixture.connect()]
      const onX: number[] = []
      const onY: number[] = []
      const unsubscribeX = await b.subscribe(id('x'), (m) => onX.push(m.payload[0]!))
      await b.subscribe(id('y'), (m) => onY.push(m.payload[0]!))
      a.publish(id('x'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([1]) })
      await waitFor(() => onX.length === 1)
      await unsubscribeX()
      a.publish(id('x'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([2]) })
      a.publish(id('y'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([3]) })
      await waitFor(() => onY.length === 1)
      expect(onX).toEqual([1])
      expect(onY).toEqual([3])
    })

    it('keeps a document subscribed while another subscription to it remains', async () => {
      const [a, b] = [await fixture.connect(), await fixture.connect()]
      const first: number[] = []
      const second: number[] = []
      const unsubscribeFirst = await b.subscribe(id('shared'), (m) => first.push(m.payload[0]!))
      await b.subscribe(id('shared'), (m) => second.push(m.payload[0]!))
      await unsubscribeFirst()
      a.publish(id('shared'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([7]) })
      await waitFor(() => second.length === 1)
      expect(first).toEqual([])
    })

    it('answers ping while connected', async () => {
      const a = await fixture.connect()
      await expect(a.ping()).resolves.toBeUndefined()
    })
  })
}
