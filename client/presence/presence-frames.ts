import { fromBase64 as lib0FromBase64, toBase64 as lib0ToBase64 } from 'lib0/buffer'
import { awarenessFrame, decodeFrame } from '../../shared/protocol/frames.js'
import { MessageType } from '../../shared/protocol/message-type.js'

/**
 * Data-channel framing: y-webrtc's, which is the y-websocket frame grammar (shared/protocol/frames.ts),
 * so a capture reads the same. Only Awareness frames are ever sent; document sync (type 0) is never
 * sent nor applied, so a view-only user cannot edit through a peer.
 */
export function encodePresenceFrame(update: Uint8Array): Uint8Array {
  return awarenessFrame(update)
}

/** The awareness update in a frame, or null for any other (or undecodable) frame. */
export function decodePresenceFrame(frame: Uint8Array): Uint8Array | null {
  const decoded = decodeFrame(frame)
  return decoded?.type === MessageType.Awareness ? decoded.update : null
}

/** The signalling relay carries awareness updates as base64 in its JSON messages. */
export function toBase64(bytes: Uint8Array): string {
  return lib0ToBase64(bytes)
}

/** Inverse of toBase64; null for text that is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  try {
    return lib0FromBase64(text)
  } catch {
    return null
  }
}
