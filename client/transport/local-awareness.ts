import {
  readAwarenessUpdate,
  writeAwarenessUpdate,
  type AwarenessEntry,
} from '../../shared/protocol/awareness-update.js'
import { awarenessFrame, decodeFrame } from '../../shared/protocol/frames.js'
import { MessageType } from '../../shared/protocol/message-type.js'

/**
 * Our own presence, as the frames we send announce it, so the ladder can announce it again when a
 * server-side session that held it ended (a switch of transport, a resync): the server removed our
 * state then, and nothing else would bring it back until the next local change.
 */
export class LocalAwareness {
  private local: AwarenessEntry | null = null

  /**
   * Notes an outgoing frame. y-websocket announces the local awareness state first thing after
   * open, alone in its frame: that names our client id. Later frames update its clock and state.
   */
  track(frame: Uint8Array): void {
    const decoded = decodeFrame(frame)
    // Not ours to judge when malformed: the server validates awareness frames.
    if (decoded?.type !== MessageType.Awareness) return
    const entries = readAwarenessUpdate(decoded.update) ?? []
    for (const entry of entries) {
      if (this.local === null && entries.length === 1) this.local = entry
      else if (this.local?.clientId === entry.clientId) this.local = entry
    }
  }

  /**
   * The frame that announces our state again, or null when there is none (never announced, or we
   * left). The server removed it without changing its clock, so the same clock would be ignored:
   * one tick later is accepted.
   */
  reannouncement(): Uint8Array | null {
    const local = this.local
    if (!local || local.state === 'null') return null
    return awarenessFrame(writeAwarenessUpdate([{ ...local, clock: local.clock + 1 }]))
  }
}
