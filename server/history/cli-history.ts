import type { Logger } from '../logger.js'
import { createMetrics } from '../metrics.js'
import { LocalPubSub } from '../pubsub/local-pubsub.js'
import { resolveLimits } from '../server-limits.js'
import type { DocStore } from '../storage/doc-store.js'
import { RoomRegistry } from '../sync/room-registry.js'
import { createVersionStore } from './create-version-store.js'
import { HistoryService } from './history-service.js'
import type { VersionMeta } from './version-store.js'

/** Version history straight on storage, for CLI commands run without a server. */
export function openHistory(store: DocStore, log: Logger) {
  const limits = resolveLimits()
  const history = new HistoryService({
    versions: createVersionStore(store),
    store,
    timing: { idleMs: limits.versionIdleMs, maxIntervalMs: limits.versionMaxIntervalMs },
    log,
  })
  const registry = new RoomRegistry({
    store,
    pubsub: new LocalPubSub(),
    log,
    metrics: createMetrics(),
    limits,
    unloadDelayMs: 0,
    hooks: history.roomHooks,
  })
  history.attach(registry)
  return {
    history,
    // The version store shares the document store's connection, which its caller closes.
    close: () => registry.closeAll(1000, 'done'),
  }
}

/** One line per version, newest first, for `tandem versions`. */
export function formatVersionTable(
  versions: Pick<VersionMeta, 'id' | 'createdAt' | 'name' | 'authors' | 'sizeBytes'>[],
): string {
  if (versions.length === 0) return 'no versions yet\n'
  const rows = versions.map((v) => [
    String(v.id),
    new Date(v.createdAt).toISOString().replace('T', ' ').slice(0, 19),
    v.name ?? '(automatic)',
    v.authors.join(', ') || '-',
    `${v.sizeBytes} B`,
  ])
  const header = ['id', 'time (UTC)', 'name', 'authors', 'size']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return (
    [header, ...rows]
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  )
}
