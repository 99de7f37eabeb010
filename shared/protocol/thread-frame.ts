import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { ThreadEvent } from '../comments.js'
import { MessageType } from './message-type.js'

/**
 * Threads (102), server → client only, and only to clients that asked with `?threads=1` (stock
 * y-websocket clients never see it):
 *
 *   Threads (102) = varString(JSON of a ThreadEvent)
 *
 * JSON because a thread is a small tree of strings that the REST API already speaks; a comment event
 * is rare next to document updates, so its encoding cost does not matter.
 */
export function threadFrame(event: ThreadEvent): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Threads)
  encoding.writeVarString(encoder, JSON.stringify(event))
  return encoding.toUint8Array(encoder)
}

/** The event in a Threads frame; null when the frame is not one or is malformed. */
export function readThreadFrame(frame: Uint8Array): ThreadEvent | null {
  try {
    const decoder = decoding.createDecoder(frame)
    if (decoding.readVarUint(decoder) !== MessageType.Threads) return null
    const event: unknown = JSON.parse(decoding.readVarString(decoder))
    return isThreadEvent(event) ? event : null
  } catch {
    return null
  }
}

function isThreadEvent(value: unknown): value is ThreadEvent {
  if (typeof value !== 'object' || value === null) return false
  const event = value as Record<string, unknown>
  switch (event.kind) {
    case 'snapshot':
      return Array.isArray(event.threads)
    case 'upsert':
      return typeof event.thread === 'object' && event.thread !== null
    case 'delete':
      return typeof event.threadId === 'string'
    default:
      return false
  }
}
