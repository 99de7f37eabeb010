import { ErrorCode, SyncError } from '../../shared/errors.js'
import { countEntriesOf, readAwarenessUpdate, writeAwarenessUpdate } from '../../shared/protocol/awareness-update.js'
import type { Principal } from '../auth/authenticator.js'
import { Role } from '../../shared/roles.js'

export interface AwarenessPin {
  /** The one awareness client id this connection may speak for, fixed by its first update. */
  clientId: number | null
  /** A reader's last state let through (cursor removed), to drop repeats of it. */
  readerState?: string
  /** When that state was let through (ms, the guard's clock). */
  readerStateAt?: number
}

/**
 * A reader's unchanged presence is let through this often: other clients drop a state not renewed
 * for 30 s (y-protocols' outdatedTimeout), and stock clients renew every 15 s.
 */
export const READER_RENEWAL_MS = 10_000

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
  now: () => number = Date.now,
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
    const state = principal.isVerified ? stampIdentity(entry.state, principal) : entry.state
    if (principal.role === Role.View) {
      const readerState = withoutCursor(state)
      if (!isReaderNews(pin, readerState, now())) continue
      entries[kept++] = { ...entry, state: readerState }
    } else {
      entries[kept++] = state === entry.state ? entry : { ...entry, state }
    }
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

/**
 * Readers' cursors are not shared (docs/operations.md, "Presence at scale"): a view link cannot
 * edit, so where its caret stands is noise to the writers, and in a big room of readers their
 * moving cursors were most of the presence traffic. The rest of a reader's presence (name, colour)
 * still shows in everyone's presence list.
 */
function withoutCursor(stateJson: string): string {
  const state: unknown = JSON.parse(stateJson)
  if (state === null || typeof state !== 'object' || Array.isArray(state) || !('cursor' in state)) return stateJson
  const { cursor: _cursor, ...rest } = state as Record<string, unknown>
  return JSON.stringify(rest)
}

/** A reader's state goes on when it changed (joined, renamed, left) or is due for renewal; repeats are dropped. */
function isReaderNews(pin: AwarenessPin, state: string, at: number): boolean {
  const isRepeat =
    state === pin.readerState && pin.readerStateAt !== undefined && at - pin.readerStateAt < READER_RENEWAL_MS
  if (isRepeat) return false
  pin.readerState = state
  pin.readerStateAt = at
  return true
}
