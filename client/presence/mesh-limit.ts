/**
 * When a room's presence leaves the WebRTC mesh for the server, and when it comes back
 * (docs/operations.md, "When WebRTC's mesh stops being worth it"). A pure function of the room
 * size the signalling server counts, so every peer in a topic reaches the same answer from the
 * same messages; the hysteresis band keeps a room at the edge from tearing down and rebuilding
 * its mesh each time someone reloads a tab.
 */
export const MeshState = {
  /** Data channels between every pair of peers. */
  Mesh: 'mesh',
  /** The room is too big: no data channels, presence through the server. */
  Relay: 'relay',
} as const
export type MeshState = (typeof MeshState)[keyof typeof MeshState]

/** Throws unless `limit` is a whole number of peers (0 or more) or Infinity (no limit). */
export function assertMeshPeerLimit(limit: number): void {
  if ((Number.isInteger(limit) && limit >= 0) || limit === Number.POSITIVE_INFINITY) return
  throw new RangeError(`meshPeerLimit must be a whole number of peers (0 or more) or Infinity, got ${limit}`)
}

/**
 * The room size at or below which a room in `relay` returns to the mesh: a quarter of the limit
 * below it (at least one peer), so one person leaving and coming back does not flip the room.
 */
export function meshReturnSize(limit: number): number {
  if (limit === Number.POSITIVE_INFINITY) return limit
  return limit - Math.max(1, Math.floor(limit / 4))
}

/**
 * The state after the room is seen at `roomSize` peers (the server's count, this peer included):
 * beyond `limit`, relay; at or below meshReturnSize(limit), mesh; in between, unchanged (null
 * stays null: a peer that has just joined a room in the band learns its state from the others).
 */
export function nextMeshState(current: MeshState | null, roomSize: number, limit: number): MeshState | null {
  if (roomSize > limit) return MeshState.Relay
  if (roomSize <= meshReturnSize(limit)) return MeshState.Mesh
  return current
}

/**
 * Follows one room's mesh state from what signalling shows every peer. Counts from fan-outs
 * (an announce to everyone, a leave) reach every peer in the same order, so peers that were in
 * the room step in lockstep. A peer that has just joined has no history: it decides from the
 * count when the count is outside the band, and otherwise adopts the state that the peers
 * answering its announce report (theirs already includes the history it missed).
 */
export class MeshSwitch {
  private current: MeshState | null = null

  /** `limit`: peers a room may hold and keep its mesh (a whole number, or Infinity for no limit). */
  constructor(private readonly limit: number) {
    assertMeshPeerLimit(limit)
  }

  /** Null until this peer knows (it behaves as in the mesh meanwhile: a room in the band is at most `limit`). */
  get state(): MeshState | null {
    return this.current
  }

  /** True unless the room is beyond the limit (data channels may open). */
  get isMeshing(): boolean {
    return this.current !== MeshState.Relay
  }

  /** A message every peer of the topic received (an announce to all, a leave) with the room's size. */
  onFanOut(roomSize: number): MeshState | null {
    this.current = nextMeshState(this.current, roomSize, this.limit)
    return this.current
  }

  /**
   * A message to this peer only, with the room's size and, for an answer to our announce, the
   * sender's state. Only a peer that does not know its state yet learns from it: a count seen by
   * one peer alone must not move a room that the others keep where it is. (A fan-out this peer
   * saw before the answer either left the band, and decided this peer already, or did not, and
   * changed nothing: the answer is never older than what this peer knows.)
   */
  onDirect(roomSize: number, senderState: MeshState | undefined): MeshState | null {
    if (this.current !== null) return this.current
    this.current = nextMeshState(null, roomSize, this.limit) ?? senderState ?? null
    return this.current
  }

  /** Signalling dropped: fan-outs may be missed until it is back, so this peer starts over. */
  reset(): void {
    this.current = null
  }
}
