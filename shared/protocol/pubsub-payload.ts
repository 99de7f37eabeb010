import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { ThreadEvent } from '../comments.js'
import { errorMessage } from '../errors.js'
import { readThreadFrame, threadFrame } from './thread-frame.js'

/**
 * Payloads of the cross-instance messages: the commit protocol's, carried by the pub/sub kinds
 * `pending` and `committed` (server/pubsub/pubsub.ts), and the comment threads'. An instance publishes each update it applied as Pending at
 * once, under a ref of its own, and names the ref in a Committed once storage holds the update; the
 * other instances show a pending update at once but acknowledge a client frame that repeats it only
 * after its Committed arrived. Grammar (lib0 unsigned varints):
 *
 *     pending   = ref:varuint  update:varuint-length-prefixed bytes
 *     committed = count:varuint  ref:varuint × count
 *
 * Bytes after the grammar are ignored: room for a field a later release may add while instances of
 * both run side by side.
 */

/** The largest ref the grammar carries: lib0 varuints are exact up to 2^53 - 1. */
export const MAX_PAYLOAD_REF = Number.MAX_SAFE_INTEGER

/** A decoded Pending payload. */
export interface PendingPayload {
  /** The publisher's name for this update, unique among its pending ones for the document. */
  ref: number
  /** The Yjs update: a view into the payload, not a copy. */
  update: Uint8Array
}

export function encodePending(ref: number, update: Uint8Array): Uint8Array {
  checkRef(ref)
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, ref)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** Throws on a payload that does not hold a whole Pending. */
export function decodePending(payload: Uint8Array): PendingPayload {
  const decoder = decoding.createDecoder(payload)
  const ref = readVarUint(decoder, 'pending')
  const length = readVarUint(decoder, 'pending')
  // Checked here to name the fault; lib0 would refuse it too, with a bare "Unexpected end of array".
  if (length > payload.byteLength - decoder.pos) {
    throw new Error(`pending payload is truncated: update of ${length} bytes, ${payload.byteLength - decoder.pos} left`)
  }
  return { ref, update: decoding.readUint8Array(decoder, length) }
}

export function encodeCommitted(refs: readonly number[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, refs.length)
  for (const ref of refs) {
    checkRef(ref)
    encoding.writeVarUint(encoder, ref)
  }
  return encoding.toUint8Array(encoder)
}

/** Throws on a payload that does not hold every ref its count announces. */
export function decodeCommitted(payload: Uint8Array): number[] {
  const decoder = decoding.createDecoder(payload)
  const count = readVarUint(decoder, 'committed')
  // Each ref takes at least one byte: a count beyond what is left is a lie, not a reason to allocate.
  if (count > payload.byteLength - decoder.pos) {
    throw new Error(
      `committed payload is truncated: ${count} refs announced, ${payload.byteLength - decoder.pos} bytes left`,
    )
  }
  const refs = new Array<number>(count)
  for (let i = 0; i < count; i++) refs[i] = readVarUint(decoder, 'committed')
  return refs
}

/**
 * A `threads` payload is the Threads frame (102) itself, as clients receive it:
 *
 *     threads = varuint(102)  varString(JSON of a ThreadEvent)
 *
 * so the receiving instances forward the bytes to their clients without encoding them again.
 */
export function encodeThreadsPayload(event: ThreadEvent): Uint8Array {
  return threadFrame(event)
}

/** Throws on a payload that is not a Threads frame holding a thread event. */
export function decodeThreadsPayload(payload: Uint8Array): ThreadEvent {
  const event = readThreadFrame(payload)
  if (!event)
    throw new Error(`threads payload of ${payload.byteLength} bytes is not a Threads frame with a thread event`)
  return event
}

function readVarUint(decoder: decoding.Decoder, payloadKind: string): number {
  try {
    return decoding.readVarUint(decoder)
  } catch (error) {
    throw new Error(`${payloadKind} payload is truncated or invalid: ${errorMessage(error)}`)
  }
}

function checkRef(ref: number): void {
  if (!Number.isInteger(ref) || ref < 0 || ref > MAX_PAYLOAD_REF) {
    throw new RangeError(`ref ${ref} is not an integer in [0, 2^53)`)
  }
}
