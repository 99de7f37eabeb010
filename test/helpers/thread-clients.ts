import * as decoding from 'lib0/decoding'
import type { WebsocketProvider } from 'y-websocket'
import type { Thread, ThreadEvent } from '../../shared/comments.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import { readThreadFrame } from '../../shared/protocol/thread-frame.js'
import type { TandemServer } from '../../server/create-server.js'

/**
 * Comment threads kept in memory, as the comment store would keep them, with the comment service's
 * order of work: change the store (durable), then publish to the feed.
 */
export class ThreadBook {
  private readonly byDoc = new Map<string, Map<string, Thread>>()

  /** For `ServerOptions.threads`: every server sharing this book reads the same threads. */
  readonly loadThreads = async (docId: string): Promise<Thread[]> => [...(this.byDoc.get(docId)?.values() ?? [])]

  /** Stores `thread` and publishes its upsert through `server`'s feed. */
  upsert(server: TandemServer, docId: string, thread: Thread): void {
    let threads = this.byDoc.get(docId)
    if (!threads) this.byDoc.set(docId, (threads = new Map()))
    threads.set(thread.id, thread)
    server.threadFeed.publish(docId, { kind: 'upsert', thread })
  }
}

let nextThread = 1

/** A thread with one comment of `body`. */
export function sampleThread(body: string, id = `thread-${nextThread++}`): Thread {
  const at = new Date().toISOString()
  return {
    id,
    status: 'open',
    quote: 'the passage',
    anchor: null,
    comments: [
      { id: `${id}-c1`, body, author: { name: 'Ada', id: 'ada', isVerified: false }, createdAt: at, editedAt: null },
    ],
    createdAt: at,
    updatedAt: at,
  }
}

/** The thread events among raw frames, in order. */
export function threadEventsIn(frames: readonly Uint8Array[]): ThreadEvent[] {
  return frames.filter((f) => f[0] === MessageType.Threads).map((f) => readThreadFrame(f)!)
}

/** True when `events` brought a client to a state with a thread whose first comment is `body`. */
export function holdsComment(events: readonly ThreadEvent[], body: string): boolean {
  const threads = new Map<string, Thread>()
  for (const event of events) {
    if (event.kind === 'snapshot') {
      threads.clear()
      for (const thread of event.threads) threads.set(thread.id, thread)
    } else if (event.kind === 'upsert') threads.set(event.thread.id, event.thread)
    else threads.delete(event.threadId)
  }
  return [...threads.values()].some((thread) => thread.comments.some((comment) => comment.body === body))
}

/** Collects the Threads frames a y-websocket provider receives (as Tandem's client handles type 102). */
export function listenForThreads(provider: WebsocketProvider): ThreadEvent[] {
  const events: ThreadEvent[] = []
  provider.messageHandlers[MessageType.Threads] = (_encoder, decoder) => {
    events.push(JSON.parse(decoding.readVarString(decoder)) as ThreadEvent)
  }
  return events
}
