import * as encoding from 'lib0/encoding'
import type { Awareness } from 'y-protocols/awareness'
import { MessageType } from '../../shared/protocol/message-type.js'
import { PRESENCE_TICK_MAX_FACTOR, PRESENCE_TICK_ROOM_SIZE } from '../../shared/limits.js'
import { TickThrottle, type TickClock } from '../../shared/tick-throttle.js'

/**
 * The presence tick of a room of `connections`: `baseTickMs` up to PRESENCE_TICK_ROOM_SIZE
 * connections, then growing in proportion up to PRESENCE_TICK_MAX_FACTOR times it (0 stays 0).
 */
export function presenceTickMs(baseTickMs: number, connections: number): number {
  const factor = Math.min(PRESENCE_TICK_MAX_FACTOR, Math.max(1, connections / PRESENCE_TICK_ROOM_SIZE))
  return baseTickMs * factor
}

/** One tick's awareness changes, ready to send: what each recipient gets, what other instances get. */
export interface CoalescedAwareness {
  /**
   * The Awareness frame for `recipient`: every changed client's latest state but the ones whose
   * latest change came from `recipient` itself (nobody is sent their own presence back); null when
   * that leaves nothing.
   */
  frameFor(recipient: unknown): Uint8Array | null
  /** The awareness update of the changes made on this instance (for pub/sub), or null. */
  readonly localUpdate: Uint8Array | null
}

interface PendingChange {
  /** Origin of the latest change: the connection it came from, null, 'timeout', RemoteOrigin... */
  origin: unknown
  /** Made on this instance (by one of its clients, or its own removal of one), so published. */
  isLocal: boolean
}

/**
 * Collects a room's awareness changes for one tick and hands them out as one merged frame
 * (docs/protocol.md, "Presence"). A client that moved ten times in a tick is sent once, with its
 * latest state and clock; a removal is a state like any other (null, with the clock that removed
 * it), so it is never lost and never overtaken: whatever the Awareness holds at the flush is the
 * newest thing that happened to each client. Stock clients decode the frame as any y-protocols
 * update with several entries.
 */
export class AwarenessCoalescer {
  private pending = new Map<number, PendingChange>()
  private readonly throttle: TickThrottle

  constructor(
    private readonly awareness: Awareness,
    tickMs: number | (() => number),
    private readonly deliver: (batch: CoalescedAwareness) => void,
    clock?: TickClock,
  ) {
    this.throttle = new TickThrottle(tickMs, this.flush, clock)
  }

  /** Notes that `clientIds` changed, the latest change coming from `origin`. */
  add(clientIds: readonly number[], origin: unknown, isLocal: boolean): void {
    for (const id of clientIds) {
      // Re-inserted so the frame lists clients in the order of their latest change.
      this.pending.delete(id)
      this.pending.set(id, { origin, isLocal })
    }
    if (clientIds.length > 0) this.throttle.poke()
  }

  /** Sends whatever is pending now, without waiting for the tick. */
  flushNow(): void {
    this.throttle.flushNow()
  }

  /** Stops: nothing pending is sent (the room is going away). */
  stop(): void {
    this.throttle.stop()
    this.pending.clear()
  }

  private readonly flush = (): void => {
    if (this.pending.size === 0) return
    const pending = this.pending
    this.pending = new Map()
    this.deliver(encodeBatch(this.awareness, pending))
  }
}

/**
 * Encodes every entry once and keeps where each one lies in the update's body, so a recipient
 * whose own entry must be left out gets a copy of the other slices, not a new encoding.
 */
function encodeBatch(awareness: Awareness, pending: Map<number, PendingChange>): CoalescedAwareness {
  const body = encoding.createEncoder()
  const local = encoding.createEncoder()
  let localCount = 0
  /** Byte ranges in `body` of entries per origin; only origins that are recipients matter. */
  const rangesByOrigin = new Map<unknown, Array<[number, number]>>()
  for (const [clientId, change] of pending) {
    const start = encoding.length(body)
    writeEntry(body, awareness, clientId)
    const end = encoding.length(body)
    const ranges = rangesByOrigin.get(change.origin)
    if (ranges) ranges.push([start, end])
    else rangesByOrigin.set(change.origin, [[start, end]])
    if (change.isLocal) {
      writeEntry(local, awareness, clientId)
      localCount++
    }
  }
  const bodyBytes = encoding.toUint8Array(body)
  const count = pending.size
  const shared = frameOf(count, [bodyBytes])
  const perOrigin = new Map<unknown, Uint8Array | null>()
  return {
    frameFor(recipient: unknown): Uint8Array | null {
      const own = rangesByOrigin.get(recipient)
      if (!own) return shared
      let frame = perOrigin.get(recipient)
      if (frame === undefined) {
        frame = own.length === count ? null : frameOf(count - own.length, slicesWithout(bodyBytes, own))
        perOrigin.set(recipient, frame)
      }
      return frame
    },
    localUpdate: localCount === 0 ? null : withCount(localCount, encoding.toUint8Array(local)),
  }
}

/** One entry exactly as y-protocols' encodeAwarenessUpdate writes it. */
function writeEntry(encoder: encoding.Encoder, awareness: Awareness, clientId: number): void {
  const state = awareness.getStates().get(clientId) ?? null
  const clock = awareness.meta.get(clientId)?.clock ?? 0
  encoding.writeVarUint(encoder, clientId)
  encoding.writeVarUint(encoder, clock)
  encoding.writeVarString(encoder, JSON.stringify(state))
}

function slicesWithout(body: Uint8Array, ranges: ReadonlyArray<[number, number]>): Uint8Array[] {
  const slices: Uint8Array[] = []
  let from = 0
  for (const [start, end] of ranges) {
    if (start > from) slices.push(body.subarray(from, start))
    from = end
  }
  if (from < body.byteLength) slices.push(body.subarray(from))
  return slices
}

function withCount(count: number, body: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, count)
  encoding.writeUint8Array(encoder, body)
  return encoding.toUint8Array(encoder)
}

/** An Awareness frame (frames.ts grammar) whose update holds `count` entries given as byte slices. */
function frameOf(count: number, slices: readonly Uint8Array[]): Uint8Array {
  const update = encoding.createEncoder()
  encoding.writeVarUint(update, count)
  for (const slice of slices) encoding.writeUint8Array(update, slice)
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update))
  return encoding.toUint8Array(encoder)
}
