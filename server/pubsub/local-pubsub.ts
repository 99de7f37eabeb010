import type { DocId } from '../../shared/ids.js'
import type { PubSub, PubSubHandler, PubSubMessage } from './pubsub.js'

/**
 * One process, no other instances: publishing reaches nobody. The default without REDIS_URL.
 */
export class LocalPubSub implements PubSub {
  readonly kind = 'local'
  async subscribe(_docId: DocId, _handler: PubSubHandler): Promise<() => Promise<void>> {
    return async () => undefined
  }
  publish(_docId: DocId, _message: PubSubMessage): void {}
  onResync(_listener: () => void): void {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * Several in-process "instances" joined by one bus, for tests of multi-instance behaviour without
 * Redis. Delivers on a later macrotask, as a network would, and never to the publisher itself.
 */
export class MemoryPubSubHub {
  private readonly subscribers = new Map<DocId, Set<{ owner: MemoryPubSub; handler: PubSubHandler }>>()

  connect(): MemoryPubSub {
    return new MemoryPubSub(this)
  }

  /** @internal */
  add(docId: DocId, entry: { owner: MemoryPubSub; handler: PubSubHandler }): () => void {
    let set = this.subscribers.get(docId)
    if (!set) this.subscribers.set(docId, (set = new Set()))
    set.add(entry)
    return () => set.delete(entry)
  }

  /** @internal */
  deliver(from: MemoryPubSub, docId: DocId, message: PubSubMessage): void {
    for (const entry of this.subscribers.get(docId) ?? []) {
      if (entry.owner === from) continue
      const copy = { kind: message.kind, payload: message.payload.slice() }
      setTimeout(() => entry.handler(copy), 0)
    }
  }
}

export class MemoryPubSub implements PubSub {
  readonly kind = 'memory'
  private readonly resyncListeners: (() => void)[] = []
  isConnected = true

  constructor(private readonly hub: MemoryPubSubHub) {}

  async subscribe(docId: DocId, handler: PubSubHandler): Promise<() => Promise<void>> {
    const remove = this.hub.add(docId, { owner: this, handler: (m) => this.isConnected && handler(m) })
    return async () => remove()
  }

  publish(docId: DocId, message: PubSubMessage): void {
    if (this.isConnected) this.hub.deliver(this, docId, message)
  }

  onResync(listener: () => void): void {
    this.resyncListeners.push(listener)
  }

  /** Test control: drop off the bus (messages are lost both ways) and come back. */
  disconnect(): void {
    this.isConnected = false
  }

  reconnect(): void {
    this.isConnected = true
    for (const listener of this.resyncListeners) listener()
  }

  async ping(): Promise<void> {
    if (!this.isConnected) throw new Error('memory pub/sub disconnected')
  }

  async close(): Promise<void> {}
}
