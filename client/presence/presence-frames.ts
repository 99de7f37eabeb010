import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/**
 * Data-channel framing: y-webrtc's (a varuint message type, then the payload), so a capture reads
 * the same. Only awareness (1) is ever sent; document sync (0) is never sent nor applied, so a
 * view-only user cannot edit through a peer.
 */
export const PresenceFrameType = {
  Awareness: 1,
} as const
export type PresenceFrameType = (typeof PresenceFrameType)[keyof typeof PresenceFrameType]

export function encodePresenceFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, PresenceFrameType.Awareness)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** The awareness update in a frame, or null for any other (or undecodable) frame. */
export function decodePresenceFrame(frame: Uint8Array): Uint8Array | null {
  try {
    const decoder = decoding.createDecoder(frame)
    if (decoding.readVarUint(decoder) !== PresenceFrameType.Awareness) return null
    return decoding.readVarUint8Array(decoder)
  } catch {
    return null
  }
}

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export function fromBase64(text: string): Uint8Array | null {
  try {
    const binary = atob(text)
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return bytes
  } catch {
    return null
  }
}
