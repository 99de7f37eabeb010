import { PEER_CONNECT_TIMEOUT_MS } from '../../shared/limits.js'

/** The negotiation messages a link sends and accepts: simple-peer's shapes, as y-webrtc relays them. */
export type LinkSignal =
  { type: 'offer' | 'answer'; sdp: string } | { type: 'candidate'; candidate: RTCIceCandidateInit }

export interface PeerLinkOptions {
  /** The lower peer id offers, so two peers never offer to each other at once (no glare). */
  isInitiator: boolean
  /** STUN/TURN servers from the server's `tandem-config`. */
  iceServers: RTCIceServer[]
  /** Send one negotiation message to the remote peer through signalling. */
  sendSignal: (signal: LinkSignal) => void
  /** The data channel opened: presence may flow directly. */
  onOpen: () => void
  /** A frame arrived on the data channel. */
  onFrame: (frame: Uint8Array) => void
  /** The link is finished (closed, failed or timed out); called once. */
  onClose: (reason: string) => void
}

/**
 * One RTCPeerConnection with one data channel for presence. Unlike simple-peer it gives up on its
 * own: a connection without a usable candidate pair stays `new` forever and reports no error, so
 * a channel not open within PEER_CONNECT_TIMEOUT_MS ends the link and the relay serves the peer.
 */
export class PeerLink {
  private readonly pc: RTCPeerConnection
  private channel: RTCDataChannel | null = null
  private readonly pendingCandidates: RTCIceCandidateInit[] = []
  private readonly timeout: ReturnType<typeof setTimeout>
  private isClosed = false

  constructor(private readonly options: PeerLinkOptions) {
    this.pc = new RTCPeerConnection({ iceServers: options.iceServers })
    this.timeout = setTimeout(() => this.close('timeout'), PEER_CONNECT_TIMEOUT_MS)
    this.pc.onicecandidate = (event) => {
      if (event.candidate) options.sendSignal({ type: 'candidate', candidate: event.candidate.toJSON() })
    }
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState
      if (state === 'failed' || state === 'closed') this.close(`connection ${state}`)
    }
    if (options.isInitiator) {
      // Unordered but reliable: awareness clocks make order irrelevant, and no update is lost.
      this.attach(this.pc.createDataChannel('tandem-presence', { ordered: false }))
      void this.offer()
    } else {
      this.pc.ondatachannel = (event) => this.attach(event.channel)
    }
  }

  /** True once frames can be sent directly. */
  get isOpen(): boolean {
    return !this.isClosed && this.channel?.readyState === 'open'
  }

  /** Sends one frame; false when the channel is not open (the caller relays instead). */
  send(frame: Uint8Array): boolean {
    if (!this.isOpen || !this.channel) return false
    try {
      this.channel.send(frame as Uint8Array<ArrayBuffer>)
      return true
    } catch {
      return false // closing under us: the close handler moves the peer to the relay
    }
  }

  /** Applies a negotiation message from the remote peer. */
  async handleSignal(signal: LinkSignal): Promise<void> {
    if (this.isClosed) return
    try {
      if (signal.type === 'candidate') {
        if (this.pc.remoteDescription) await this.pc.addIceCandidate(signal.candidate)
        else this.pendingCandidates.push(signal.candidate)
        return
      }
      await this.pc.setRemoteDescription({ type: signal.type, sdp: signal.sdp })
      for (const candidate of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(candidate)
      if (signal.type === 'offer') {
        await this.pc.setLocalDescription(await this.pc.createAnswer())
        const sdp = this.pc.localDescription?.sdp
        if (sdp) this.options.sendSignal({ type: 'answer', sdp })
      }
    } catch (error) {
      this.close(`negotiation failed: ${(error as Error).message}`)
    }
  }

  /** Ends the link; `onClose` runs once. */
  close(reason: string): void {
    if (this.isClosed) return
    this.isClosed = true
    clearTimeout(this.timeout)
    this.channel?.close()
    this.pc.close()
    this.options.onClose(reason)
  }

  private async offer(): Promise<void> {
    try {
      await this.pc.setLocalDescription(await this.pc.createOffer())
      const sdp = this.pc.localDescription?.sdp
      if (sdp && !this.isClosed) this.options.sendSignal({ type: 'offer', sdp })
    } catch (error) {
      this.close(`offer failed: ${(error as Error).message}`)
    }
  }

  private attach(channel: RTCDataChannel): void {
    this.channel = channel
    channel.binaryType = 'arraybuffer'
    channel.onopen = () => {
      clearTimeout(this.timeout)
      this.options.onOpen()
    }
    channel.onclose = () => this.close('channel closed')
    channel.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) this.options.onFrame(new Uint8Array(event.data))
    }
  }
}
