import { ErrorCode, SyncError } from '../../shared/errors.js'
import { countEntriesOf, readAwarenessUpdate, writeAwarenessUpdate } from '../../shared/protocol/awareness-update.js'
import type { Principal } from '../auth/authenticator.js'

export interface AwarenessPin {
  /** The one awareness client id this connection may speak for, fixed by its first update. */
  clientId: number | null
}

/**
 * Rewrites a client's awareness update before it is applied: only entries for the connection's
 * own client id survive (the id in the frame is itself untrusted, so one client cannot move or
 * erase another's cursor), states are size-bounded, and with verified identities the user's name
 * and id come from the token, not from the client. Throws a plain Error on an update that does not
 * decode (each caller names its own MalformedFrame), a SyncError on an oversized state.
 */
export function guardAwarenessUpdate(
  update: Uint8Array,
  pin: AwarenessPin,
  principal: Principal,
  maxStateBytes: number,
): Uint8Array | null {
  if (pin.clientId !== null) {
    // Stock y-websocket clients send back every awareness frame they receive: most frames in a
    // busy room hold only other clients' states, all dropped below. Those are not decoded at all
    // (nor size-checked: the frame limit bounds them, and they are never applied).
    const own = countEntriesOf(update, pin.clientId)
    if (own === null) throw new Error('truncated update')
    if (own === 0) return null
  }
  const entries = readAwarenessUpdate(update)
  if (entries === null) throw new Error('truncated update or a state that is not UTF-8')
  // The kept entries are compacted into the decoded array: no second array per update.
  let kept = 0
  for (const entry of entries) {
    if (entry.state.length > maxStateBytes) {
      throw new SyncError(
        ErrorCode.FrameTooLarge,
        `awareness state of ${entry.state.length} bytes exceeds ${maxStateBytes}`,
      )
    }
    pin.clientId ??= entry.clientId
    if (entry.clientId !== pin.clientId) continue
    entries[kept++] = principal.isVerified ? { ...entry, state: stampIdentity(entry.state, principal) } : entry
  }
  if (kept === 0) return null
  entries.length = kept
  return writeAwarenessUpdate(entries)
}

function stampIdentity(stateJson: string, principal: Principal): string {
  const state: unknown = JSON.parse(stateJson)
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return stateJson
  const record = state as Record<string, unknown>
  const user = record.user !== null && typeof record.user === 'object' ? (record.user as Record<string, unknown>) : {}
  const stamped = { ...user, id: principal.userId, ...(principal.name !== undefined && { name: principal.name }) }
  return JSON.stringify({ ...record, user: stamped })
}
