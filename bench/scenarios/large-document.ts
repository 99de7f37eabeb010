import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as Y from 'yjs'
import { BenchClient } from '../lib/bench-client.js'
import { GENERATOR_SATURATED_LAG_P99_MS, GeneratorMonitor } from '../lib/generator-monitor.js'
import { fmt, GENERATOR_COLUMNS, type Scenario, type ScenarioCase } from '../lib/scenario.js'
import { seedDocument } from '../lib/seed.js'
import { loadsPreparedDocuments, type ServerKind, type ServerProcess } from '../lib/server-process.js'
import { sleep } from '../lib/stats.js'
import { dialectOf } from '../lib/typing-load.js'
import { generateTypingTrace } from '../lib/typing-trace.js'
import { machineLoad, withServer } from '../lib/with-server.js'

interface Trace {
  state: Uint8Array
  stateV2Bytes: number
  text: string
}

const DOC_ID = 'large-trace'

function directoryBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const file = path.join(dir, name)
    const stat = statSync(file)
    return sum + (stat.isDirectory() ? directoryBytes(file) : stat.size)
  }, 0)
}

/** One joiner: request (its SyncStep1) → SyncStep2 received, and the time to apply it. */
async function join(server: ServerProcess, trace: Trace | null, docId = DOC_ID) {
  const joiner = new BenchClient({
    url: server.urlFor(docId),
    docId,
    dialect: dialectOf(server.kind),
    index: 0,
  })
  joiner.connect()
  try {
    await joiner.synced
    const appliedAt = performance.now()
    return {
      requestMs: joiner.syncStep2At - joiner.syncRequestedAt,
      connectMs: joiner.syncStep2At - joiner.connectStartedAt,
      // Measured after `synced` resolves, which happens right after the apply in the message handler.
      applyMs: appliedAt - joiner.syncStep2At,
      bytes: joiner.syncStep2Bytes,
      isConverged: trace === null || joiner.doc.getText('body').toString() === trace.text,
    }
  } finally {
    joiner.close()
  }
}

function largeDocumentCase(operations: number, servers: readonly ServerKind[]): ScenarioCase {
  let trace: Trace | null = null
  const getTrace = (): Trace => {
    if (!trace) {
      const generated = generateTypingTrace(operations)
      trace = {
        state: Y.encodeStateAsUpdate(generated.doc),
        stateV2Bytes: Y.encodeStateAsUpdateV2(generated.doc).byteLength,
        text: generated.doc.getText('body').toString(),
      }
    }
    return trace
  }
  return {
    params: `${operations.toLocaleString('en-US')}-op typing trace, cold load`,
    servers: servers.filter(loadsPreparedDocuments),
    run: async (kind) => {
      const current = getTrace()
      const storage = mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-large-'))
      try {
        // Storage is prepared by a previous server process, so the measured one starts cold.
        if (kind === 'tandem') {
          await withServer(kind, async (server) => (await seedDocument(server, DOC_ID, current.state)).close(), {
            dataDir: storage,
          })
        } else {
          mkdirSync(storage, { recursive: true })
          writeFileSync(path.join(storage, `${DOC_ID}.bin`), current.state)
        }
        const storedBytes = directoryBytes(storage)
        return await withServer(
          kind,
          async (server) => {
            // Warm the process up on another document first: "cold" means the document is not in
            // memory, not that the server has never run a sync (module loading, JIT).
            await join(server, null, 'warm-up')
            await sleep(300)
            const cpuBefore = server.cpuSeconds()
            const monitor = new GeneratorMonitor()
            const cold = await join(server, current)
            const coldCpuS = server.cpuSeconds() - cpuBefore
            const warm = await join(server, current)
            const generator = monitor.stop()
            return {
              metrics: {
                encodedBytes: current.state.byteLength,
                encodedV2Bytes: current.stateV2Bytes,
                storedBytes,
                syncStep2Bytes: cold.bytes,
                coldRequestMs: cold.requestMs,
                coldConnectMs: cold.connectMs,
                coldCpuS,
                warmRequestMs: warm.requestMs,
                applyMs: cold.applyMs,
                generatorCpu: generator.cpuShare,
                generatorLagP99Ms: generator.lagP99Ms,
                machineLoad: machineLoad(),
              },
              isConverged: cold.isConverged && warm.isConverged,
              // The joiner applying the state is the generator's only work; lag shows machine contention.
              isLatencyValid: generator.lagP99Ms < GENERATOR_SATURATED_LAG_P99_MS,
            }
          },
          kind === 'tandem' ? { dataDir: storage } : { snapshotDir: storage },
        )
      } finally {
        rmSync(storage, { recursive: true, force: true })
      }
    },
  }
}

export const largeDocument: Scenario = {
  id: 'large-doc',
  title: '5. Large document: cold load',
  description:
    'A deterministic typing trace (fixed client id; ~70 % inserts, ~30 % backspaces, occasional cursor jumps), one transaction per operation. ' +
    'Tandem is seeded through a client and restarted on the same SQLite file; the anchors load a stored state file on first open (their persistence shape). ' +
    'cold = first joiner of the document in a fresh process (warmed up on another document): its SyncStep1 sent → SyncStep2 received; warm = a second joiner after it. "stored" = bytes on disk.',
  columns: [
    { key: 'encodedBytes', label: 'encoded V1 KiB', format: fmt.kib },
    { key: 'encodedV2Bytes', label: 'encoded V2 KiB', format: fmt.kib },
    { key: 'storedBytes', label: 'stored KiB', format: fmt.kib },
    { key: 'syncStep2Bytes', label: 'SyncStep2 KiB', format: fmt.kib },
    { key: 'coldRequestMs', label: 'cold req→SS2 ms', format: fmt.ms, hasRatio: true, isLatency: true },
    { key: 'coldConnectMs', label: 'cold connect→SS2 ms', format: fmt.ms, isLatency: true },
    { key: 'coldCpuS', label: 'cold server CPU s', format: fmt.s, hasRatio: true },
    { key: 'warmRequestMs', label: 'warm req→SS2 ms', format: fmt.ms, hasRatio: true, isLatency: true },
    { key: 'applyMs', label: 'joiner apply ms', format: fmt.ms },
    ...GENERATOR_COLUMNS,
    { key: 'machineLoad', label: 'load avg', format: fmt.s },
  ],
  cases: (mode) => [largeDocumentCase(mode.isQuick ? 60_000 : 260_000, mode.servers)],
}
