import type { Awareness } from 'y-protocols/awareness'
import { TickThrottle, type TickClock } from '../../shared/tick-throttle.js'

/** What y-websocket calls with awareness changes to send them (its `_awarenessUpdateHandler`). */
export type AwarenessSend = (
  changes: { added: number[]; updated: number[]; removed: number[] },
  origin: unknown,
) => void

/**
 * Sends this client's own awareness at most once per tick however fast the cursor moves
 * (docs/operations.md, "Presence at scale"): the first change after a quiet tick goes at once, so
 * a single move is not delayed; later ones within the tick are sent once at its end, with the
 * latest state. Leaving (our state removed) goes at once.
 *
 * y-websocket sends every awareness change it sees, other clients' included: each frame the server
 * relays would come straight back to it (the server drops entries a connection does not own, see
 * server/sync/awareness-guard.ts, but still decodes them). Only our own state is ours to send.
 */
export class AwarenessSender {
  private readonly throttle: TickThrottle

  constructor(
    private readonly awareness: Awareness,
    private readonly send: AwarenessSend,
    tickMs: number,
    clock?: TickClock,
  ) {
    this.throttle = new TickThrottle(tickMs, this.flush, clock)
    awareness.on('update', this.onUpdate)
  }

  /** Stops sending; a change still waiting for its tick is dropped. */
  destroy(): void {
    this.throttle.stop()
    this.awareness.off('update', this.onUpdate)
  }

  private readonly onUpdate = ({
    added,
    updated,
    removed,
  }: {
    added: number[]
    updated: number[]
    removed: number[]
  }): void => {
    const own = this.awareness.clientID
    if (!added.includes(own) && !updated.includes(own) && !removed.includes(own)) return
    if (this.awareness.getLocalState() === null) this.throttle.flushNow()
    else this.throttle.poke()
  }

  private readonly flush = (): void => {
    // Encodes whatever our state is now: a removed state is sent as null with its clock.
    this.send({ added: [], updated: [this.awareness.clientID], removed: [] }, 'local')
  }
}
