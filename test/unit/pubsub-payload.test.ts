import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import type { ThreadEvent } from '../../shared/comments.js'
import {
  decodeCommitted,
  decodePending,
  decodeThreadsPayload,
  encodeCommitted,
  encodePending,
  encodeThreadsPayload,
  MAX_PAYLOAD_REF,
} from '../../shared/protocol/pubsub-payload.js'
import { threadFrame } from '../../shared/protocol/thread-frame.js'

const update = new Uint8Array([1, 2, 3, 0, 255])

/** `bytes` as a view into the middle of a larger buffer, as a payload sliced out of a message is. */
function inLargerBuffer(bytes: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(bytes.byteLength + 64).fill(7)
  buffer.set(bytes, 16)
  return buffer.subarray(16, 16 + bytes.byteLength)
}

describe('pub/sub payload: pending', () => {
  it('round-trips a ref and its update', () => {
    for (const ref of [0, 1, 127, 128, 2 ** 31 * 2 ** 20 + 5, MAX_PAYLOAD_REF]) {
      const decoded = decodePending(encodePending(ref, update))
      expect(decoded.ref).toBe(ref)
      expect(decoded.update).toEqual(update)
    }
  })

  it('round-trips an empty update (the room, not the codec, rejects it)', () => {
    expect(decodePending(encodePending(9, new Uint8Array(0)))).toEqual({ ref: 9, update: new Uint8Array(0) })
  })

  it('is ref then length-prefixed update, in lib0 varuints', () => {
    expect([...encodePending(300, new Uint8Array([5, 6]))]).toEqual([0xac, 0x02, 2, 5, 6])
  })

  it('ignores bytes after the update (room for a field a later release adds)', () => {
    const payload = new Uint8Array([...encodePending(4, update), 42, 43])
    expect(decodePending(payload)).toEqual({ ref: 4, update })
  })

  it('refuses an empty payload', () => {
    expect(() => decodePending(new Uint8Array(0))).toThrow(/pending payload is truncated or invalid/)
  })

  it('refuses a ref cut in the middle of its varuint', () => {
    expect(() => decodePending(new Uint8Array([0x80]))).toThrow(/pending payload is truncated or invalid/)
  })

  it('refuses a payload with no update length', () => {
    expect(() => decodePending(new Uint8Array([4]))).toThrow(/pending payload is truncated or invalid/)
  })

  it('refuses an update shorter than its length, even when the buffer goes on past the payload', () => {
    const whole = encodePending(4, update)
    const cut = whole.subarray(0, whole.byteLength - 2)
    expect(() => decodePending(cut)).toThrow(/pending payload is truncated: update of 5 bytes, 3 left/)
    expect(() => decodePending(inLargerBuffer(cut))).toThrow(/truncated/)
  })

  it('refuses to encode a ref the grammar cannot carry', () => {
    expect(() => encodePending(-1, update)).toThrow(RangeError)
    expect(() => encodePending(1.5, update)).toThrow(RangeError)
    expect(() => encodePending(MAX_PAYLOAD_REF + 1, update)).toThrow(RangeError)
  })
})

describe('pub/sub payload: committed', () => {
  it('round-trips any number of refs, in order', () => {
    for (const refs of [[], [0], [7, 3, 2 ** 40], Array.from({ length: 300 }, (_, i) => i * 1000)]) {
      expect(decodeCommitted(encodeCommitted(refs))).toEqual(refs)
    }
  })

  it('is a count then the refs, in lib0 varuints', () => {
    expect([...encodeCommitted([1, 128])]).toEqual([2, 1, 0x80, 0x01])
  })

  it('ignores bytes after the announced refs', () => {
    expect(decodeCommitted(new Uint8Array([...encodeCommitted([5]), 9, 9]))).toEqual([5])
  })

  it('refuses an empty payload', () => {
    expect(() => decodeCommitted(new Uint8Array(0))).toThrow(/committed payload is truncated or invalid/)
  })

  it('refuses a count the payload cannot hold, without allocating for it', () => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 2 ** 40)
    encoding.writeVarUint(encoder, 1)
    expect(() => decodeCommitted(encoding.toUint8Array(encoder))).toThrow(/1099511627776 refs announced, 1 bytes left/)
  })

  it('refuses refs missing at the end, also inside a larger buffer', () => {
    const cut = new Uint8Array([3, 1, 2])
    expect(() => decodeCommitted(cut)).toThrow(/truncated/)
    expect(() => decodeCommitted(inLargerBuffer(cut))).toThrow(/truncated/)
    expect(() => decodeCommitted(new Uint8Array([1, 0x80]))).toThrow(/committed payload is truncated or invalid/)
    expect(() => decodeCommitted(inLargerBuffer(new Uint8Array([2, 0x80, 0x80])))).toThrow(
      /committed payload is truncated or invalid/,
    )
  })

  it('refuses to encode a ref the grammar cannot carry', () => {
    expect(() => encodeCommitted([1, -2])).toThrow(RangeError)
  })
})

describe('pub/sub payload: threads', () => {
  const events: ThreadEvent[] = [
    { kind: 'delete', threadId: 't1' },
    { kind: 'snapshot', threads: [] },
    {
      kind: 'upsert',
      thread: {
        id: 't2',
        status: 'resolved',
        quote: 'naïve → “quoted” 😀',
        anchor: { start: 'AQID', end: 'BAUG' },
        comments: [
          {
            id: 'c1',
            body: '<img src=x onerror=alert(1)>',
            author: { name: 'Ada', id: 'ada', isVerified: false },
            createdAt: '2026-01-01T00:00:00.000Z',
            editedAt: null,
          },
        ],
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-02T00:00:00.000Z',
      },
    },
  ]

  it('round-trips every kind of thread event', () => {
    for (const event of events) expect(decodeThreadsPayload(encodeThreadsPayload(event))).toEqual(event)
  })

  it('is the Threads frame (102) itself, so other instances forward the bytes as they are', () => {
    for (const event of events) expect(encodeThreadsPayload(event)).toEqual(threadFrame(event))
    expect(encodeThreadsPayload(events[0]!)[0]).toBe(102)
  })

  it('refuses an empty payload, another frame type, malformed JSON and an unknown event kind', () => {
    const json = (text: string) => {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 102)
      encoding.writeVarString(encoder, text)
      return encoding.toUint8Array(encoder)
    }
    for (const payload of [
      new Uint8Array(0),
      new Uint8Array([100, 1]),
      json('{"kind":'),
      json('{"kind":"rename","threadId":"t1"}'),
      json('{"kind":"delete"}'),
      json('null'),
    ]) {
      expect(() => decodeThreadsPayload(payload)).toThrow(/is not a Threads frame with a thread event/)
    }
  })
})
