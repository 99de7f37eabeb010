import { describe, expect, it } from 'vitest'
import { OPEN_PRINCIPAL, type Principal } from '../../server/auth/authenticator.js'
import { Role } from '../../shared/roles.js'
import { guardAwarenessUpdate, READER_RENEWAL_MS, type AwarenessPin } from '../../server/sync/awareness-guard.js'
import { readAwarenessUpdate, writeAwarenessUpdate } from '../../shared/protocol/awareness-update.js'

const READER: Principal = { ...OPEN_PRINCIPAL, role: Role.View }
const COMMENTER: Principal = { ...OPEN_PRINCIPAL, role: Role.Comment }
const MAX_STATE_BYTES = 64 * 1024

function update(clock: number, state: unknown): Uint8Array {
  return writeAwarenessUpdate([{ clientId: 7, clock, state: JSON.stringify(state) }])
}

function statesOf(guarded: Uint8Array | null): unknown[] {
  return guarded === null ? [] : readAwarenessUpdate(guarded)!.map((entry) => JSON.parse(entry.state) as unknown)
}

describe('guardAwarenessUpdate', () => {
  const user = { name: 'Reader', color: '#30a46c' }

  it("keeps a writer's and a commenter's cursor", () => {
    for (const principal of [OPEN_PRINCIPAL, COMMENTER]) {
      const pin: AwarenessPin = { clientId: null }
      expect(
        statesOf(guardAwarenessUpdate(update(1, { user, cursor: { anchor: 1 } }), pin, principal, MAX_STATE_BYTES)),
      ).toEqual([{ user, cursor: { anchor: 1 } }])
    }
  })

  it("shares a reader's presence without the cursor, and drops the repeats its cursor moves make", () => {
    let now = 0
    const pin: AwarenessPin = { clientId: null }
    const guard = (clock: number, state: unknown) =>
      statesOf(guardAwarenessUpdate(update(clock, state), pin, READER, MAX_STATE_BYTES, () => now))
    expect(guard(1, { user, cursor: { anchor: 1 } })).toEqual([{ user }])
    // Moving the cursor changes nothing the others see: not forwarded.
    now += 500
    expect(guard(2, { user, cursor: { anchor: 9 } })).toEqual([])
    now += 500
    expect(guard(3, { user, cursor: { anchor: 12 } })).toEqual([])
    // A new name is news.
    const renamed = { ...user, name: 'Reader Two' }
    expect(guard(4, { user: renamed, cursor: { anchor: 12 } })).toEqual([{ user: renamed }])
    // Renewed before the others would drop it (30 s), though nothing changed.
    now += READER_RENEWAL_MS
    expect(guard(5, { user: renamed, cursor: { anchor: 3 } })).toEqual([{ user: renamed }])
    // Leaving always goes through.
    expect(guard(6, null)).toEqual([null])
  })
})
