import type { Thread, ThreadEvent } from '../../shared/comments.js'
import { backoffDelayMs } from '../../shared/backoff.js'
import { isValidDocId, type DocId } from '../../shared/ids.js'
import { decodeThreadsPayload, encodeThreadsPayload } from '../../shared/protocol/pubsub-payload.js'
import { threadFrame } from '../../shared/protocol/thread-frame.js'
import type { Logger } from '../logger.js'
import { PubSubMessageKind, type PubSub, type PubSubMessage } from '../pubsub/pubsub.js'
import type { Connection } from '../sync/connection.js'
import type { ThreadFeed } from './thread-feed.js'

/** Reads every thread of a document (the comment store's `listThreads`), for snapshots. */
export type LoadThreads = (docId: string) => Promise<Thread[]>

/** What a client session tells the feed: which connections of which document asked for threads. */
export interface ThreadSubscriptions {
  /** `connection` is in the room of `docId` and asked for threads: it gets a snapshot, then every event. */
  subscribe(docId: DocId, connection: Connection): void
  /** `connection` left (or never asked): it gets nothing more. Unknown connections are ignored. */
  unsubscribe(docId: DocId, connection: Connection): void
}

export interface LiveThreadFeedOptions {
  /** The fan-out between instances: one message per event, whatever the number of clients. */
  pubsub: PubSub
  /** Every thread of a document, read for each snapshot. */
  loadThreads: LoadThreads
  log: Logger
  /** First retry delay after a failed snapshot read (doubling, with jitter, up to 30 s). */
  snapshotRetryBaseMs?: number
}

/**
 * Events that reach a connection while its snapshot loads are held, up to this many; beyond, the
 * read in flight may be older than what was dropped, so the held events are let go and the snapshot
 * is read again once the current read ends (storage is the source of truth, as for rooms).
 */
const MAX_HELD_EVENTS = 1_000
const SNAPSHOT_RETRY_BASE_MS = 500
const SNAPSHOT_RETRY_MAX_MS = 30_000

interface Subscriber {
  /**
   * Frames held while the snapshot loads, sent right after it, in order; null once the snapshot
   * is sent (frames then go straight out).
   */
  held: Uint8Array[] | null
  /** Something was missed while the snapshot loaded (held events overflowed, or a pub/sub gap): read again. */
  isStale: boolean
  /** The snapshot read's retry timer, if one is waiting. */
  retry: NodeJS.Timeout | null
}

/**
 * Live delivery of comment threads (the ThreadFeed the comment service publishes to): each event
 * as a Threads frame (102) to every connection of its document on this instance that asked with
 * `?threads=1`, and as one pub/sub message to the other instances, which deliver it to theirs and
 * never publish it again. A connection that subscribes (every join, so every reconnect) first gets
 * a snapshot of every thread, then the events published since: a client whose stream was cut holds
 * everything once it is back.
 *
 * The feed keeps its own list of subscribed connections (client sessions subscribe them on join and
 * unsubscribe them on leave), so rooms never see thread traffic; other instances' messages come in
 * through the room registry's subscription to the document's channel, which is live before any of
 * its connections joins, so before any snapshot read starts.
 */
export class LiveThreadFeed implements ThreadFeed, ThreadSubscriptions {
  private readonly docs = new Map<DocId, Map<Connection, Subscriber>>()
  private isClosed = false

  constructor(private readonly options: LiveThreadFeedOptions) {
    // After a pub/sub gap, events from other instances may be missing: every subscriber reads again.
    options.pubsub.onResync(() => this.resnapshotAll())
  }

  /** Connections subscribed on this instance (for tests and metrics). */
  get subscriberCount(): number {
    let count = 0
    for (const subscribers of this.docs.values()) count += subscribers.size
    return count
  }

  publish(docId: string, event: ThreadEvent): void {
    try {
      if (!isValidDocId(docId)) {
        this.options.log.warn(
          { docId: docId.slice(0, 140), kind: event.kind },
          'thread event for an invalid document id dropped',
        )
        return
      }
      const frame = encodeThreadsPayload(event)
      this.deliver(docId, frame)
      this.options.pubsub.publish(docId, { kind: PubSubMessageKind.Threads, payload: frame })
    } catch (error) {
      this.options.log.error({ docId, kind: event.kind, err: error }, 'thread event not delivered')
    }
  }

  /** Another instance's event (the room registry hands over every `threads` message): delivered here only. */
  readonly receiveRemote = (docId: DocId, message: PubSubMessage): void => {
    if (message.kind !== PubSubMessageKind.Threads) return
    try {
      decodeThreadsPayload(message.payload)
    } catch (error) {
      this.options.log.warn({ docId, err: error }, 'pub/sub thread event rejected')
      return
    }
    this.deliver(docId, message.payload)
  }

  subscribe(docId: DocId, connection: Connection): void {
    if (this.isClosed) return
    let subscribers = this.docs.get(docId)
    if (!subscribers) this.docs.set(docId, (subscribers = new Map()))
    if (subscribers.has(connection)) return
    const subscriber: Subscriber = { held: [], isStale: false, retry: null }
    subscribers.set(connection, subscriber)
    void this.sendSnapshot(docId, connection, subscriber, 0)
  }

  unsubscribe(docId: DocId, connection: Connection): void {
    const subscribers = this.docs.get(docId)
    const subscriber = subscribers?.get(connection)
    if (!subscribers || !subscriber) return
    if (subscriber.retry) clearTimeout(subscriber.retry)
    subscribers.delete(connection)
    if (subscribers.size === 0) this.docs.delete(docId)
  }

  /** Stops retries and forgets every subscriber (the server is stopping). */
  close(): void {
    this.isClosed = true
    for (const subscribers of this.docs.values()) {
      for (const subscriber of subscribers.values()) if (subscriber.retry) clearTimeout(subscriber.retry)
    }
    this.docs.clear()
  }

  private deliver(docId: DocId, frame: Uint8Array): void {
    const subscribers = this.docs.get(docId)
    if (!subscribers) return
    for (const [connection, subscriber] of subscribers) {
      if (!subscriber.held) {
        connection.send(frame)
      } else if (subscriber.held.length < MAX_HELD_EVENTS) {
        subscriber.held.push(frame)
      } else {
        subscriber.held = []
        subscriber.isStale = true
      }
    }
  }

  /**
   * Reads the snapshot and sends it, then the frames held meanwhile, in the order they were
   * published. An event both in the snapshot and held is sent twice; harmless, as every event
   * carries a thread's full state and the last one published for a thread is its newest.
   */
  private async sendSnapshot(
    docId: DocId,
    connection: Connection,
    subscriber: Subscriber,
    attempt: number,
  ): Promise<void> {
    subscriber.retry = null
    // Whatever was missed before this read starts, the read covers.
    subscriber.isStale = false
    const isCurrent = (): boolean => !this.isClosed && this.docs.get(docId)?.get(connection) === subscriber
    let threads: Thread[]
    try {
      threads = await this.options.loadThreads(docId)
    } catch (error) {
      if (!isCurrent()) return
      const delayMs = backoffDelayMs(
        attempt,
        this.options.snapshotRetryBaseMs ?? SNAPSHOT_RETRY_BASE_MS,
        SNAPSHOT_RETRY_MAX_MS,
      )
      this.options.log.error(
        { docId, connectionId: connection.id, attempt: attempt + 1, retryInMs: delayMs, err: error },
        'thread snapshot could not be read; retrying',
      )
      // Held events stay held (bounded): they go out after the snapshot that finally loads.
      subscriber.retry = setTimeout(() => void this.sendSnapshot(docId, connection, subscriber, attempt + 1), delayMs)
      subscriber.retry.unref()
      return
    }
    if (!isCurrent()) return
    // Held frames stay held: those published after this next read starts are not in its snapshot.
    if (subscriber.isStale) return this.sendSnapshot(docId, connection, subscriber, 0)
    connection.send(threadFrame({ kind: 'snapshot', threads }))
    const held = subscriber.held ?? []
    subscriber.held = null
    for (const frame of held) connection.send(frame)
  }

  private resnapshotAll(): void {
    if (this.isClosed) return
    this.options.log.info({ subscribers: this.subscriberCount }, 'pub/sub reconnected: resending thread snapshots')
    for (const [docId, subscribers] of this.docs) {
      for (const [connection, subscriber] of subscribers) {
        if (subscriber.held) {
          // A read in flight may predate the gap: read again after it (a retry waiting reads after it anyway).
          if (subscriber.retry === null) subscriber.isStale = true
          continue
        }
        subscriber.held = []
        void this.sendSnapshot(docId, connection, subscriber, 0)
      }
    }
  }
}
