import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { decodeAttribution, encodeAttribution, type Attribution } from './attribution.js'

/**
 * The bytes a version store keeps for one version: the document's Yjs state and its attribution
 * (attribution.ts), in one value, so every storage backend keeps both without a schema change.
 *
 * Layout: MAGIC, then the state and the attribution, each as a length-prefixed byte array.
 * Versions recorded before attribution existed are a bare Yjs V1 update. Such an update never
 * starts with MAGIC: its first byte counts the clients whose items it holds, which is 0 only for
 * an empty document, and an empty document's update is the two bytes [0, 0].
 */
const MAGIC = Uint8Array.from([0x00, 0x54, 0x44, 0x56, 0x01]) // \0 T D V 1

export interface VersionRecord {
  /** The whole document as a Yjs V1 update. */
  state: Uint8Array
  /** Who made what, up to this version; null for versions recorded before attribution was kept. */
  attribution: Attribution | null
}

export function encodeVersionRecord(state: Uint8Array, attribution: Attribution): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8Array(encoder, MAGIC)
  encoding.writeVarUint8Array(encoder, state)
  encoding.writeVarUint8Array(encoder, encodeAttribution(attribution))
  return encoding.toUint8Array(encoder)
}

export function decodeVersionRecord(bytes: Uint8Array): VersionRecord {
  if (bytes.byteLength <= MAGIC.byteLength || !MAGIC.every((byte, i) => bytes[i] === byte)) {
    return { state: bytes, attribution: null }
  }
  const decoder = decoding.createDecoder(bytes.subarray(MAGIC.byteLength))
  const state = decoding.readVarUint8Array(decoder)
  const attribution = decodeAttribution(decoding.readVarUint8Array(decoder))
  return { state, attribution }
}
