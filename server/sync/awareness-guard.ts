import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { Principal } from '../auth/authenticator.js'

export interface AwarenessPin {
  /** The one awareness client id this connection may speak for, fixed by its first update. */
  clientId: number | null
}

/**
 * Rewrites a client's awareness update before it is applied: only entries for the connection's
 * own client id survive (the id in the frame is itself untrusted, so one client cannot move or
 * erase another's cursor), states are size-bounded, and with verified identities the user's name
 * and id come from the token, not from the client.
 */
export function guardAwarenessUpdate(
  update: Uint8Array,
  pin: AwarenessPin,
  principal: Principal,
  maxStateBytes: number,
): Uint8Array | null {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  const kept: { clientId: number; clock: number; state: string }[] = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const state = decoding.readVarString(decoder)
    if (state.length > maxStateBytes) {
      throw new SyncError(ErrorCode.FrameTooLarge, `awareness state of ${state.length} bytes exceeds ${maxStateBytes}`)
    }
    pin.clientId ??= clientId
    if (clientId !== pin.clientId) continue
    kept.push({ clientId, clock, state: principal.isVerified ? stampIdentity(state, principal) : state })
  }
  if (kept.length === 0) return null
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kept.length)
  for (const entry of kept) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.state)
  }
  return encoding.toUint8Array(encoder)
}

function stampIdentity(stateJson: string, principal: Principal): string {
  const state: unknown = JSON.parse(stateJson)
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return stateJson
  const record = state as Record<string, unknown>
  const user = record.user !== null && typeof record.user === 'object' ? (record.user as Record<string, unknown>) : {}
  const stamped = { ...user, id: principal.userId, ...(principal.name !== undefined && { name: principal.name }) }
  return JSON.stringify({ ...record, user: stamped })
}
