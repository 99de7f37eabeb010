import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import {
  countEntriesOf,
  readAwarenessUpdate,
  writeAwarenessUpdate,
  type AwarenessEntry,
} from '../../shared/protocol/awareness-update.js'

const entry: fc.Arbitrary<AwarenessEntry> = fc.record({
  clientId: fc.nat(),
  clock: fc.nat(),
  state: fc.oneof(fc.constant('null'), fc.json({ maxDepth: 1 })),
})

describe('awareness updates (shared/protocol/awareness-update.ts)', () => {
  it("counts one client's entries without reading states, and refuses any truncation", () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), fc.nat(), (entries, pick) => {
        const update = writeAwarenessUpdate(entries)
        const clientId = entries[pick % entries.length]!.clientId
        expect(countEntriesOf(update, clientId)).toBe(entries.filter((e) => e.clientId === clientId).length)
        expect(countEntriesOf(update.subarray(0, pick % update.byteLength), clientId)).toBeNull()
      }),
    )
  })

  it('reads back the entries it writes', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        expect(readAwarenessUpdate(writeAwarenessUpdate(entries))).toEqual(entries)
      }),
    )
  })

  it('refuses every truncation of an update (null, never a throw)', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 4 }),
        fc.double({ min: 0, max: 1, maxExcluded: true }),
        (entries, at) => {
          const update = writeAwarenessUpdate(entries)
          expect(readAwarenessUpdate(update.subarray(0, Math.floor(at * update.length)))).toBeNull()
        },
      ),
    )
  })

  it('reads what y-protocols writes, and writes what y-protocols applies', () => {
    const doc = new Y.Doc()
    const awareness = new awarenessProtocol.Awareness(doc)
    awareness.setLocalState({ user: { name: 'Ada' }, cursor: null })
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])
    const [read] = readAwarenessUpdate(update)!
    expect(read).toEqual({
      clientId: doc.clientID,
      clock: awareness.meta.get(doc.clientID)!.clock,
      state: JSON.stringify({ user: { name: 'Ada' }, cursor: null }),
    })

    const other = new awarenessProtocol.Awareness(new Y.Doc())
    awarenessProtocol.applyAwarenessUpdate(other, writeAwarenessUpdate([{ ...read!, clock: read!.clock + 1 }]), null)
    expect(other.getStates().get(doc.clientID)).toEqual({ user: { name: 'Ada' }, cursor: null })
    awareness.destroy()
    other.destroy()
  })
})
