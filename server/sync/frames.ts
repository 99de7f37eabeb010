import * as encoding from 'lib0/encoding'
import { MessageType, SyncMessageType } from '../../shared/protocol/message-type.js'

/** Builders for the frames the server sends. One place, so every transport sends the same bytes. */

export function syncFrame(syncType: SyncMessageType, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  encoding.writeVarUint(encoder, syncType)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

export function awarenessFrame(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, awarenessUpdate)
  return encoding.toUint8Array(encoder)
}

/** "The first `count` update-bearing frames you sent on this connection are durable." */
export function ackFrame(count: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Ack)
  encoding.writeVarUint(encoder, count)
  return encoding.toUint8Array(encoder)
}
