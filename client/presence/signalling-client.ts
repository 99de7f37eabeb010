import { backoffDelayMs } from '../../shared/backoff.js'
import { isPermanentClose } from '../../shared/protocol/close-codes.js'

/** What the server's `tandem-config` greeting says (stock y-webrtc clients ignore it). */
export interface SignallingConfig {
  /** STUN/TURN servers for RTCPeerConnection. */
  iceServers: RTCIceServer[]
  /** False when the operator turned peer-to-peer presence off: use the relay only. */
  isPeerToPeerEnabled: boolean
  /** False when peers may be on other server instances (signalling does not cross them yet). */
  isRelayAvailable: boolean
  /** True when the server stamps names from tokens on relayed presence (AUTH_SECRET set). */
  isIdentityVerified: boolean
}

export interface SignallingClientOptions {
  /** `ws(s)://host[/prefix]/signal`, without the token. */
  url: string
  /** The one topic (document id) this client joins. */
  topic: string
  /** Called before every connection attempt; undefined when the server needs no token. */
  token: () => Promise<string | undefined>
  /**
   * A publish for our topic arrived; `data` is untrusted JSON, `roomSize` the server's count of
   * the topic's subscribers when it sent the message (y-webrtc's `clients`), if it gave one.
   */
  onPublish: (data: unknown, roomSize: number | undefined) => void
  /** The server sent its settings (once per connection, before anything else). */
  onConfig: (config: SignallingConfig) => void
  /** The socket opened (true) or closed (false). */
  onStatus: (isOpen: boolean) => void
}

/** Ping after this much silence: below proxies' 60 s idle cut, as y-webrtc's client does (15 s). */
const PING_INTERVAL_MS = 15_000
/** No message at all for this long (pongs included) means the socket is dead. */
const SILENCE_LIMIT_MS = 40_000

/**
 * One WebSocket to `/signal` for one topic, reconnecting with jittered backoff. Close codes 44xx
 * stop it (the server said why), except an expired token, which is fetched again.
 */
export class SignallingClient {
  private ws: WebSocket | null = null
  private attempt = 0
  private isStopped = false
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined
  private readonly pingTimer: ReturnType<typeof setInterval>
  private lastMessageAt = 0

  constructor(private readonly options: SignallingClientOptions) {
    this.pingTimer = setInterval(this.keepalive, PING_INTERVAL_MS)
    void this.connect()
  }

  /** True while the socket is open and subscribed (the server handles messages in order). */
  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN
  }

  /** Publishes `data` to our topic; dropped while disconnected (presence is lossy). */
  publish(data: Record<string, unknown>): void {
    if (!this.isOpen) return
    this.ws?.send(JSON.stringify({ type: 'publish', topic: this.options.topic, data }))
  }

  /** Closes the socket for good. */
  destroy(): void {
    this.isStopped = true
    clearInterval(this.pingTimer)
    clearTimeout(this.reconnectTimer)
    const ws = this.ws
    this.ws = null
    if (ws) {
      ws.onclose = null
      ws.close(1000)
    }
  }

  private async connect(): Promise<void> {
    if (this.isStopped) return
    let token: string | undefined
    try {
      token = await this.options.token()
    } catch {
      return this.scheduleReconnect() // a token service that is down is transient
    }
    if (this.isStopped) return
    const url = token === undefined ? this.options.url : `${this.options.url}?token=${encodeURIComponent(token)}`
    const ws = new WebSocket(url)
    this.ws = ws
    ws.onopen = () => {
      this.attempt = 0
      this.lastMessageAt = Date.now()
      ws.send(JSON.stringify({ type: 'subscribe', topics: [this.options.topic] }))
      this.options.onStatus(true)
    }
    ws.onmessage = (event: MessageEvent) => {
      this.lastMessageAt = Date.now()
      if (typeof event.data !== 'string') return
      let message: unknown
      try {
        message = JSON.parse(event.data)
      } catch {
        return
      }
      if (message === null || typeof message !== 'object') return
      const record = message as Record<string, unknown>
      if (record.type === 'tandem-config') this.options.onConfig(readConfig(record))
      else if (record.type === 'publish' && record.topic === this.options.topic) {
        const clients = record.clients
        const roomSize = typeof clients === 'number' && Number.isInteger(clients) && clients > 0 ? clients : undefined
        this.options.onPublish(record.data, roomSize)
      }
    }
    ws.onclose = (event: CloseEvent) => {
      if (this.ws !== ws) return
      this.ws = null
      this.options.onStatus(false)
      const isExpiredToken = event.reason.startsWith('token-expired')
      if (isPermanentClose(event.code) && !isExpiredToken) {
        // Presence is best-effort: the document keeps syncing; the reason is for developers.
        console.warn(`tandem presence: signalling refused (${event.code} ${event.reason})`)
        this.isStopped = true
        return
      }
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    if (this.isStopped) return
    clearTimeout(this.reconnectTimer)
    this.reconnectTimer = setTimeout(() => void this.connect(), backoffDelayMs(this.attempt++, 250, 10_000))
  }

  private readonly keepalive = (): void => {
    const ws = this.ws
    if (!ws || ws.readyState !== WebSocket.OPEN) return
    if (Date.now() - this.lastMessageAt > SILENCE_LIMIT_MS) {
      ws.close(4000, 'silent') // the onclose handler reconnects
      return
    }
    ws.send(JSON.stringify({ type: 'ping' }))
  }
}

function readConfig(record: Record<string, unknown>): SignallingConfig {
  const servers = Array.isArray(record.iceServers) ? record.iceServers : []
  return {
    iceServers: servers.filter(
      (server): server is RTCIceServer => server !== null && typeof server === 'object' && 'urls' in server,
    ),
    isPeerToPeerEnabled: record.isPeerToPeerEnabled !== false,
    isRelayAvailable: record.isRelayAvailable !== false,
    isIdentityVerified: record.isIdentityVerified === true,
  }
}
