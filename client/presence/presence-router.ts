import { Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import { MESH_PEER_LIMIT, PRESENCE_THROTTLE_MS } from '../../shared/limits.js'
import { serverEndpoints } from '../transport/server-url.js'
import { assertMeshPeerLimit } from './mesh-limit.js'
import { PresenceMode, usesSyncAwareness } from './presence-mode.js'
import type { WebRtcPresence } from './webrtc-presence.js'

export interface PresenceRouterOptions {
  /** Where presence travels (see PresenceMode). */
  mode: PresenceMode
  /** The document, which is also the signalling topic. */
  docId: string
  /** The provider's `serverUrl`; signalling is at `<same base>/signal`. */
  serverUrl: string
  /** Called before every signalling connection attempt. */
  token: () => Promise<string | undefined>
  /** The awareness the editor reads and writes (cursors, names). */
  awareness: Awareness
  /** Local presence is sent at most this often (default PRESENCE_THROTTLE_MS). */
  throttleMs?: number
  /**
   * Peers a room may hold and keep its WebRTC mesh (default MESH_PEER_LIMIT; Infinity for no
   * limit); beyond it presence goes through the server, the sync socket in `auto` mode.
   */
  meshPeerLimit?: number
}

/**
 * Set in the state this client mirrors onto the sync socket while its presence also goes through
 * signalling (data channels, relay): peers that get it there ignore the mirror (they have the
 * original), y-websocket-only peers show it (they ignore the extra field). False while signalling
 * is down or the room is beyond its mesh limit: then every peer shows the sync socket's copy.
 */
export const SIGNALLED_MARKER = 'tandemSignalled'

/** How long a starting client waits for signalling before its presence falls back to the sync socket. */
const SIGNALLING_GRACE_MS = 3_000

/** Origin of states imported from the sync socket into the editor's awareness. */
const SYNC_ORIGIN = 'tandem-sync-presence'

/**
 * Routes the editor's presence (docs/protocol.md, "Presence over WebRTC"). In `auto` and `webrtc`
 * modes the sync socket's awareness stays empty and presence goes through WebRtcPresence (data
 * channels, relay for the rest), loaded lazily so `server` mode never downloads it. In `auto`
 * mode the sync socket still carries this client's presence while there are peers only it
 * reaches (stock y-websocket clients, `server` mode), while signalling is down, and while the
 * room is beyond its mesh limit (then every Tandem peer is on the sync socket, coalesced there).
 */
export class PresenceRouter {
  readonly mode: PresenceMode
  /**
   * The awareness to give the sync provider: the editor's own in `server` mode; otherwise a separate
   * one that stays empty unless someone can only see us through the sync socket.
   */
  readonly syncAwareness: Awareness
  /** Resolves once the WebRTC layer is loaded (immediately in `server` and `off` modes). */
  readonly ready: Promise<void>
  private webrtc: WebRtcPresence | null = null
  private readonly imported = new Set<number>()
  private readonly throttleMs: number
  private readonly meshPeerLimit: number
  private timer: ReturnType<typeof setTimeout> | undefined
  private lastFlushAt = 0
  private hiddenState: Record<string, unknown> | null = null
  private readonly graceTimer: ReturnType<typeof setTimeout> | undefined
  private isGraceOver = false
  private isDestroyed = false
  /** What WebRtcPresence.carriesPresence was at the last status change. */
  private didPeersCarry = false

  constructor(private readonly options: PresenceRouterOptions) {
    this.mode = options.mode
    // Checked here, not when the WebRTC chunk loads, so a bad value fails where it is passed.
    this.meshPeerLimit = options.meshPeerLimit ?? MESH_PEER_LIMIT
    assertMeshPeerLimit(this.meshPeerLimit)
    this.throttleMs = options.throttleMs ?? PRESENCE_THROTTLE_MS
    const { awareness } = options
    const syncAwareness = usesSyncAwareness(this.mode) ? awareness : new Awareness(awareness.doc)
    this.syncAwareness = syncAwareness
    if (syncAwareness === awareness) {
      this.ready = Promise.resolve()
      return
    }
    // Nothing rides the sync socket unless mirror() decides it must.
    syncAwareness.setLocalState(null)
    if (this.mode === PresenceMode.Off) {
      this.ready = Promise.resolve()
      return
    }
    awareness.on('update', this.onLocalUpdate)
    // 'update', not 'change': a peer's unchanged state renewed every 15 s must renew our copy, or
    // the editor's awareness drops an idle peer after its 30 s timeout.
    if (this.mode === PresenceMode.Auto) syncAwareness.on('update', this.onSyncChange)
    if (typeof window !== 'undefined') {
      window.addEventListener('pagehide', this.onPageHide)
      window.addEventListener('pageshow', this.onPageShow)
    }
    this.ready = this.loadWebRtc().catch((error: unknown) => {
      // A chunk that fails to load (deploy in progress, offline): presence falls back to the sync socket.
      console.warn('tandem presence: the WebRTC layer could not be loaded', error)
    })
    // Give signalling a moment before falling back to the sync socket, so a normal start puts
    // nothing there; without signalling (blocked, refused) the sync socket carries presence.
    this.graceTimer = setTimeout(() => {
      this.isGraceOver = true
      this.mirror()
    }, SIGNALLING_GRACE_MS)
  }

  /** The WebRTC layer, once loaded (null in `server` and `off` modes). */
  get peerToPeer(): WebRtcPresence | null {
    return this.webrtc
  }

  /** Stops sending and forgets every remote presence this router brought in. */
  destroy(): void {
    if (this.isDestroyed) return
    this.isDestroyed = true
    clearTimeout(this.timer)
    clearTimeout(this.graceTimer)
    const { awareness } = this.options
    const { syncAwareness } = this
    awareness.off('update', this.onLocalUpdate)
    syncAwareness.off('update', this.onSyncChange)
    if (typeof window !== 'undefined') {
      window.removeEventListener('pagehide', this.onPageHide)
      window.removeEventListener('pageshow', this.onPageShow)
    }
    this.webrtc?.destroy()
    this.webrtc = null
    const ids = [...this.imported].filter((id) => awareness.getStates().has(id))
    if (ids.length > 0) removeAwarenessStates(awareness, ids, SYNC_ORIGIN)
    if (syncAwareness !== awareness) syncAwareness.destroy()
  }

  private async loadWebRtc(): Promise<void> {
    // A dynamic import: bundlers split the WebRTC layer out of the editor's chunk.
    const { WebRtcPresence } = await import('./webrtc-presence.js')
    if (this.isDestroyed) return
    const { httpBase } = serverEndpoints(this.options.serverUrl)
    this.webrtc = new WebRtcPresence({
      docId: this.options.docId,
      signalUrl: `${httpBase.replace(/^http/, 'ws')}/signal`,
      token: this.options.token,
      awareness: this.options.awareness,
      allowPeerToPeer: typeof RTCPeerConnection === 'function',
      meshPeerLimit: this.meshPeerLimit,
      // `webrtc` mode has no sync-socket path: beyond the limit the signalling relay carries everything.
      relaysBeyondMeshLimit: this.mode === PresenceMode.WebRtc,
      onStatus: () => this.onPeerPathStatus(),
    })
  }

  /** Signalling opened or closed, or the room crossed its mesh limit: send where presence now goes. */
  private onPeerPathStatus(): void {
    const doPeersCarry = this.webrtc?.carriesPresence ?? false
    if (this.didPeersCarry && !doPeersCarry && this.mode === PresenceMode.Auto) {
      // The copies on the sync socket we skipped (we had the originals) are now the ones to show.
      for (const [id, state] of this.syncAwareness.getStates()) {
        if (id !== this.syncAwareness.clientID) this.importState(id, withoutMarker(state))
      }
    }
    this.didPeersCarry = doPeersCarry
    this.schedule(true)
  }

  private readonly onLocalUpdate = (
    { added, updated }: { added: number[]; updated: number[] },
    origin: unknown,
  ): void => {
    if (origin !== 'local') {
      // Remote states are never forwarded (no flooding). One that arrived over WebRTC or the
      // relay is no longer the sync socket's to remove.
      if (origin !== SYNC_ORIGIN) for (const id of [...added, ...updated]) this.imported.delete(id)
      return
    }
    // A removed local state (leaving) goes out at once; cursor moves are throttled.
    this.schedule(this.options.awareness.getLocalState() === null)
  }

  /** Sends now when the last send is old enough (or `isUrgent`), else once the throttle window ends. */
  private schedule(isUrgent = false): void {
    if (this.isDestroyed) return
    const wait = this.lastFlushAt + this.throttleMs - Date.now()
    if (isUrgent || wait <= 0) return this.flush()
    this.timer ??= setTimeout(() => this.flush(), wait)
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.isDestroyed) return
    this.lastFlushAt = Date.now()
    const { awareness } = this.options
    this.webrtc?.broadcast(encodeAwarenessUpdate(awareness, [awareness.clientID]))
    this.mirror()
  }

  /** Puts this client's presence on the sync socket exactly when someone can only see it there. */
  private mirror(): void {
    if (this.mode !== PresenceMode.Auto || this.isDestroyed) return
    const { awareness } = this.options
    const { syncAwareness } = this
    const isSignalled = this.webrtc?.isSignalled ?? false
    if (!isSignalled && !this.isGraceOver) return
    const doPeersCarry = this.webrtc?.carriesPresence ?? false
    const local = awareness.getLocalState()
    if (local !== null && (!doPeersCarry || this.hasSyncOnlyPeers())) {
      const mirrored = { ...local, [SIGNALLED_MARKER]: doPeersCarry }
      // Called on every frame from the sync socket: sending an unchanged state again would make
      // each move in a room on the sync socket echo from every peer.
      if (JSON.stringify(syncAwareness.getLocalState()) !== JSON.stringify(mirrored)) {
        syncAwareness.setLocalState(mirrored)
      }
    } else if (syncAwareness.getLocalState() !== null) {
      syncAwareness.setLocalState(null)
    }
  }

  /** Peers on the sync socket that signalling does not reach (and Tandem peers whose presence is there only). */
  private hasSyncOnlyPeers(): boolean {
    const { syncAwareness } = this
    for (const [id, state] of syncAwareness.getStates()) {
      if (id !== syncAwareness.clientID && state[SIGNALLED_MARKER] !== true) return true
    }
    return false
  }

  private readonly onSyncChange = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin === 'local') return
    const { syncAwareness } = this
    const doPeersCarry = this.webrtc?.carriesPresence ?? false
    for (const id of [...added, ...updated]) {
      const state = syncAwareness.getStates().get(id)
      if (id === syncAwareness.clientID || !state) continue
      // A signalled peer's mirror: we have the original through signalling.
      if (state[SIGNALLED_MARKER] === true && doPeersCarry) continue
      this.importState(id, withoutMarker(state))
    }
    for (const id of removed) {
      if (!this.imported.has(id)) continue
      // A peer back in the mesh clears its mirror: its presence comes through signalling now (and
      // so will its leave); removing it here would blank its cursor until its next move arrives.
      if (doPeersCarry && this.webrtc?.speaksFor(id)) this.imported.delete(id)
      else this.removeImported(id)
    }
    // Who can only be reached through the sync socket may have changed.
    this.mirror()
  }

  /**
   * Copies a sync-socket state into the editor's awareness without taking over its clock: the
   * same client's later updates over WebRTC carry their own clock and must still apply.
   */
  private importState(id: number, state: Record<string, unknown>): void {
    const { awareness } = this.options
    const known = awareness.states.get(id)
    awareness.meta.set(id, { clock: awareness.meta.get(id)?.clock ?? 0, lastUpdated: Date.now() })
    this.imported.add(id)
    // A renewal of an unchanged state only keeps it alive (no redraw of every caret each 15 s).
    if (known !== undefined && JSON.stringify(known) === JSON.stringify(state)) return
    const isKnown = known !== undefined
    awareness.states.set(id, state)
    const changes = { added: isKnown ? [] : [id], updated: isKnown ? [id] : [], removed: [] }
    awareness.emit('change', [changes, SYNC_ORIGIN])
    awareness.emit('update', [changes, SYNC_ORIGIN])
  }

  private removeImported(id: number): void {
    const { awareness } = this.options
    this.imported.delete(id)
    // Forget its clock too: its next update over WebRTC or the relay must apply even if unchanged.
    awareness.meta.delete(id)
    if (!awareness.states.delete(id)) return
    const changes = { added: [], updated: [], removed: [id] }
    awareness.emit('change', [changes, SYNC_ORIGIN])
    awareness.emit('update', [changes, SYNC_ORIGIN])
  }

  private readonly onPageHide = (): void => {
    // Peers remove our cursor now; the signalling socket closing confirms it a moment later.
    const { awareness } = this.options
    this.hiddenState = awareness.getLocalState()
    if (this.hiddenState !== null) awareness.setLocalState(null)
  }

  private readonly onPageShow = (event: PageTransitionEvent): void => {
    // Back from the back/forward cache: show ourselves again.
    if (event.persisted && this.hiddenState !== null) this.options.awareness.setLocalState(this.hiddenState)
    this.hiddenState = null
  }
}

/** A sync-socket state without the router's marker, as the editor shows it. */
function withoutMarker(state: Record<string, unknown>): Record<string, unknown> {
  const { [SIGNALLED_MARKER]: _marker, ...rest } = state
  return rest
}
