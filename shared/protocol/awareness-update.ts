import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/**
 * The y-protocols awareness update, the body of an Awareness frame (and of a WebRTC presence
 * frame):
 *
 *   update = varuint(count) { varuint(clientId) varuint(clock) varString(state as JSON) }×count
 *
 * y-protocols reads and writes it only through an `Awareness` instance; code that must look inside
 * an update without one (to re-announce our own state, to filter or stamp a peer's) uses this.
 */

/** One client's entry in an awareness update. */
export interface AwarenessEntry {
  /** The Y.Doc client id the state belongs to. */
  readonly clientId: number
  /** Increases with every change of that client's state; a receiver ignores a clock it has seen. */
  readonly clock: number
  /** The state as JSON text; `'null'` means the client left. */
  readonly state: string
}

export function writeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.state)
  }
  return encoding.toUint8Array(encoder)
}

/** The entries of `update`, in order; null when it is truncated or a state is not UTF-8. */
export function readAwarenessUpdate(update: Uint8Array): AwarenessEntry[] | null {
  try {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    const entries: AwarenessEntry[] = []
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      entries.push({ clientId, clock, state: decoding.readVarString(decoder) })
    }
    return entries
  } catch {
    return null
  }
}

/**
 * How many entries of `update` belong to `clientId`, reading no state (each is skipped by its
 * length); null when the update is truncated. Lets the server drop an echo of other clients'
 * states without decoding them.
 */
export function countEntriesOf(update: Uint8Array, clientId: number): number | null {
  try {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    let own = 0
    for (let i = 0; i < count; i++) {
      if (decoding.readVarUint(decoder) === clientId) own++
      decoding.readVarUint(decoder) // clock
      const stateBytes = decoding.readVarUint(decoder)
      if (decoder.pos + stateBytes > update.byteLength) return null
      decoder.pos += stateBytes
    }
    return own
  } catch {
    return null
  }
}
