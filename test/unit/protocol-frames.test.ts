import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as authProtocol from 'y-protocols/auth'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import {
  ackFrame,
  awarenessFrame,
  decodeFrame,
  isSyncStep1Frame,
  isUpdateBearingFrame,
  messageTypeOf,
  permissionDeniedFrame,
  queryAwarenessFrame,
  refreshTokenFrame,
  syncFrame,
  type Frame,
} from '../../shared/protocol/frames.js'
import { MessageType, SyncMessageType } from '../../shared/protocol/message-type.js'

const bytes = fc.uint8Array({ maxLength: 200 })
const syncType = fc.constantFrom(...Object.values(SyncMessageType))

/** Every frame the grammar defines, built by its builder, with what decodeFrame must read back. */
const builtFrame: fc.Arbitrary<{ frame: Uint8Array; expected: Frame }> = fc.oneof(
  fc.tuple(syncType, bytes).map(([type, payload]) => ({
    frame: syncFrame(type, payload),
    expected: { type: MessageType.Sync, syncType: type, payload },
  })),
  bytes.map((update) => ({ frame: awarenessFrame(update), expected: { type: MessageType.Awareness, update } })),
  fc.string().map((reason) => ({ frame: permissionDeniedFrame(reason), expected: { type: MessageType.Auth, reason } })),
  fc.constant({ frame: queryAwarenessFrame(), expected: { type: MessageType.QueryAwareness } as Frame }),
  fc.nat().map((count) => ({ frame: ackFrame(count), expected: { type: MessageType.Ack, count } })),
  fc
    .string()
    .map((token) => ({ frame: refreshTokenFrame(token), expected: { type: MessageType.RefreshToken, token } })),
)

/** y-protocols' own encoder output, to hold the builders to the y-websocket wire format. */
function yProtocols(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

describe('y-websocket frames (shared/protocol/frames.ts)', () => {
  it('reads back every frame its builders write', () => {
    fc.assert(
      fc.property(builtFrame, ({ frame, expected }) => {
        expect(decodeFrame(frame)).toEqual(expected)
      }),
    )
  })

  it('classifies a frame in place exactly as the full decoder reads it', () => {
    fc.assert(
      fc.property(builtFrame, ({ frame }) => {
        const decoded = decodeFrame(frame)!
        const syncTypeOf = decoded.type === MessageType.Sync ? decoded.syncType : null
        expect(messageTypeOf(frame)).toBe(decoded.type)
        expect(isSyncStep1Frame(frame)).toBe(syncTypeOf === SyncMessageType.Step1)
        expect(isUpdateBearingFrame(frame)).toBe(
          syncTypeOf === SyncMessageType.Step2 || syncTypeOf === SyncMessageType.Update,
        )
      }),
    )
  })

  it('refuses every truncation of a frame (null, never a throw)', () => {
    fc.assert(
      fc.property(builtFrame, fc.double({ min: 0, max: 1, maxExcluded: true }), ({ frame }, at) => {
        expect(decodeFrame(frame.subarray(0, Math.floor(at * frame.length)))).toBeNull()
      }),
    )
  })

  it('never throws on arbitrary bytes, and ignores bytes after a whole frame as y-protocols does', () => {
    fc.assert(
      fc.property(bytes, builtFrame, bytes, (junk, { frame, expected }, tail) => {
        expect(() => decodeFrame(junk)).not.toThrow()
        expect(() => messageTypeOf(junk)).not.toThrow()
        const padded = new Uint8Array([...frame, ...tail])
        expect(decodeFrame(padded)).toEqual(expected)
      }),
    )
  })

  it('refuses unknown message types, sync sub-types and auth sub-types, and strings that are not UTF-8', () => {
    expect(decodeFrame(new Uint8Array([4]))).toBeNull()
    expect(decodeFrame(new Uint8Array([42, 0]))).toBeNull()
    expect(decodeFrame(new Uint8Array([0xe6, 0x00]))).toBeNull() // type 102 as a two-byte varuint
    expect(messageTypeOf(new Uint8Array([0xe6, 0x00]))).toBe(102)
    expect(messageTypeOf(new Uint8Array([0x80]))).toBeNull() // an unterminated varuint
    expect(messageTypeOf(new Uint8Array([]))).toBeNull()
    expect(decodeFrame(new Uint8Array([MessageType.Sync, 3, 0]))).toBeNull()
    expect(decodeFrame(new Uint8Array([MessageType.Auth, 1, 0]))).toBeNull()
    expect(decodeFrame(new Uint8Array([MessageType.RefreshToken, 2, 0xc3, 0x28]))).toBeNull()
  })

  it('writes what y-protocols writes, byte for byte', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'hello')
    const stateVector = Y.encodeStateVector(doc)
    const update = Y.encodeStateAsUpdate(doc)
    expect(syncFrame(SyncMessageType.Step1, stateVector)).toEqual(
      yProtocols((encoder) => {
        encoding.writeVarUint(encoder, MessageType.Sync)
        syncProtocol.writeSyncStep1(encoder, doc)
      }),
    )
    expect(syncFrame(SyncMessageType.Update, update)).toEqual(
      yProtocols((encoder) => {
        encoding.writeVarUint(encoder, MessageType.Sync)
        syncProtocol.writeUpdate(encoder, update)
      }),
    )
    expect(permissionDeniedFrame('read-only: no')).toEqual(
      yProtocols((encoder) => {
        encoding.writeVarUint(encoder, MessageType.Auth)
        authProtocol.writePermissionDenied(encoder, 'read-only: no')
      }),
    )
  })
})
