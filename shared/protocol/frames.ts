import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { AuthMessageType, MessageType, SyncMessageType } from './message-type.js'

/**
 * The y-websocket frame grammar, as both sides read and write it (docs/protocol.md, "Frames"):
 *
 *   frame        = varuint(messageType) body
 *   Sync (0)     = varuint(syncType) varUint8Array(payload)       syncType: 0 step 1, 1 step 2, 2 update
 *   Awareness (1)= varUint8Array(awareness update)                 see awareness-update.ts
 *   Auth (2)     = varuint(0 = permission denied) varString(reason)
 *   QueryAwareness (3) = (nothing)
 *   Ack (100)    = varuint(count)
 *   RefreshToken (101) = varString(token)
 *
 * Receivers ignore bytes after the body, as y-protocols does. The builders allocate one encoder and
 * one result each; the peeks (`messageTypeOf`, `isUpdateBearingFrame`, `isSyncStep1Frame`) read
 * bytes in place, so the server's per-frame paths allocate nothing to classify a frame.
 */

/** One decoded frame; sub-arrays are views into the frame's bytes, not copies. */
export type Frame =
  | { readonly type: typeof MessageType.Sync; readonly syncType: SyncMessageType; readonly payload: Uint8Array }
  | { readonly type: typeof MessageType.Awareness; readonly update: Uint8Array }
  | { readonly type: typeof MessageType.Auth; readonly reason: string }
  | { readonly type: typeof MessageType.QueryAwareness }
  | { readonly type: typeof MessageType.Ack; readonly count: number }
  | { readonly type: typeof MessageType.RefreshToken; readonly token: string }

export function syncFrame(syncType: SyncMessageType, payload: Uint8Array): Uint8Array {
  const encoder = startFrame(MessageType.Sync)
  encoding.writeVarUint(encoder, syncType)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

export function awarenessFrame(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = startFrame(MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, awarenessUpdate)
  return encoding.toUint8Array(encoder)
}

/** y-websocket's permission-denied message: the change was refused, the connection stays open. */
export function permissionDeniedFrame(reason: string): Uint8Array {
  const encoder = startFrame(MessageType.Auth)
  encoding.writeVarUint(encoder, AuthMessageType.PermissionDenied)
  encoding.writeVarString(encoder, reason)
  return encoding.toUint8Array(encoder)
}

/** "Send me every awareness state you know." */
export function queryAwarenessFrame(): Uint8Array {
  return encoding.toUint8Array(startFrame(MessageType.QueryAwareness))
}

/** "The first `count` update-bearing frames you sent on this connection are durable." */
export function ackFrame(count: number): Uint8Array {
  const encoder = startFrame(MessageType.Ack)
  encoding.writeVarUint(encoder, count)
  return encoding.toUint8Array(encoder)
}

/** A fresh token replacing the one the connection opened with. */
export function refreshTokenFrame(token: string): Uint8Array {
  const encoder = startFrame(MessageType.RefreshToken)
  encoding.writeVarString(encoder, token)
  return encoding.toUint8Array(encoder)
}

/** An encoder holding the message type; the caller writes the body. */
function startFrame(type: MessageType): encoding.Encoder {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, type)
  return encoder
}

/**
 * The frame's message type without decoding the rest; null for an empty frame or an unterminated
 * varuint. Every defined type is below 128, so one byte almost always answers.
 */
export function messageTypeOf(frame: Uint8Array): number | null {
  const first = frame[0]
  if (first === undefined) return null
  if (first < 0x80) return first
  try {
    return decoding.readVarUint(decoding.createDecoder(frame))
  } catch {
    return null
  }
}

/** True for Sync + SyncStep2 or Sync + Update: the frames that change a document and are acknowledged. */
export function isUpdateBearingFrame(frame: Uint8Array): boolean {
  return (
    frame.length >= 2 &&
    frame[0] === MessageType.Sync &&
    (frame[1] === SyncMessageType.Step2 || frame[1] === SyncMessageType.Update)
  )
}

/** True for Sync + SyncStep1 (a state vector asking for what the sender lacks). */
export function isSyncStep1Frame(frame: Uint8Array): boolean {
  return frame.length >= 2 && frame[0] === MessageType.Sync && frame[1] === SyncMessageType.Step1
}

/**
 * The frame, decoded; null when it is truncated, its type or sub-type is not one of the above, or a
 * string is not UTF-8. Never throws: every byte from the other side is untrusted.
 */
export function decodeFrame(frame: Uint8Array): Frame | null {
  try {
    const decoder = decoding.createDecoder(frame)
    const type = decoding.readVarUint(decoder)
    switch (type) {
      case MessageType.Sync: {
        const syncType = decoding.readVarUint(decoder)
        if (!isSyncMessageType(syncType)) return null
        return { type, syncType, payload: decoding.readVarUint8Array(decoder) }
      }
      case MessageType.Awareness:
        return { type, update: decoding.readVarUint8Array(decoder) }
      case MessageType.Auth:
        if (decoding.readVarUint(decoder) !== AuthMessageType.PermissionDenied) return null
        return { type, reason: decoding.readVarString(decoder) }
      case MessageType.QueryAwareness:
        return { type }
      case MessageType.Ack:
        return { type, count: decoding.readVarUint(decoder) }
      case MessageType.RefreshToken:
        return { type, token: decoding.readVarString(decoder) }
      default:
        return null
    }
  } catch {
    return null
  }
}

function isSyncMessageType(value: number): value is SyncMessageType {
  return value === SyncMessageType.Step1 || value === SyncMessageType.Step2 || value === SyncMessageType.Update
}
