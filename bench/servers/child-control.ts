import { writeHeapSnapshot } from 'node:v8'

/**
 * The parent side of a server-under-test talks to it over the Node IPC channel only, so every
 * server (Tandem or an anchor) is started, measured and stopped the same way.
 */

export type ControlMessage = { type: 'gc' } | { type: 'stop' } | { type: 'heap-snapshot'; path: string }
export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'gc-done'; heapUsedBytes: number }
  | { type: 'heap-snapshot-done'; path: string }
  | { type: 'stopped' }

/** Reports the bound port and serves `gc` (so RSS is read after a full collection) and `stop`. */
export function serveControl(port: number, close: () => Promise<void>): void {
  const send = (message: ChildMessage): void => {
    process.send?.(message)
  }
  process.on('message', (message: ControlMessage) => {
    if (message.type === 'gc') {
      // Two passes: the first may only move objects to the old generation.
      globalThis.gc?.()
      globalThis.gc?.()
      // Live JavaScript objects after a full collection: exact, unlike RSS (see idle-connections.ts).
      send({ type: 'gc-done', heapUsedBytes: process.memoryUsage().heapUsed })
    } else if (message.type === 'heap-snapshot') {
      // After a full collection, so the snapshot holds what is live (bench/tools/idle-heap.ts).
      globalThis.gc?.()
      send({ type: 'heap-snapshot-done', path: writeHeapSnapshot(message.path) })
    } else if (message.type === 'stop') {
      close()
        .catch((error: unknown) => process.stderr.write(`bench server: close failed: ${String(error)}\n`))
        .finally(() => {
          send({ type: 'stopped' })
          process.exit(0)
        })
    }
  })
  // The parent going away must not leave an orphan server holding a port and a core.
  process.on('disconnect', () => process.exit(0))
  send({ type: 'ready', port })
}

/** Directory of whole-document snapshots (`<docName>.bin`) the anchors load a document from. */
export function snapshotDir(): string | undefined {
  return process.env.BENCH_SNAPSHOT_DIR || undefined
}
