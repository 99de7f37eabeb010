import type { ServerKind } from '../lib/server-process.js'
import {
  fmt,
  GENERATOR_COLUMNS,
  type BenchMode,
  type RunResult,
  type Scenario,
  type ScenarioCase,
} from '../lib/scenario.js'
import { runTypingLoad, type TypingLoadParams, type TypingLoadResult } from '../lib/typing-load.js'
import { machineLoad, withServer } from '../lib/with-server.js'

function typingCase(params: string, servers: readonly ServerKind[], load: TypingLoadParams): ScenarioCase {
  return {
    params,
    servers,
    run: (kind) =>
      withServer(kind, async (server) => {
        const result = await runTypingLoad(server, { ...load, wantsAcks: load.wantsAcks && kind === 'tandem' })
        return toRunResult(result)
      }),
  }
}

export function toRunResult(result: TypingLoadResult): RunResult {
  return {
    metrics: {
      p50: result.latency.p50,
      p95: result.latency.p95,
      p99: result.latency.p99,
      max: result.latency.max,
      deliveredShare: result.expected > 0 ? result.delivered / result.expected : Number.NaN,
      updatesPerFrame: result.updatesPerFrame,
      typed: result.typed,
      serverCpuS: result.serverCpuS,
      cpuUsPerUpdate: result.serverCpuUsPerUpdate,
      mainUsPerUpdate: result.serverThreads.mainUsPerUpdate,
      otherUsPerUpdate: result.serverThreads.otherUsPerUpdate,
      // By thread name, for --json readers only (no table column): `us/update:<thread name>`.
      ...Object.fromEntries(
        Object.entries(result.serverThreads.usPerUpdateByName).map(([name, us]) => [`us/update:${name}`, us]),
      ),
      runsPerUpdate: result.serverThreads.runsPerUpdate,
      rssBytes: result.serverRssBytes,
      peakRssBytes: result.serverPeakRssBytes,
      connectS: result.connectMs / 1000,
      ackP50: result.ackLatency.p50,
      ackP99: result.ackLatency.p99,
      ackedPerS: result.ackedPerS,
      generatorCpu: result.generator.cpuShare,
      generatorLagP99Ms: result.generator.lagP99Ms,
      machineLoad: machineLoad(),
    },
    isConverged: result.isConverged && result.delivered >= result.expected,
    isLatencyValid: !result.generator.isSaturated,
  }
}

const LOAD_COLUMN = { key: 'machineLoad', label: 'load avg', format: fmt.s }

/**
 * The typing window and its unrecorded warm-up: `--quick` is a smoke run that must finish within 2
 * minutes (26 typing runs, each also starting a server), so it types 1.5 s after 0.5 s of warm-up.
 */
function windowFor(mode: BenchMode, fullMs: number): { durationMs: number; warmupMs?: number } {
  return mode.isQuick
    ? { durationMs: 1500, warmupMs: mode.warmupMs ?? 500 }
    : { durationMs: fullMs, warmupMs: mode.warmupMs }
}

function only(mode: BenchMode, wanted: readonly ServerKind[]): ServerKind[] {
  return mode.servers.filter((kind) => wanted.includes(kind))
}

export const fanOut: Scenario = {
  id: 'fan-out',
  title: '1. Fan-out: one document, N clients typing',
  description:
    'Every client types 2 updates/s (one Y.Array push each, random phase); latency is send → applied at each receiver. ' +
    'At N = 200 only 20 clients keep a replica and measure (all 200 type and read their sockets), so the one generator process can keep up. ' +
    '"delivered" = received / (typed × (N − 1)); "upd/frame" = updates received per update frame received (< 1 when the server echoes a sender its own update, > 1 when it merges). Server CPU covers the typing window and drain.',
  columns: [
    { key: 'p50', label: 'p50 ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'p95', label: 'p95 ms', format: fmt.ms, isLatency: true },
    { key: 'p99', label: 'p99 ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'max', label: 'max ms', format: fmt.ms, isLatency: true },
    { key: 'deliveredShare', label: 'delivered', format: fmt.pct },
    { key: 'updatesPerFrame', label: 'upd/frame', format: fmt.ratio },
    { key: 'serverCpuS', label: 'server CPU s', format: fmt.s, hasRatio: true },
    ...GENERATOR_COLUMNS,
    LOAD_COLUMN,
  ],
  cases: (mode) => {
    const timing = windowFor(mode, 5000)
    const { durationMs } = timing
    // Quick runs N = 50 only: the target case, and it keeps --quick within its 2 minutes.
    return (mode.isQuick ? [50] : [10, 50, 200]).map((clients) =>
      typingCase(
        `N=${clients}, 2/s each, ${durationMs / 1000} s${clients > 50 ? ', 20 receivers' : ''}`,
        mode.servers,
        {
          rooms: 1,
          clientsPerRoom: clients,
          receiversPerRoom: clients > 50 ? 20 : clients,
          ratePerClient: 2,
          ...timing,
          // At N = 200 a saturated generator needs longer than the window to apply every delivery.
          drainTimeoutMs: 30_000,
        },
      ),
    )
  },
}

export const manyDocuments: Scenario = {
  id: 'many-docs',
  title: '2. Many documents',
  description:
    "D documents × 4 clients, each client typing 1 update/s. RSS is the server's VmRSS at the end of the window (no forced GC), CPU over the window.",
  columns: [
    { key: 'p50', label: 'p50 ms', format: fmt.ms, isLatency: true },
    { key: 'p95', label: 'p95 ms', format: fmt.ms, isLatency: true },
    { key: 'p99', label: 'p99 ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'deliveredShare', label: 'delivered', format: fmt.pct },
    { key: 'connectS', label: 'connect s', format: fmt.s },
    { key: 'rssBytes', label: 'RSS MiB', format: fmt.mib, hasRatio: true },
    { key: 'serverCpuS', label: 'server CPU s', format: fmt.s, hasRatio: true },
    ...GENERATOR_COLUMNS,
    LOAD_COLUMN,
  ],
  cases: (mode) => {
    const documents = mode.isQuick ? 50 : 500
    const timing = windowFor(mode, 5000)
    const { durationMs } = timing
    return [
      typingCase(`${documents} docs × 4, 1/s each, ${durationMs / 1000} s`, mode.servers, {
        rooms: documents,
        clientsPerRoom: 4,
        ratePerClient: 1,
        ...timing,
        drainTimeoutMs: 5000,
      }),
    ]
  },
}

export const costPerUpdate: Scenario = {
  id: 'cost-per-update',
  title: '6. Server cost per update at a fixed rate',
  description:
    'Server CPU seconds (from /proc) over the window divided by the updates typed, at a rate well below saturation. ' +
    'Tandem appends and commits every update to SQLite; the anchors keep documents in memory only. ' +
    'The split is exact scheduler time per thread: the main (event-loop) thread, and all others (GC helpers, ' +
    "Tandem's SQLite writer); thread runs counts how often the server's threads were woken, each per update.",
  columns: [
    { key: 'cpuUsPerUpdate', label: 'CPU µs/update', format: fmt.int, hasRatio: true },
    { key: 'mainUsPerUpdate', label: 'main thread µs', format: fmt.int, hasRatio: true },
    { key: 'otherUsPerUpdate', label: 'other threads µs', format: fmt.int, hasRatio: true },
    { key: 'runsPerUpdate', label: 'thread runs', format: fmt.s },
    { key: 'typed', label: 'updates', format: fmt.int },
    { key: 'serverCpuS', label: 'server CPU s', format: fmt.s },
    { key: 'p50', label: 'p50 ms', format: fmt.ms, isLatency: true },
    { key: 'p99', label: 'p99 ms', format: fmt.ms, isLatency: true },
    ...GENERATOR_COLUMNS,
    LOAD_COLUMN,
  ],
  cases: (mode) => {
    const timing = windowFor(mode, 8000)
    const { durationMs } = timing
    const documents = mode.isQuick ? 25 : 50
    return [
      typingCase(`${documents} docs × 4, 2/s each (${documents * 8}/s), ${durationMs / 1000} s`, mode.servers, {
        rooms: documents,
        clientsPerRoom: 4,
        ratePerClient: 2,
        ...timing,
        drainTimeoutMs: 5000,
      }),
      typingCase(`1 doc × 20, 5/s each (100/s), ${durationMs / 1000} s`, mode.servers, {
        rooms: 1,
        clientsPerRoom: 20,
        ratePerClient: 5,
        ...timing,
        drainTimeoutMs: 5000,
      }),
    ]
  },
}

export const persistence: Scenario = {
  id: 'persistence',
  title: '7. Persistence: acknowledged updates',
  description:
    'Tandem with `?acks=1`: an Ack means committed to SQLite. Fixed rate: ack latency at 50 docs × 4 clients typing 2/s. ' +
    'Closed loop: each client keeps 4 unacknowledged updates in flight; acked/s is the durable throughput. ' +
    'Hocuspocus answers every update with SyncStatus(true) once applied in memory (it stores later, debounced): shown for reference, not durable.',
  columns: [
    { key: 'ackedPerS', label: 'acked upd/s', format: fmt.int, hasRatio: true },
    { key: 'ackP50', label: 'ack p50 ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'ackP99', label: 'ack p99 ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'p99', label: 'peer p99 ms', format: fmt.ms, isLatency: true },
    { key: 'serverCpuS', label: 'server CPU s', format: fmt.s },
    ...GENERATOR_COLUMNS,
    LOAD_COLUMN,
  ],
  cases: (mode) => {
    const timing = windowFor(mode, 5000)
    const { durationMs } = timing
    const servers = only(mode, ['tandem', 'hocuspocus', 'hocuspocus-sqlite'])
    return [
      typingCase(`fixed rate: 50 docs × 4, 2/s each, ${durationMs / 1000} s`, servers, {
        rooms: 50,
        clientsPerRoom: 4,
        ratePerClient: 2,
        ...timing,
        drainTimeoutMs: 5000,
        wantsAcks: true,
      }),
      typingCase(`closed loop: 20 docs × 2, window 4, ${durationMs / 1000} s`, servers, {
        rooms: 20,
        clientsPerRoom: 2,
        ratePerClient: 1,
        ...timing,
        drainTimeoutMs: 5000,
        wantsAcks: true,
        closedLoopWindow: 4,
      }),
    ]
  },
}
