import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { AwarenessSender } from '../../client/provider/awareness-sender.js'
import { FakeTickClock } from '../helpers/fake-tick-clock.js'

const TICK = 80

function setUp() {
  const clock = new FakeTickClock()
  const awareness = new awarenessProtocol.Awareness(new Y.Doc())
  /** What a receiver would hold of us after each send, encoded as y-websocket encodes it. */
  const sent: unknown[] = []
  const sender = new AwarenessSender(
    awareness,
    ({ added, updated, removed }) => {
      const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [...added, ...updated, ...removed])
      const receiver = new awarenessProtocol.Awareness(new Y.Doc())
      awarenessProtocol.applyAwarenessUpdate(receiver, update, 'test')
      sent.push(receiver.getStates().get(awareness.clientID) ?? null)
      receiver.destroy()
    },
    TICK,
    clock,
  )
  return { clock, awareness, sent, sender }
}

describe('AwarenessSender (the provider sends its own presence once per tick)', () => {
  it('sends a lone move at once, and a burst of moves as one update with the last state at the end of the tick', () => {
    const { clock, awareness, sent, sender } = setUp()
    awareness.setLocalStateField('cursor', 0)
    expect(sent).toEqual([{ cursor: 0 }])
    for (let i = 1; i <= 30; i++) {
      awareness.setLocalStateField('cursor', i)
      clock.advance(2)
    }
    expect(sent).toHaveLength(1)
    clock.advance(TICK)
    expect(sent).toEqual([{ cursor: 0 }, { cursor: 30 }])
    clock.advance(TICK * 5)
    awareness.setLocalStateField('cursor', 31) // after a quiet tick: at once again
    expect(sent.at(-1)).toEqual({ cursor: 31 })
    sender.destroy()
  })

  it("sends leaving at once, and never other clients' states", () => {
    const { clock, awareness, sent, sender } = setUp()
    awareness.setLocalStateField('cursor', 1)
    awareness.setLocalStateField('cursor', 2)
    const other = new awarenessProtocol.Awareness(new Y.Doc())
    other.setLocalStateField('cursor', 'other')
    awarenessProtocol.applyAwarenessUpdate(
      awareness,
      awarenessProtocol.encodeAwarenessUpdate(other, [other.clientID]),
      'server',
    )
    awareness.setLocalState(null)
    expect(sent).toEqual([{ cursor: 1 }, null])
    clock.advance(TICK * 2)
    expect(sent).toHaveLength(2)
    sender.destroy()
    other.destroy()
  })
})
