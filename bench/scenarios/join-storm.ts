import * as Y from 'yjs'
import { BenchClient } from '../lib/bench-client.js'
import { GeneratorMonitor } from '../lib/generator-monitor.js'
import { fmt, type Scenario, type ScenarioCase } from '../lib/scenario.js'
import { seedDocument } from '../lib/seed.js'
import { holdsDocuments, type ServerKind } from '../lib/server-process.js'
import { createRandom, sleep, summarize } from '../lib/stats.js'
import { connectAll, dialectOf } from '../lib/typing-load.js'
import { machineLoad, withServer } from '../lib/with-server.js'

const PARAGRAPH_BYTES = 1200

/** A document of about `targetBytes` of text in paragraph-sized inserts at random places. */
function largeDocumentState(targetBytes: number): Uint8Array {
  const random = createRandom(150)
  const doc = new Y.Doc()
  doc.clientID = 2
  const body = doc.getText('body')
  const words = 'the quick brown fox jumps over a lazy dog while collaborators keep typing '.split(' ')
  while (body.length < targetBytes) {
    let paragraph = ''
    while (paragraph.length < PARAGRAPH_BYTES) paragraph += `${words[Math.floor(random() * words.length)] ?? ''} `
    body.insert(Math.floor(random() * body.length), `${paragraph}\n`)
  }
  return Y.encodeStateAsUpdate(doc)
}

/** Joiners whose received SyncStep2 is applied and compared with the seed: the first, middle and last. */
function sampledIndexes(joiners: number): Set<number> {
  return new Set([0, joiners >> 1, joiners - 1])
}

function stormCase(joiners: number, documentBytes: number, servers: readonly ServerKind[]): ScenarioCase {
  let state: Uint8Array | null = null
  return {
    params: `${joiners} joiners at once, ${(documentBytes / 1024 / 1024).toFixed(1)} MB text`,
    servers: servers.filter(holdsDocuments),
    run: (kind) =>
      withServer(kind, async (server) => {
        state ??= largeDocumentState(documentBytes)
        const docId = `storm-${Math.floor(performance.now()).toString(36)}`
        const seeder = await seedDocument(server, docId, state)
        await sleep(300)
        const expected = new Y.Doc()
        Y.applyUpdate(expected, state)
        const samples = sampledIndexes(joiners)
        const clients = Array.from(
          { length: joiners },
          (_, index) =>
            new BenchClient({
              url: server.urlFor(docId),
              docId,
              dialect: dialectOf(kind),
              index,
              // Applying megabytes in 150 generator-side replicas would time the generator, not the server.
              isHeadless: true,
              keepsSyncStep2: samples.has(index),
            }),
        )
        const monitor = new GeneratorMonitor()
        const cpuBefore = server.cpuSeconds()
        try {
          const allMs = await connectAll(clients, joiners, 120_000)
          const serverCpuS = server.cpuSeconds() - cpuBefore
          const generator = monitor.stop()
          const latency = summarize(clients.map((client) => client.syncStep2At - client.connectStartedAt))
          const isConverged = clients.every((client, index) => {
            if (!client.syncStep2Payload) return !samples.has(index) && client.syncStep2Bytes > 0
            const replica = new Y.Doc()
            Y.applyUpdate(replica, client.syncStep2Payload)
            return replica.getText('body').toString() === expected.getText('body').toString()
          })
          return {
            metrics: {
              documentBytes: state.byteLength,
              syncStep2Bytes: clients[0]?.syncStep2Bytes ?? Number.NaN,
              p50: latency.p50,
              p99: latency.p99,
              allS: allMs / 1000,
              serverCpuS,
              rssBytes: server.memory().rssBytes,
              generatorCpu: generator.cpuShare,
              generatorLagP99Ms: generator.lagP99Ms,
              machineLoad: machineLoad(),
            },
            isConverged,
            isLatencyValid: !generator.isSaturated,
          }
        } finally {
          for (const client of clients) client.close()
          seeder.close()
        }
      }),
  }
}

export const joinStorm: Scenario = {
  id: 'join-storm',
  title: '4. Join storm',
  description:
    'One document of a few MB is seeded and kept open by one client; then all joiners connect at once. ' +
    'Time to synced = connect start → SyncStep2 received (joiners keep no Y.Doc; three sampled joiners apply their SyncStep2 and are compared with the seed). ' +
    'Server CPU covers the storm. The relay holds no state, so it has no row.',
  columns: [
    { key: 'documentBytes', label: 'doc KiB', format: fmt.kib },
    { key: 'p50', label: 'synced p50 ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'p99', label: 'synced p99 ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'allS', label: 'all synced s', format: fmt.s, isLatency: true },
    { key: 'serverCpuS', label: 'server CPU s', format: fmt.s, hasRatio: true },
    { key: 'rssBytes', label: 'RSS MiB', format: fmt.mib },
    { key: 'generatorCpu', label: 'gen CPU', format: fmt.pct },
    { key: 'generatorLagP99Ms', label: 'gen lag p99 ms', format: fmt.ms },
    { key: 'machineLoad', label: 'load avg', format: fmt.s },
  ],
  cases: (mode) => [
    mode.isQuick ? stormCase(30, 1024 * 1024, mode.servers) : stormCase(150, 2.5 * 1024 * 1024, mode.servers),
  ],
}
