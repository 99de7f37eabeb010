import { BenchClient, haveConverged, LatencyRecorder, type Dialect } from './bench-client.js'
import { GeneratorMonitor, type GeneratorLoad } from './generator-monitor.js'
import type { ServerKind, ServerProcess } from './server-process.js'
import { createRandom, sleep, summarize, waitUntil, type LatencySummary } from './stats.js'

export function dialectOf(kind: ServerKind): Dialect {
  if (kind === 'hocuspocus') return 'hocuspocus'
  if (kind === 'relay') return 'relay'
  return 'y-websocket'
}

/** Opens every client, at most `concurrency` handshakes in flight, and waits until all are synced. */
export async function connectAll(clients: BenchClient[], concurrency: number, timeoutMs: number): Promise<number> {
  const startedAt = performance.now()
  let next = 0
  const worker = async (): Promise<void> => {
    for (let client = clients[next++]; client; client = clients[next++]) {
      client.connect()
      await client.synced
    }
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`clients not synced within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    await Promise.race([Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker)), timeout])
  } finally {
    clearTimeout(timer)
  }
  return performance.now() - startedAt
}

export interface TypingLoadParams {
  rooms: number
  clientsPerRoom: number
  /**
   * Clients per room that apply what they receive and measure latency (default: all). The rest
   * type and read their sockets but keep no replica of the others' updates: at N = 200, 200
   * replicas applying 400 updates/s each would measure the generator, not the server.
   */
  receiversPerRoom?: number
  /** Updates per second each client types. */
  ratePerClient: number
  durationMs: number
  /** After typing stops, how long to wait for every update to be delivered. */
  drainTimeoutMs: number
  /** Ask Tandem for Ack frames (persistence scenario). */
  wantsAcks?: boolean
  /**
   * Closed loop instead of a fixed rate: each client keeps this many unacknowledged updates in
   * flight and types the next one when an acknowledgement arrives (`ratePerClient` is ignored).
   */
  closedLoopWindow?: number
  seed?: number
}

export interface TypingLoadResult {
  latency: LatencySummary
  /** Updates typed in the window. */
  typed: number
  /** Entries received by peers / typed × (room size − 1). */
  delivered: number
  expected: number
  /** Typed updates per update-bearing frame received (> 1 when the server merges). */
  updatesPerFrame: number
  serverCpuS: number
  serverCpuUsPerUpdate: number
  serverRssBytes: number
  serverPeakRssBytes: number
  connectMs: number
  generator: GeneratorLoad
  isConverged: boolean
  ackLatency: LatencySummary
  acknowledged: number
  /** Updates acknowledged per second while typing (closed loop: the persistence throughput). */
  ackedPerS: number
  elapsedS: number
}

const CONNECT_CONCURRENCY = 200

/**
 * The shared load shape of the fan-out, many-documents, cost-per-update and persistence scenarios:
 * `rooms` documents with `clientsPerRoom` clients each, every client typing `ratePerClient`
 * updates per second on a fixed, seeded schedule (same for every server).
 */
export async function runTypingLoad(server: ServerProcess, params: TypingLoadParams): Promise<TypingLoadResult> {
  const recorder = new LatencyRecorder()
  const random = createRandom(params.seed ?? 8)
  const runId = Math.floor(performance.now()).toString(36)
  const clients: BenchClient[] = []
  const roomsOf: BenchClient[][] = []
  const receiversPerRoom = Math.min(params.receiversPerRoom ?? params.clientsPerRoom, params.clientsPerRoom)
  const isReceiver = (client: BenchClient): boolean => client.options.isHeadless !== true
  for (let room = 0; room < params.rooms; room++) {
    const docId = `bench-${runId}-${room}`
    const members: BenchClient[] = []
    for (let member = 0; member < params.clientsPerRoom; member++) {
      const client = new BenchClient({
        url: server.urlFor(docId, params.wantsAcks ? '?acks=1' : ''),
        docId,
        dialect: dialectOf(server.kind),
        index: clients.length,
        recorder,
        isHeadless: member >= receiversPerRoom,
      })
      members.push(client)
      clients.push(client)
    }
    roomsOf.push(members)
  }
  try {
    const connectMs = await connectAll(clients, CONNECT_CONCURRENCY, 60_000)
    await sleep(300)
    // Handshake frames and their acks are not part of the window.
    const acksBefore = clients.map((client) => client.ackLatenciesMs.length)
    const receivers = clients.filter(isReceiver)
    const framesBefore = receivers.reduce((sum, client) => sum + client.updateFramesReceived, 0)
    const entriesBefore = recorder.entriesReceived
    const cpuBefore = server.cpuSeconds()
    const monitor = new GeneratorMonitor()
    recorder.isRecording = true
    const startedAt = performance.now()
    const intervalMs = 1000 / params.ratePerClient
    const timers: NodeJS.Timeout[] = []
    let isTyping = true
    const window = params.closedLoopWindow
    if (window !== undefined) {
      for (const client of clients) {
        client.onAcknowledged = () => {
          while (isTyping && client.unacknowledged < window) client.type()
        }
        client.onAcknowledged()
      }
    }
    // Each client starts at a random phase so the load is spread, not synchronised bursts.
    for (const client of window === undefined ? clients : []) {
      const phase = random() * intervalMs
      timers.push(
        setTimeout(() => {
          client.type()
          timers.push(setInterval(() => client.type(), intervalMs))
        }, phase),
      )
    }
    await sleep(params.durationMs)
    isTyping = false
    for (const timer of timers) clearTimeout(timer)
    const ackedInWindow = clients.reduce(
      (sum, client, i) => sum + client.ackLatenciesMs.length - (acksBefore[i] ?? 0),
      0,
    )
    const typed = clients.reduce((sum, client) => sum + client.typed, 0)
    // Every receiver gets every update but its own.
    const expected = clients.reduce((sum, c) => sum + c.typed * (receiversPerRoom - (isReceiver(c) ? 1 : 0)), 0)
    await waitUntil(
      () => recorder.entriesReceived - entriesBefore >= expected || clients.some((c) => c.error !== null),
      params.drainTimeoutMs,
    )
    if (params.wantsAcks) {
      await waitUntil(() => clients.every((c) => c.acknowledged >= c.updateFramesSent), params.drainTimeoutMs)
    }
    const elapsedS = (performance.now() - startedAt) / 1000
    const serverCpuS = server.cpuSeconds() - cpuBefore
    const generator = monitor.stop()
    recorder.isRecording = false
    const failed = clients.find((client) => client.error !== null)
    if (failed) throw failed.error
    const memory = server.memory()
    const framesReceived = receivers.reduce((sum, client) => sum + client.updateFramesReceived, 0) - framesBefore
    const delivered = recorder.entriesReceived - entriesBefore
    const ackSamples = clients.flatMap((client, i) => client.ackLatenciesMs.slice(acksBefore[i]))
    return {
      latency: summarize(recorder.samplesMs),
      typed,
      delivered,
      expected,
      updatesPerFrame: framesReceived > 0 ? delivered / framesReceived : Number.NaN,
      serverCpuS,
      serverCpuUsPerUpdate: typed > 0 ? (serverCpuS * 1e6) / typed : Number.NaN,
      serverRssBytes: memory.rssBytes,
      serverPeakRssBytes: memory.peakRssBytes,
      connectMs,
      generator,
      isConverged: roomsOf.every((members) => {
        const replicas = members.filter(isReceiver)
        const typedInRoom = members.reduce((sum, client) => sum + client.typed, 0)
        return haveConverged(replicas) && replicas.every((replica) => replica.log.length === typedInRoom)
      }),
      ackLatency: summarize(ackSamples),
      acknowledged: clients.reduce((sum, client) => sum + client.acknowledged, 0),
      ackedPerS: ackedInWindow / (params.durationMs / 1000),
      elapsedS,
    }
  } finally {
    for (const client of clients) client.close()
  }
}
