/**
 * Where cursors and names travel (docs/protocol.md, "Presence over WebRTC").
 * - `auto`: peer-to-peer data channels where they open, the server relay for every other peer, and
 *   the sync socket for peers that only speak y-websocket (stock clients, `server` mode).
 * - `webrtc`: the same without the sync-socket path, for deployments where every client is Tandem's.
 * - `server`: the sync socket only (plain y-websocket awareness); WebRTC code is never loaded.
 * - `off`: no presence sent or shown.
 */
export const PresenceMode = {
  Auto: 'auto',
  WebRtc: 'webrtc',
  Server: 'server',
  Off: 'off',
} as const
export type PresenceMode = (typeof PresenceMode)[keyof typeof PresenceMode]

/** True when presence rides the sync socket's own awareness (no separate awareness is needed). */
export function usesSyncAwareness(mode: PresenceMode): boolean {
  return mode === PresenceMode.Server
}
