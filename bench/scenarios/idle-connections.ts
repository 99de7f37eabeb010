import { BenchClient } from '../lib/bench-client.js'
import { GeneratorMonitor } from '../lib/generator-monitor.js'
import { fmt, type Scenario, type ScenarioCase } from '../lib/scenario.js'
import type { ServerKind } from '../lib/server-process.js'
import { sleep } from '../lib/stats.js'
import { connectAll, dialectOf } from '../lib/typing-load.js'
import { machineLoad, withServer } from '../lib/with-server.js'

/** Handshakes in flight at once: below the kernel's listen backlog, so no connection is refused. */
const CONNECT_CONCURRENCY = 250

function idleCase(connections: number, roomSize: number, servers: readonly ServerKind[]): ScenarioCase {
  const layout = roomSize === 1 ? 'distinct documents' : `rooms of ${roomSize}`
  return {
    params: `${connections.toLocaleString('en-US')} connections, ${layout}`,
    servers,
    run: (kind) =>
      withServer(kind, async (server) => {
        await sleep(300)
        const start = await server.settledMemory()
        const runId = Math.floor(performance.now()).toString(36)
        const makeClients = (set: string): BenchClient[] =>
          Array.from({ length: connections }, (_, index) => {
            const docId = `idle-${runId}-${set}-${Math.floor(index / roomSize)}`
            return new BenchClient({ url: server.urlFor(docId), docId, dialect: dialectOf(kind), index })
          })
        // A warm-up set of the same shape first, kept open: it fills whatever the server's start-up
        // left resident but free (heap pages, malloc arenas: more for a server that loads more at
        // start), and the measured set then costs what one more connection costs. A single
        // before/after delta credited that slack to the connections, so a server with a larger
        // start-up came out cheaper per connection than the Yjs-less relay itself.
        const warmup = makeClients('warmup')
        const clients = makeClients('measured')
        try {
          await connectAll(warmup, CONNECT_CONCURRENCY, 120_000)
          await sleep(500)
          const before = await server.settledMemory()
          const monitor = new GeneratorMonitor()
          const cpuBefore = server.cpuSeconds()
          const connectMs = await connectAll(clients, CONNECT_CONCURRENCY, 120_000)
          const serverCpuS = server.cpuSeconds() - cpuBefore
          const generator = monitor.stop()
          await sleep(1000)
          const after = await server.settledMemory()
          return {
            metrics: {
              connectS: connectMs / 1000,
              bytesPerConnection: (after.rssBytes - before.rssBytes) / connections,
              warmupBytesPerConnection: (before.rssBytes - start.rssBytes) / connections,
              heapBytesPerConnection: (after.heapUsedBytes - before.heapUsedBytes) / connections,
              rssBeforeBytes: before.rssBytes,
              rssAfterBytes: after.rssBytes,
              serverCpuS,
              generatorCpu: generator.cpuShare,
              generatorLagP99Ms: generator.lagP99Ms,
              machineLoad: machineLoad(),
            },
            isConverged: [...warmup, ...clients].every((client) => client.error === null),
            isLatencyValid: !generator.isSaturated,
          }
        } finally {
          for (const client of [...warmup, ...clients]) client.close()
        }
      }),
  }
}

export const idleConnections: Scenario = {
  id: 'idle',
  title: '3. Idle connections',
  description:
    'Connections are opened (at most 250 handshakes in flight) and synced, then left idle. ' +
    'A warm-up set of as many connections, same layout, is connected first and kept open; RSS per connection = (server RSS after the measured set − RSS before it) ÷ connections, ' +
    "each RSS read after a forced full GC in the server. The warm-up set's own figure is shown too: it also fills memory the server left free at start-up. " +
    '"JS heap" (V8 heapUsed after the same GCs, measured set) is exact but leaves out native memory (sockets, libuv), which every server has alike. ' +
    '"connect all s" is until the last client holds SyncStep2 (relay: until open). "converged" = all connections stayed up.',
  columns: [
    { key: 'bytesPerConnection', label: 'KiB/conn', format: fmt.kib, hasRatio: true },
    { key: 'warmupBytesPerConnection', label: 'warm-up set KiB/conn', format: fmt.kib },
    { key: 'heapBytesPerConnection', label: 'JS heap KiB/conn', format: fmt.kib, hasRatio: true },
    { key: 'connectS', label: 'connect all s', format: fmt.s, hasRatio: true, isLatency: true },
    { key: 'rssBeforeBytes', label: 'RSS before MiB', format: fmt.mib },
    { key: 'rssAfterBytes', label: 'RSS after MiB', format: fmt.mib },
    { key: 'serverCpuS', label: 'server CPU s', format: fmt.s },
    { key: 'generatorCpu', label: 'gen CPU', format: fmt.pct },
    { key: 'generatorLagP99Ms', label: 'gen lag p99 ms', format: fmt.ms },
    { key: 'machineLoad', label: 'load avg', format: fmt.s },
  ],
  cases: (mode) => {
    // 1,000 connections on distinct documents (a room per connection) and 5,000 in rooms of 10.
    return mode.isQuick
      ? [idleCase(300, 1, mode.servers), idleCase(500, 10, mode.servers)]
      : [idleCase(1000, 1, mode.servers), idleCase(5000, 10, mode.servers)]
  },
}
