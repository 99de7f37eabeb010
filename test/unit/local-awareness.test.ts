import { describe, expect, it } from 'vitest'
import { LocalAwareness } from '../../client/transport/local-awareness.js'
import { readAwarenessUpdate, writeAwarenessUpdate } from '../../shared/protocol/awareness-update.js'
import { awarenessFrame, decodeFrame, syncFrame } from '../../shared/protocol/frames.js'
import { MessageType, SyncMessageType } from '../../shared/protocol/message-type.js'

const announce = (...entries: { clientId: number; clock: number; state: string }[]) =>
  awarenessFrame(writeAwarenessUpdate(entries))

function entriesOf(frame: Uint8Array | null) {
  const decoded = frame ? decodeFrame(frame) : null
  return decoded?.type === MessageType.Awareness ? readAwarenessUpdate(decoded.update) : null
}

describe('LocalAwareness (our presence, to announce again after a session ends)', () => {
  it('announces the state of the first lone entry again, one clock tick later', () => {
    const local = new LocalAwareness()
    local.track(announce({ clientId: 7, clock: 3, state: '{"user":{"name":"Ann"}}' }))
    expect(entriesOf(local.reannouncement())).toEqual([{ clientId: 7, clock: 4, state: '{"user":{"name":"Ann"}}' }])
  })

  it('follows later changes of its own client id only, and ignores other frames', () => {
    const local = new LocalAwareness()
    local.track(announce({ clientId: 7, clock: 1, state: '{"a":1}' }))
    local.track(announce({ clientId: 8, clock: 9, state: '{"b":1}' }, { clientId: 7, clock: 2, state: '{"a":2}' }))
    local.track(syncFrame(SyncMessageType.Update, new Uint8Array([0, 0])))
    local.track(new Uint8Array([MessageType.Awareness, 5, 1])) // truncated
    expect(entriesOf(local.reannouncement())).toEqual([{ clientId: 7, clock: 3, state: '{"a":2}' }])
  })

  it('announces nothing before the first announcement, from a frame of several clients, or after leaving', () => {
    const local = new LocalAwareness()
    expect(local.reannouncement()).toBeNull()
    local.track(announce({ clientId: 1, clock: 1, state: '{}' }, { clientId: 2, clock: 1, state: '{}' }))
    expect(local.reannouncement()).toBeNull()
    local.track(announce({ clientId: 7, clock: 1, state: '{}' }))
    local.track(announce({ clientId: 7, clock: 2, state: 'null' }))
    expect(local.reannouncement()).toBeNull()
  })
})
