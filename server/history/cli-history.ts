import type { Logger } from '../logger.js'
import { createMetrics } from '../metrics.js'
import { LocalPubSub } from '../pubsub/local-pubsub.js'
import { resolveLimits } from '../server-limits.js'
import type { StorageBackend } from '../storage/storage-backend.js'
import { RoomRegistry } from '../sync/room-registry.js'
import { HistoryService } from './history-service.js'
import type { VersionMeta } from './version-store.js'

/** Version history straight on storage, for CLI commands run without a server. */
export function openHistory(storage: StorageBackend, log: Logger) {
  const limits = resolveLimits()
  const store = storage.docs
  const history = new HistoryService({
    versions: storage.versions,
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
    // The stores belong to `storage`, which its caller closes.
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
