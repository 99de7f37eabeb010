import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'
import { DOC_ID_RULE, isValidDocId, type DocId } from '../../shared/ids.js'
import {
  MAX_AWARENESS_STATE_BYTES,
  MAX_PEERS_PER_TOPIC,
  MAX_SIGNAL_MESSAGE_BYTES,
  MAX_TOPICS_PER_CONNECTION,
  SIGNAL_MESSAGE_BURST,
  SIGNAL_MESSAGES_PER_SECOND,
} from '../../shared/limits.js'
import { CloseCode, closeCodeFor, closeReason } from '../../shared/protocol/close-codes.js'
import type { Principal } from '../auth/authenticator.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { guardAwarenessUpdate, type AwarenessPin } from '../sync/awareness-guard.js'
import { TokenBucket } from '../sync/token-bucket.js'
import { parseSignalMessage, type PublishData, type SignalMessage } from './signal-message.js'

/** The socket side of one signalling connection, as the hub sees it. */
export interface SignalPeer {
  /** Unique per process, for logs. */
  readonly id: string
  /** Queues one JSON text message. Never throws; a dead connection drops it. */
  send(text: string): void
  /** Ends the connection with a code and reason the client can act on. */
  close(code: CloseCode, reason: string): void
}

export interface SignallingLimits {
  /** Largest message in bytes of UTF-8. */
  maxMessageBytes: number
  /** Sustained messages per second per connection. */
  messagesPerSecond: number
  /** Burst above the sustained rate. */
  messageBurst: number
  /** Topics one connection may be subscribed to at once. */
  maxTopicsPerConnection: number
  /** Connections one topic may hold. */
  maxPeersPerTopic: number
  /** Largest awareness state relayed, in bytes of JSON (as on the sync path). */
  maxAwarenessStateBytes: number
}

export const DEFAULT_SIGNALLING_LIMITS: SignallingLimits = Object.freeze({
  maxMessageBytes: MAX_SIGNAL_MESSAGE_BYTES,
  messagesPerSecond: SIGNAL_MESSAGES_PER_SECOND,
  messageBurst: SIGNAL_MESSAGE_BURST,
  maxTopicsPerConnection: MAX_TOPICS_PER_CONNECTION,
  maxPeersPerTopic: MAX_PEERS_PER_TOPIC,
  maxAwarenessStateBytes: MAX_AWARENESS_STATE_BYTES,
})

export interface SignallingHubOptions {
  /** Where a session's failure is logged (once, when it is closed). */
  log: Logger
  /** Optional so pure tests (the fuzz suite) need no Prometheus registry. */
  metrics?: Metrics
  /** Overrides of DEFAULT_SIGNALLING_LIMITS. */
  limits?: Partial<SignallingLimits>
  /** Injected clock for the rate limit. */
  now?: () => number
}

/** Authorises one topic (a document id) for a connection; throws SyncError like Authenticator.authorize. */
export type TopicAuthorizer = (docId: DocId) => Promise<Principal>

/** What the hub keeps per (connection, topic). */
interface Membership {
  principal: Principal
  /** The peer id this connection speaks as in this topic, fixed by its first publish. */
  peerId: string | null
  /** Relayed awareness may speak for one client id only, as on the sync path. */
  awarenessPin: AwarenessPin
}

interface Topic {
  members: Map<SignalSession, Membership>
  peers: Map<string, SignalSession>
}

/**
 * Routes y-webrtc signalling between the connections subscribed to a topic. A topic is exactly a
 * document id and is authorised like the document (view tokens may join: presence is not editing).
 * Unlike y-webrtc's reference server, senders are pinned (a `from` cannot be forged), signals go
 * only to their addressee, and nothing untrusted is relayed without being rebuilt field by field.
 */
export class SignallingHub {
  private readonly topics = new Map<string, Topic>()
  private readonly limits: SignallingLimits

  constructor(private readonly options: SignallingHubOptions) {
    this.limits = { ...DEFAULT_SIGNALLING_LIMITS, ...options.limits }
  }

  /** Starts a session for a connection whose credentials were checked at upgrade. */
  open(peer: SignalPeer, authorize: TopicAuthorizer): SignalSession {
    return new SignalSession(peer, authorize, this, this.options, this.limits)
  }

  /** Connections currently subscribed to `topic` (for tests and metrics). */
  topicSize(topic: string): number {
    return this.topics.get(topic)?.members.size ?? 0
  }

  /** @internal */
  join(session: SignalSession, topic: string, principal: Principal): void {
    let entry = this.topics.get(topic)
    if (!entry) {
      entry = { members: new Map(), peers: new Map() }
      this.topics.set(topic, entry)
    }
    if (entry.members.has(session)) return
    if (entry.members.size >= this.limits.maxPeersPerTopic) {
      throw new SyncError(ErrorCode.TooManyConnections, `topic ${topic} has ${this.limits.maxPeersPerTopic} peers`)
    }
    entry.members.set(session, { principal, peerId: null, awarenessPin: { clientId: null } })
  }

  /** @internal Removes the session from `topic` and tells the others its peer left. */
  leave(session: SignalSession, topic: string): void {
    const entry = this.topics.get(topic)
    const membership = entry?.members.get(session)
    if (!entry || !membership) return
    entry.members.delete(session)
    if (membership.peerId !== null) {
      entry.peers.delete(membership.peerId)
      // y-webrtc has no leave message (peers wait for their data channel to drop); ours lets
      // relay-only peers remove a cursor at once. Stock clients ignore the unknown type.
      this.fanOut(entry, session, topic, 'leave', { type: 'leave', from: membership.peerId })
    }
    if (entry.members.size === 0) this.topics.delete(topic)
  }

  /** @internal */
  publish(session: SignalSession, topic: string, data: PublishData): void {
    const entry = this.topics.get(topic)
    const membership = entry?.members.get(session)
    if (!entry || !membership) return session.drop('publish to a topic not subscribed')
    if (data.type === 'encrypted') {
      // Ciphertext hides `from` and `to`: only a fan-out can deliver it (y-webrtc's password mode).
      return this.fanOut(entry, session, topic, 'encrypted', data.payload)
    }
    if (!this.pinPeerId(entry, membership, session, data.from)) return
    const from = data.from
    switch (data.type) {
      case 'announce': {
        const mesh = data.mesh === undefined ? {} : { mesh: data.mesh }
        if (data.to === undefined) {
          return this.fanOut(entry, session, topic, 'announce', { type: 'announce', from, ...mesh })
        }
        return this.sendTo(entry, session, topic, data.to, 'announce', { type: 'announce', from, to: data.to, ...mesh })
      }
      case 'signal':
        return this.sendTo(entry, session, topic, data.to, 'signal', {
          type: 'signal',
          from,
          to: data.to,
          ...(data.token !== undefined && { token: data.token }),
          signal: data.signal,
        })
      case 'awareness': {
        const update = guardRelayedAwareness(Buffer.from(data.update, 'base64'), membership, this.limits)
        if (update === null) return session.drop('awareness update for another client')
        const relayed = { type: 'awareness', from, update: Buffer.from(update).toString('base64') }
        for (const to of data.to) this.sendTo(entry, session, topic, to, 'awareness', relayed)
        return
      }
    }
  }

  /** The first `from` a connection uses in a topic becomes its own; another connection cannot take it. */
  private pinPeerId(entry: Topic, membership: Membership, session: SignalSession, from: string): boolean {
    if (membership.peerId === from) return true
    if (membership.peerId !== null) {
      session.drop('from differs from this connection’s peer id')
      return false
    }
    if (entry.peers.has(from)) {
      session.drop('peer id is held by another connection')
      return false
    }
    membership.peerId = from
    entry.peers.set(from, session)
    return true
  }

  private sendTo(entry: Topic, sender: SignalSession, topic: string, to: string, type: string, data: unknown): void {
    const receiver = entry.peers.get(to)
    // An unknown or departed addressee is normal (it left while the message was in flight).
    if (!receiver || receiver === sender) return
    receiver.deliver(publishText(topic, data, entry.members.size), type)
  }

  private fanOut(entry: Topic, sender: SignalSession, topic: string, type: string, data: unknown): void {
    const text = publishText(topic, data, entry.members.size)
    for (const receiver of entry.members.keys()) if (receiver !== sender) receiver.deliver(text, type)
  }
}

/** The sync path's awareness guard (one client id per connection, bounded states, stamped names). */
function guardRelayedAwareness(
  update: Uint8Array,
  membership: Membership,
  limits: SignallingLimits,
): Uint8Array | null {
  try {
    return guardAwarenessUpdate(update, membership.awarenessPin, membership.principal, limits.maxAwarenessStateBytes)
  } catch (error) {
    if (error instanceof SyncError) throw error
    // lib0's decoder throws plain errors on truncated input and JSON.parse on a non-JSON state.
    throw new SyncError(ErrorCode.MalformedFrame, 'relayed awareness update does not decode')
  }
}

/** What every subscriber receives, in y-webrtc's shape (`clients` as its server adds it). */
function publishText(topic: string, data: unknown, clients: number): string {
  return JSON.stringify({ type: 'publish', topic, data, clients })
}

/**
 * One connection's view of the hub: parses, rate-limits and orders its messages. Subscribes wait
 * for authorisation, and messages behind them wait too, so a publish right after a subscribe (as
 * y-webrtc sends its announce) is not lost.
 */
export class SignalSession {
  private readonly topics = new Set<string>()
  private readonly bucket: TokenBucket
  private queue: Promise<void> = Promise.resolve()
  private isClosed = false

  constructor(
    private readonly peer: SignalPeer,
    private readonly authorize: TopicAuthorizer,
    private readonly hub: SignallingHub,
    private readonly options: SignallingHubOptions,
    private readonly limits: SignallingLimits,
  ) {
    this.bucket = new TokenBucket(limits.messageBurst, limits.messagesPerSecond, options.now)
  }

  /** The topics this connection is subscribed to (authorised and joined). */
  get subscriptions(): ReadonlySet<string> {
    return this.topics
  }

  /** Handles one text frame from the client. Never throws. */
  receive(text: string): void {
    if (this.isClosed) return
    try {
      if (Buffer.byteLength(text) > this.limits.maxMessageBytes) {
        throw new SyncError(
          ErrorCode.FrameTooLarge,
          `signalling messages are at most ${this.limits.maxMessageBytes} bytes`,
        )
      }
      if (!this.bucket.take()) {
        throw new SyncError(ErrorCode.RateLimited, `more than ${this.limits.messagesPerSecond} messages per second`)
      }
      const message = parseSignalMessage(text)
      this.options.metrics?.signallingMessages.inc({ direction: 'in', type: messageType(message) })
      if (message.kind === 'ignored') return this.drop(message.reason)
      this.queue = this.queue.then(() => this.execute(message)).catch((error: unknown) => this.fail(error))
    } catch (error) {
      this.fail(error)
    }
  }

  /** Leaves every topic (peers are told at once). Called when the socket closed. */
  end(): void {
    if (this.isClosed) return
    this.isClosed = true
    for (const topic of this.topics) this.hub.leave(this, topic)
    this.topics.clear()
  }

  /** Ends the session with a coded reason: the one place its failures are logged. */
  fail(error: unknown): void {
    if (this.isClosed) return
    const code = error instanceof SyncError ? error.code : ErrorCode.Internal
    const message = errorMessage(error)
    if (AUTH_CODES.has(code)) this.options.metrics?.authFailures.inc({ code })
    else this.options.metrics?.rejectedFrames.inc({ code })
    if (code === ErrorCode.Internal)
      this.options.log.error({ err: error, connectionId: this.peer.id }, 'signalling failed')
    else this.options.log.warn({ connectionId: this.peer.id, code, reason: message }, 'signalling connection closed')
    this.end()
    this.peer.close(closeCodeFor(code), closeReason(code, message))
  }

  /** @internal A message the hub chose not to act on: counted and logged at debug, never fatal. */
  drop(reason: string): void {
    this.options.metrics?.signallingMessages.inc({ direction: 'in', type: 'dropped' })
    this.options.log.debug({ connectionId: this.peer.id, reason }, 'signalling message dropped')
  }

  /** @internal */
  deliver(text: string, type: string): void {
    if (this.isClosed) return
    this.options.metrics?.signallingMessages.inc({ direction: 'out', type })
    this.peer.send(text)
  }

  private async execute(message: Exclude<SignalMessage, { kind: 'ignored' }>): Promise<void> {
    if (this.isClosed) return
    switch (message.kind) {
      case 'ping':
        return this.deliver(JSON.stringify({ type: 'pong' }), 'pong')
      case 'subscribe':
        for (const topic of message.topics) await this.subscribe(topic)
        return
      case 'unsubscribe':
        for (const topic of message.topics) {
          if (this.topics.delete(topic)) this.hub.leave(this, topic)
        }
        return
      case 'publish':
        return this.hub.publish(this, message.topic, message.data)
    }
  }

  private async subscribe(topic: string): Promise<void> {
    if (this.topics.has(topic)) return
    if (!isValidDocId(topic))
      throw new SyncError(ErrorCode.InvalidDocId, `topic "${topic.slice(0, 40)}": ${DOC_ID_RULE}`)
    if (this.topics.size >= this.limits.maxTopicsPerConnection) {
      throw new SyncError(ErrorCode.BadRequest, `at most ${this.limits.maxTopicsPerConnection} topics per connection`)
    }
    const principal = await this.authorize(topic)
    if (this.isClosed) return
    this.hub.join(this, topic, principal)
    this.topics.add(topic)
  }
}

const AUTH_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.Unauthorized,
  ErrorCode.TokenExpired,
  ErrorCode.TokenRevoked,
  ErrorCode.Forbidden,
])

function messageType(message: SignalMessage): string {
  if (message.kind !== 'publish') return message.kind
  return message.data.type
}
