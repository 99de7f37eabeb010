import type { DocId } from '../../shared/ids.js'
import { createLogger } from '../../server/logger.js'
import { createMetrics, type Metrics } from '../../server/metrics.js'
import { LocalPubSub } from '../../server/pubsub/local-pubsub.js'
import type { PubSub } from '../../server/pubsub/pubsub.js'
import type { TickClock } from '../../shared/tick-throttle.js'
import { resolveLimits } from '../../server/server-limits.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { DocRoom } from '../../server/sync/doc-room.js'

/** A DocRoom on its own, with default limits, a memory store and no other instances. */
export async function openTestRoom(
  docId: DocId,
  store = new MemoryDocStore(),
  metrics: Metrics = createMetrics(),
  options: { presenceClock?: TickClock; pubsub?: PubSub } = {},
): Promise<{ room: DocRoom; store: MemoryDocStore; metrics: Metrics }> {
  const room = await DocRoom.load(docId, {
    store,
    pubsub: options.pubsub ?? new LocalPubSub(),
    presenceClock: options.presenceClock,
    log: createLogger('silent'),
    metrics,
    limits: resolveLimits(),
    requestCompaction: () => undefined,
    onBroken: () => undefined,
  })
  return { room, store, metrics }
}
