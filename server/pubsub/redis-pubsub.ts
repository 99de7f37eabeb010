import { randomBytes } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import type { DocId } from '../../shared/ids.js'
import type { Logger } from '../logger.js'
import { PubSubMessageKind, type PubSub, type PubSubHandler, type PubSubMessage } from './pubsub.js'

/** Frame layout version, so a rolling upgrade that changes it can tell old frames apart. */
const FRAME_VERSION = 1
const INSTANCE_ID_BYTES = 16
/** version, kind, instance id; then the payload bytes as they are. */
const HEADER_BYTES = 2 + INSTANCE_ID_BYTES

const KIND_CODES = {
  [PubSubMessageKind.Update]: 1,
  [PubSubMessageKind.Awareness]: 2,
  [PubSubMessageKind.Pending]: 3,
  [PubSubMessageKind.Committed]: 4,
  // An instance of an earlier release knows no code 5 and drops the message (its clients ask for no threads).
  [PubSubMessageKind.Threads]: 5,
} as const
/** Control frame on the resync channel: "I dropped messages; everyone catch up from storage". */
const RESYNC_CODE = 0
const KINDS_BY_CODE = new Map<number, PubSubMessage['kind']>(
  Object.entries(KIND_CODES).map(([kind, code]) => [code, kind as PubSubMessage['kind']]),
)

/**
 * Publishes awaiting Redis' reply at most; beyond it messages are dropped. Pub/sub is at-most-once
 * anyway (rooms catch up from storage after a gap), and a Redis that stalls must not grow our memory.
 */
const MAX_PENDING_PUBLISHES = 10_000
/** Reconnect delay grows by this per attempt up to the cap: a restarted Redis is found within a second. */
const RECONNECT_STEP_MS = 100
const RECONNECT_MAX_MS = 1_000

export interface RedisPubSubOptions {
  /** redis://[:password@]host:port (rediss:// for TLS). */
  url: string
  /**
   * Prefix of every channel name. Redis pub/sub ignores the database number, so deployments sharing
   * one Redis need distinct prefixes.
   */
  channelPrefix?: string
  log?: Logger
}

/**
 * Fan-out between instances over Redis pub/sub: one channel per document, subscribed only while the
 * document is open here, so an instance receives traffic for its own documents only. Binary frames
 * carry the publishing instance's id, and an instance drops its own messages.
 *
 * Two connections, because a subscribed connection can issue no other commands. Neither queues
 * commands while disconnected: subscriptions are re-established by hand on every `ready`, and only
 * then are the resync listeners called, so a room's catch-up read from storage always starts after
 * its channel is live again. An instance whose publishes were dropped while the others stayed
 * connected (they saw no gap) asks them to resync on a control channel once Redis takes its
 * messages again. See docs/operations.md, "Fan-out: Redis pub/sub, not streams".
 */
export class RedisPubSub implements PubSub {
  readonly kind = 'redis'
  private readonly instanceId = randomBytes(INSTANCE_ID_BYTES)
  private readonly publisher: Redis
  private readonly subscriber: Redis
  private readonly prefix: string
  private readonly log: Logger | undefined
  private readonly handlers = new Map<DocId, Set<PubSubHandler>>()
  /** SUBSCRIBE commands in flight, by document. */
  private readonly subscribing = new Map<DocId, Promise<void>>()
  private readonly resyncListeners: (() => void)[] = []
  private readonly resyncChannel: string
  private pendingPublishes = 0
  private droppedSinceLastReport = 0
  /**
   * This instance dropped messages while the others may have stayed connected and so saw no gap of
   * their own: once Redis takes our messages again, we ask them to catch up from storage.
   */
  private owesResync = false
  /** The subscriber was ready once and has lost its connection since: the next `ready` is a resync. */
  private hasGap = false
  private isClosed = false

  constructor(options: RedisPubSubOptions) {
    this.prefix = options.channelPrefix ?? 'tandem:doc:'
    // '!' never occurs in a document id, so this cannot collide with a document's channel.
    this.resyncChannel = `${this.prefix}!resync`
    this.log = options.log
    const common: RedisOptions = {
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * RECONNECT_STEP_MS, RECONNECT_MAX_MS),
      lazyConnect: true,
    }
    // A Redis that accepts the connection but stalls must not hold publishes (or /readyz) forever.
    this.publisher = new Redis(options.url, { ...common, connectionName: 'tandem-pub', commandTimeout: 2_000 })
    this.subscriber = new Redis(options.url, { ...common, connectionName: 'tandem-sub' })
    for (const [name, connection] of [
      ['publisher', this.publisher],
      ['subscriber', this.subscriber],
    ] as const) {
      // ioredis emits 'error' on every failed reconnect attempt; one line per outage is enough.
      let isReported = false
      connection.on('error', (error: Error) => {
        if (isReported || this.isClosed) return
        isReported = true
        this.log?.warn({ connection: name, err: error }, 'redis unreachable; retrying')
      })
      connection.on('ready', () => {
        if (isReported) this.log?.info({ connection: name }, 'redis connection restored')
        isReported = false
      })
    }
    this.subscriber.on('close', () => {
      if (!this.isClosed) this.hasGap = true
    })
    this.subscriber.on('ready', () => void this.resubscribe())
    this.publisher.on('ready', () => this.settleResyncDebt())
    this.subscriber.on('messageBuffer', (channel: Buffer, frame: Buffer) => this.deliver(channel, frame))
  }

  /** Connects both connections; fails when Redis is unreachable at start. */
  async connect(): Promise<void> {
    await Promise.all([this.publisher.connect(), this.subscriber.connect()])
  }

  async subscribe(docId: DocId, handler: PubSubHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(docId)
    if (!set) {
      this.handlers.set(docId, (set = new Set()))
      // While disconnected the channel is subscribed on reconnect, before the resync that makes the room
      // catch up from storage: nothing is missed, and a Redis outage does not stop documents opening.
      if (this.subscriber.status === 'ready') {
        this.subscribing.set(
          docId,
          this.subscriber.subscribe(this.channel(docId)).then(
            () => undefined,
            (error: unknown) => {
              this.log?.warn({ docId, err: error }, 'redis subscribe failed; will resubscribe on reconnect')
            },
          ),
        )
      }
    }
    set.add(handler)
    // A second subscriber to a channel whose SUBSCRIBE is still in flight waits for it too.
    await this.subscribing.get(docId)
    if (this.handlers.get(docId) === set) this.subscribing.delete(docId)
    return async () => {
      set.delete(handler)
      if (set.size > 0 || this.handlers.get(docId) !== set) return
      this.handlers.delete(docId)
      if (this.subscriber.status !== 'ready') return
      // A room reopened meanwhile has subscribed again; Redis applies our commands in order.
      if (this.handlers.has(docId)) return
      await this.subscriber.unsubscribe(this.channel(docId)).catch(() => undefined)
    }
  }

  publish(docId: DocId, message: PubSubMessage): void {
    if (this.isClosed) return
    if (this.publisher.status !== 'ready') {
      this.owesResync = true
      return
    }
    if (this.pendingPublishes >= MAX_PENDING_PUBLISHES) {
      this.owesResync = true
      this.droppedSinceLastReport++
      if (this.droppedSinceLastReport === 1) this.log?.warn('redis is not keeping up; dropping fan-out messages')
      return
    }
    this.pendingPublishes++
    this.publisher
      .publish(this.channel(docId), this.frame(KIND_CODES[message.kind], message.payload))
      .catch(() => {
        // At-most-once by contract; the others catch up from storage once we can reach them again.
        this.owesResync = true
      })
      .finally(() => {
        this.pendingPublishes--
        if (this.pendingPublishes > 0) return
        if (this.droppedSinceLastReport > 0) {
          this.log?.warn({ dropped: this.droppedSinceLastReport }, 'redis caught up; fan-out messages were dropped')
          this.droppedSinceLastReport = 0
        }
        this.settleResyncDebt()
      })
  }

  onResync(listener: () => void): void {
    this.resyncListeners.push(listener)
  }

  async ping(): Promise<void> {
    if (this.subscriber.status !== 'ready') throw new Error(`redis subscriber is ${this.subscriber.status}`)
    await this.publisher.ping()
  }

  async close(): Promise<void> {
    this.isClosed = true
    this.handlers.clear()
    await Promise.all([this.publisher, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())))
  }

  private channel(docId: DocId): string {
    return this.prefix + docId
  }

  private frame(code: number, payload: Uint8Array): Buffer {
    const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength)
    frame[0] = FRAME_VERSION
    frame[1] = code
    this.instanceId.copy(frame, 2)
    frame.set(payload, HEADER_BYTES)
    return frame
  }

  private settleResyncDebt(): void {
    if (!this.owesResync || this.isClosed || this.publisher.status !== 'ready' || this.pendingPublishes > 0) return
    this.owesResync = false
    this.publisher.publish(this.resyncChannel, this.frame(RESYNC_CODE, new Uint8Array(0))).catch(() => {
      this.owesResync = true
    })
  }

  private async resubscribe(): Promise<void> {
    const channels = [this.resyncChannel, ...[...this.handlers.keys()].map((docId) => this.channel(docId))]
    try {
      await this.subscriber.subscribe(...channels)
    } catch (error) {
      // The connection dropped again; the next 'ready' retries, and its resync covers this gap too.
      this.log?.warn({ err: error }, 'redis resubscribe failed')
      return
    }
    if (!this.hasGap) return
    this.hasGap = false
    this.resync()
  }

  private resync(): void {
    for (const listener of this.resyncListeners) listener()
  }

  private deliver(channel: Buffer, frame: Buffer): void {
    if (frame.byteLength < HEADER_BYTES || frame[0] !== FRAME_VERSION) return
    if (this.instanceId.equals(frame.subarray(2, HEADER_BYTES))) return
    if (frame[1] === RESYNC_CODE) {
      if (channel.toString() === this.resyncChannel) this.resync()
      return
    }
    const kind = KINDS_BY_CODE.get(frame[1] as number)
    const docId = channel.toString().slice(this.prefix.length) as DocId
    const set = this.handlers.get(docId)
    if (!kind || !set) return
    for (const handler of set) {
      // Each handler gets its own copy: rooms keep references to payloads.
      handler({ kind, payload: new Uint8Array(frame.subarray(HEADER_BYTES)) })
    }
  }
}

/** Connects to Redis (failing when it is unreachable at start) and returns the fan-out. */
export async function createRedisPubSub(options: RedisPubSubOptions): Promise<RedisPubSub> {
  const pubsub = new RedisPubSub(options)
  try {
    await pubsub.connect()
  } catch (error) {
    await pubsub.close()
    throw error
  }
  return pubsub
}
