import {
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
  type Awareness,
} from 'y-protocols/awareness'
import { MAX_PEERS_PER_TOPIC, PEER_RETRY_DELAY_MS } from '../../shared/limits.js'
import {
  readAwarenessUpdate,
  writeAwarenessUpdate,
  type AwarenessEntry,
} from '../../shared/protocol/awareness-update.js'
import { MeshState, MeshSwitch } from './mesh-limit.js'
import { PeerLink, type LinkSignal } from './peer-link.js'
import { decodePresenceFrame, encodePresenceFrame, fromBase64, toBase64 } from './presence-frames.js'
import { SignallingClient, type SignallingConfig } from './signalling-client.js'

export interface WebRtcPresenceOptions {
  /** The topic: exactly the document id. */
  docId: string
  /** `ws(s)://host[/prefix]/signal`. */
  signalUrl: string
  /** Called before every signalling connection attempt. */
  token: () => Promise<string | undefined>
  /** The awareness the editor uses; only its local client's state is ever sent. */
  awareness: Awareness
  /** False to never open data channels (WebRTC missing or not wanted): relay only. */
  allowPeerToPeer: boolean
  /** Peers a room may hold and keep its data channels (MESH_PEER_LIMIT; Infinity for no limit). */
  meshPeerLimit: number
  /**
   * Beyond the mesh limit: true to go on sending presence through the signalling relay (`webrtc`
   * mode); false when the sync socket takes over (`auto`: the router mirrors presence there).
   */
  relaysBeyondMeshLimit: boolean
  /** Signalling opened or closed, or the room crossed its mesh limit (see `carriesPresence`). */
  onStatus: () => void
}

/** One remote Tandem peer in the topic, known from signalling. */
interface RemotePeer {
  link: PeerLink | null
  /** The awareness client id this peer speaks for, fixed by its first update (as the server pins it). */
  clientId: number | null
  /** With verified identities: `user.id` and `user.name` as the server stamped them on a relayed update. */
  verifiedUser: { id: unknown; name: unknown } | null
  retryTimer: ReturnType<typeof setTimeout> | undefined
}

/** Counters for tests and diagnostics. */
export interface PresenceStats {
  /** Frames sent over open data channels. */
  directSends: number
  /** Relay messages published through the server (one per change, listing its recipients). */
  relayedSends: number
  /** Updates received over data channels. */
  directReceives: number
  /** Updates received through the server relay. */
  relayedReceives: number
}

/**
 * Presence over WebRTC data channels with the server relay as fallback: our own small layer on
 * RTCPeerConnection speaking y-webrtc's signalling protocol (docs/protocol.md says why not y-webrtc).
 * Each local change goes once over every open channel, plus one relay message naming exactly the
 * peers without one; received updates are never forwarded (no flooding: the relay reaches everyone
 * a channel does not). Only awareness travels; document content never does. A room of more than
 * `meshPeerLimit` peers closes its channels (MeshSwitch): every peer then goes through the server.
 */
export class WebRtcPresence {
  readonly peerId = randomPeerId()
  readonly stats: PresenceStats = { directSends: 0, relayedSends: 0, directReceives: 0, relayedReceives: 0 }
  private readonly peers = new Map<string, RemotePeer>()
  private readonly signalling: SignallingClient
  private readonly meshSwitch: MeshSwitch
  private config: SignallingConfig = {
    iceServers: [],
    isPeerToPeerEnabled: true,
    isRelayAvailable: true,
    isIdentityVerified: false,
  }
  private isDestroyed = false

  constructor(private readonly options: WebRtcPresenceOptions) {
    this.meshSwitch = new MeshSwitch(options.meshPeerLimit)
    this.signalling = new SignallingClient({
      url: options.signalUrl,
      topic: options.docId,
      token: options.token,
      onPublish: (data, roomSize) => this.onPublish(data, roomSize),
      onConfig: (config) => {
        this.config = config
        if (!config.isRelayAvailable) {
          // Peers may be on other instances: the sync socket (which crosses them) carries presence.
          this.destroy()
          options.onStatus()
          return
        }
        if (!this.canConnect) for (const peer of this.peers.values()) peer.link?.close('peer-to-peer disabled')
      },
      onStatus: (isOpen) => this.onSignallingStatus(isOpen),
    })
  }

  /** True while the signalling socket (and so the relay) is up. */
  get isSignalled(): boolean {
    return this.signalling.isOpen
  }

  /** False while the room is beyond the mesh limit: no data channel opens. */
  get isMeshing(): boolean {
    return this.meshSwitch.isMeshing
  }

  /** The room's mesh state as this peer knows it (null until signalling told it; for tests). */
  get meshState(): MeshState | null {
    return this.meshSwitch.state
  }

  /**
   * True while this layer carries our presence to the topic's peers: signalled, and either in the
   * mesh or relaying beyond it. In `auto` beyond the limit it is false: the sync socket carries it.
   */
  get carriesPresence(): boolean {
    return this.isSignalled && (this.meshSwitch.isMeshing || this.options.relaysBeyondMeshLimit)
  }

  /** True when a peer known through signalling speaks for this awareness client id. */
  speaksFor(clientId: number): boolean {
    for (const peer of this.peers.values()) if (peer.clientId === clientId) return true
    return false
  }

  /** Peer ids with an open data channel (for tests and the status UI). */
  get directPeers(): string[] {
    return [...this.peers].filter(([, peer]) => peer.link?.isOpen).map(([id]) => id)
  }

  /** Peer ids known through signalling. */
  get knownPeers(): string[] {
    return [...this.peers.keys()]
  }

  /** Sends the local client's awareness update to every peer: directly where possible, else relayed. */
  broadcast(update: Uint8Array): void {
    if (this.isDestroyed || !this.carriesPresence) return
    const frame = encodePresenceFrame(update)
    const relayTo: string[] = []
    for (const [id, peer] of this.peers) {
      if (peer.link?.send(frame)) this.stats.directSends++
      else relayTo.push(id)
    }
    this.relay(update, relayTo)
  }

  /** Leaves the topic (the server tells the others at once) and forgets every peer's presence. */
  destroy(): void {
    if (this.isDestroyed) return
    this.isDestroyed = true
    this.signalling.destroy()
    for (const id of [...this.peers.keys()]) this.removePeer(id)
  }

  private get canConnect(): boolean {
    return this.options.allowPeerToPeer && this.config.isPeerToPeerEnabled && this.meshSwitch.isMeshing
  }

  private onSignallingStatus(isOpen: boolean): void {
    if (isOpen) {
      this.signalling.publish({ type: 'announce', from: this.peerId, ...this.meshField() })
    } else {
      // Room sizes sent while we were away are lost: learn the room's state again on return.
      this.meshSwitch.reset()
      // Without signalling we hear neither relayed updates nor leave notices: keep only direct peers.
      for (const [id, peer] of this.peers) if (!peer.link?.isOpen) this.removePeer(id)
    }
    this.options.onStatus()
  }

  private onPublish(data: unknown, roomSize: number | undefined): void {
    if (this.isDestroyed || data === null || typeof data !== 'object') return
    const message = data as Record<string, unknown>
    const from = message.from
    if (typeof from !== 'string' || from === this.peerId) return
    if (message.to !== undefined && message.type !== 'awareness' && message.to !== this.peerId) return
    if (roomSize !== undefined) this.followRoomSize(message, roomSize)
    switch (message.type) {
      case 'announce': {
        const isKnown = this.peers.has(from)
        this.ensurePeer(from) // a new peer gets our full state through the relay right away
        if (message.to === undefined) {
          // A (re)joining peer: tell it we exist (and whether the room meshes), and what our presence
          // is before any channel opens.
          this.signalling.publish({ type: 'announce', from: this.peerId, to: from, ...this.meshField() })
          if (isKnown) this.sendFullState(from)
        }
        return this.maybeConnect(from)
      }
      case 'signal': {
        const signal = readLinkSignal(message.signal)
        if (!signal) return
        const peer = this.ensurePeer(from)
        if (!peer.link && signal.type === 'offer' && this.canConnect) peer.link = this.createLink(from, false)
        void peer.link?.handleSignal(signal)
        return
      }
      case 'awareness': {
        this.ensurePeer(from)
        const update = typeof message.update === 'string' ? fromBase64(message.update) : null
        if (update) {
          this.stats.relayedReceives++
          this.apply(from, update, 'relay')
        }
        return
      }
      case 'leave':
        return this.removePeer(from)
    }
  }

  /**
   * Steps the mesh switch with the server's count. Announces to everyone and leaves reach every
   * peer in the same order; other messages only teach a peer that does not know the room's state.
   */
  private followRoomSize(message: Record<string, unknown>, roomSize: number): void {
    const wasMeshing = this.meshSwitch.isMeshing
    const isFanOut = (message.type === 'announce' && message.to === undefined) || message.type === 'leave'
    if (isFanOut) {
      this.meshSwitch.onFanOut(roomSize)
    } else {
      const said = message.type === 'announce' && typeof message.mesh === 'boolean' ? message.mesh : undefined
      this.meshSwitch.onDirect(roomSize, said === undefined ? undefined : said ? MeshState.Mesh : MeshState.Relay)
    }
    if (this.meshSwitch.isMeshing === wasMeshing) return
    if (this.meshSwitch.isMeshing) {
      // Back under the limit: the lower id of each pair offers again.
      for (const id of this.peers.keys()) this.maybeConnect(id)
    } else {
      for (const peer of this.peers.values()) {
        clearTimeout(peer.retryTimer)
        peer.retryTimer = undefined
        peer.link?.close('room beyond the mesh limit')
      }
    }
    this.options.onStatus()
  }

  /** `mesh` for our announces once we know the room's state (a newcomer adopts it from the answers). */
  private meshField(): { mesh?: boolean } {
    const state = this.meshSwitch.state
    return state === null ? {} : { mesh: state === MeshState.Mesh }
  }

  /** The peer's entry; a peer met for the first time gets our full state through the relay. */
  private ensurePeer(id: string): RemotePeer {
    let peer = this.peers.get(id)
    if (!peer) {
      peer = { link: null, clientId: null, verifiedUser: null, retryTimer: undefined }
      this.peers.set(id, peer)
      this.sendFullState(id)
    }
    return peer
  }

  /** The lower peer id offers; the other waits for its offer (no glare to resolve). */
  private maybeConnect(id: string): void {
    const peer = this.peers.get(id)
    if (!peer || peer.link || peer.retryTimer !== undefined || !this.canConnect || this.peerId > id) return
    peer.link = this.createLink(id, true)
  }

  private createLink(id: string, isInitiator: boolean): PeerLink {
    const link = new PeerLink({
      isInitiator,
      iceServers: this.config.iceServers,
      sendSignal: (signal: LinkSignal) =>
        this.signalling.publish({ type: 'signal', from: this.peerId, to: id, signal }),
      onOpen: () => {
        const update = encodeAwarenessUpdate(this.options.awareness, [this.options.awareness.clientID])
        if (link.send(encodePresenceFrame(update))) this.stats.directSends++
      },
      onFrame: (frame) => {
        const update = decodePresenceFrame(frame)
        if (update) {
          this.stats.directReceives++
          this.apply(id, update, 'direct')
        }
      },
      onClose: () => {
        const peer = this.peers.get(id)
        if (!peer || peer.link !== link) return
        peer.link = null
        // Back to the relay: the peer must not miss a change made while it had no channel.
        this.sendFullState(id)
        if (isInitiator && !this.isDestroyed && this.meshSwitch.isMeshing) {
          peer.retryTimer = setTimeout(() => {
            peer.retryTimer = undefined
            this.maybeConnect(id)
          }, PEER_RETRY_DELAY_MS)
        }
      },
    })
    return link
  }

  private sendFullState(id: string): void {
    const peer = this.peers.get(id)
    if (peer?.link?.isOpen || !this.carriesPresence) return
    this.relay(encodeAwarenessUpdate(this.options.awareness, [this.options.awareness.clientID]), [id])
  }

  private relay(update: Uint8Array, to: string[]): void {
    if (to.length === 0 || !this.signalling.isOpen) return
    const encoded = toBase64(update)
    for (let i = 0; i < to.length; i += MAX_PEERS_PER_TOPIC) {
      this.signalling.publish({
        type: 'awareness',
        from: this.peerId,
        to: to.slice(i, i + MAX_PEERS_PER_TOPIC),
        update: encoded,
      })
      this.stats.relayedSends++
    }
  }

  /**
   * Applies a peer's update, keeping only entries for the one client id that peer speaks for. With
   * verified identities the server stamps names on relayed updates but cannot see data channels:
   * a direct update gets the name and id the relay showed for that peer (every peer's full state
   * is relayed once when it is met, before any channel opens), so nobody can pose as someone else.
   */
  private apply(id: string, update: Uint8Array, via: 'direct' | 'relay'): void {
    const peer = this.peers.get(id)
    if (!peer) return
    const stamp = (state: string): string | null => {
      if (!this.config.isIdentityVerified) return state
      if (via === 'relay') {
        peer.verifiedUser = readUser(state) ?? peer.verifiedUser
        return state
      }
      return peer.verifiedUser ? withUser(state, peer.verifiedUser) : null
    }
    const kept = filterAwarenessUpdate(update, peer, this.options.awareness.clientID, stamp)
    if (!kept) return
    try {
      applyAwarenessUpdate(this.options.awareness, kept, this)
    } catch {
      // An undecodable state from a peer is its problem, not ours: ignore it.
    }
  }

  private removePeer(id: string): void {
    const peer = this.peers.get(id)
    if (!peer) return
    this.peers.delete(id)
    clearTimeout(peer.retryTimer)
    peer.link?.close('peer left')
    const clientId = peer.clientId
    if (clientId === null || !this.options.awareness.getStates().has(clientId)) return
    // Gone now, not after the 30 s awareness timeout.
    removeAwarenessStates(this.options.awareness, [clientId], this)
    // Forget its clock too: if it comes back, its next update must not be ignored as stale.
    this.options.awareness.meta.delete(clientId)
  }
}

/** Entries for the peer's pinned client id only (never our own); null when nothing is left. */
function filterAwarenessUpdate(
  update: Uint8Array,
  peer: RemotePeer,
  ownClientId: number,
  stamp: (state: string) => string | null,
): Uint8Array | null {
  const entries = readAwarenessUpdate(update)
  if (!entries) return null
  const kept: AwarenessEntry[] = []
  for (const entry of entries) {
    if (entry.clientId === ownClientId) continue
    peer.clientId ??= entry.clientId
    const stamped = entry.clientId === peer.clientId ? stamp(entry.state) : null
    if (stamped !== null) kept.push({ ...entry, state: stamped })
  }
  return kept.length === 0 ? null : writeAwarenessUpdate(kept)
}

/** `user.id` and `user.name` of a JSON awareness state (null when it has none or is not JSON). */
function readUser(state: string): { id: unknown; name: unknown } | null {
  try {
    const parsed: unknown = JSON.parse(state)
    const user = (parsed as { user?: unknown } | null)?.user
    if (user === null || typeof user !== 'object') return null
    return { id: (user as { id?: unknown }).id, name: (user as { name?: unknown }).name }
  } catch {
    return null
  }
}

/** The state with `user.id` and `user.name` replaced; null (drop it) when it is not a JSON object. */
function withUser(state: string, user: { id: unknown; name: unknown }): string | null {
  try {
    const parsed: unknown = JSON.parse(state)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null
    const record = parsed as Record<string, unknown>
    const own = record.user !== null && typeof record.user === 'object' ? (record.user as Record<string, unknown>) : {}
    return JSON.stringify({ ...record, user: { ...own, id: user.id, name: user.name } })
  } catch {
    return null
  }
}

function readLinkSignal(value: unknown): LinkSignal | null {
  if (value === null || typeof value !== 'object') return null
  const signal = value as Record<string, unknown>
  if ((signal.type === 'offer' || signal.type === 'answer') && typeof signal.sdp === 'string') {
    return { type: signal.type, sdp: signal.sdp }
  }
  if (signal.type === 'candidate' && signal.candidate !== null && typeof signal.candidate === 'object') {
    return { type: 'candidate', candidate: signal.candidate as RTCIceCandidateInit }
  }
  return null
}

function randomPeerId(): string {
  // crypto.randomUUID needs a secure context; plain http on a LAN address is not one.
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext) return crypto.randomUUID()
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}
