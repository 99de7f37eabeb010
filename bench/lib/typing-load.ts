import { BenchClient, haveConverged, LatencyRecorder, type Dialect } from './bench-client.js'
import { GeneratorMonitor, type GeneratorLoad } from './generator-monitor.js'
import { HttpLinkPool, type HttpLinkCounters } from './http-link.js'
import type { ServerKind, ServerProcess } from './server-process.js'
import { threadSplit } from './proc-stats.js'
import { createRandom, sleep, summarize, waitUntil, type LatencySummary } from './stats.js'

export function dialectOf(kind: ServerKind): Dialect {
  if (kind === 'hocuspocus' || kind === 'hocuspocus-sqlite') return 'hocuspocus'
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

/** How clients reach Tandem: its WebSocket, or an HTTP fallback downlink with POSTs up. */
export type BenchTransport = 'websocket' | 'sse' | 'long-poll'

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
  /** Fixed-rate load only: unrecorded typing (then a drain) before the window; default 1 s, 0 for none. */
  warmupMs?: number
  /** After typing stops, how long to wait for every update to be delivered. */
  drainTimeoutMs: number
  /** Ask Tandem for Ack frames (persistence scenario). */
  wantsAcks?: boolean
  /** Ask Tandem for Threads frames (`?threads=1`, comments live), as the web app does (bench:comments). */
  wantsThreads?: boolean
  /** Runs once the document ids are known, before any client connects (bench:comments opens threads). */
  beforeConnect?: (server: ServerProcess, docIds: readonly string[]) => Promise<void>
  /**
   * Closed loop instead of a fixed rate: each client keeps this many unacknowledged updates in
   * flight and types the next one when an acknowledgement arrives (`ratePerClient` is ignored).
   */
  closedLoopWindow?: number
  seed?: number
  /** Tandem only: `sse` and `long-poll` use the HTTP fallback (bench/lib/http-link.ts). Default `websocket`. */
  transport?: BenchTransport
  /**
   * With several servers (instances sharing storage and fan-out): which one each client connects
   * to, by its index in its room and the room's index. Default: all on the first.
   */
  instanceOf?: (member: number, room: number) => number
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
  /** Summed over the servers. */
  serverCpuS: number
  /** Per server, in the order given. */
  serverCpuSByInstance: number[]
  serverCpuUsPerUpdate: number
  /** The server CPU per update split by thread (exact, from schedstat), and thread runs per update. */
  serverThreads: {
    mainUsPerUpdate: number
    otherUsPerUpdate: number
    runsPerUpdate: number
    /** CPU µs per update by thread name (`--json` only: which "other" thread did the work). */
    usPerUpdateByName: Record<string, number>
  }
  /** Latency of deliveries between clients on the same server / on different servers (several servers only). */
  latencyByPair: { same: LatencySummary; cross: LatencySummary } | null
  /** HTTP transports: requests and frames over the typing window and drain (null on WebSocket). */
  http: HttpLinkCounters | null
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

/** `?acks=1&threads=1`, as far as asked for. */
function queryOf(params: TypingLoadParams): string {
  const query = new URLSearchParams()
  if (params.wantsAcks) query.set('acks', '1')
  if (params.wantsThreads) query.set('threads', '1')
  const text = query.toString()
  return text ? `?${text}` : ''
}
/** Unrecorded typing before each fixed-rate window (see runTypingLoad). */
const DEFAULT_WARMUP_MS = 1_000

/**
 * Every client types `ratePerClient` updates a second until stopped, each starting at a random
 * phase so the load is spread, not synchronised bursts.
 */
function typeAtFixedRate(clients: BenchClient[], ratePerClient: number, random: () => number): { stop(): void } {
  const intervalMs = 1000 / ratePerClient
  const timers: NodeJS.Timeout[] = []
  for (const client of clients) {
    timers.push(
      setTimeout(() => {
        client.type()
        timers.push(setInterval(() => client.type(), intervalMs))
      }, random() * intervalMs),
    )
  }
  return { stop: () => timers.forEach((timer) => clearTimeout(timer)) }
}

/**
 * The shared load shape of the fan-out, many-documents, cost-per-update and persistence scenarios:
 * `rooms` documents with `clientsPerRoom` clients each, every client typing `ratePerClient`
 * updates per second on a fixed, seeded schedule (same for every server).
 */
export async function runTypingLoad(
  target: ServerProcess | readonly ServerProcess[],
  params: TypingLoadParams,
): Promise<TypingLoadResult> {
  const servers: readonly ServerProcess[] = Array.isArray(target) ? target : [target as ServerProcess]
  const server = servers[0]
  if (!server) throw new Error('runTypingLoad needs a server')
  const transport = params.transport ?? 'websocket'
  if (transport !== 'websocket' && servers.some((s) => s.kind !== 'tandem')) {
    throw new Error(`${transport} is a Tandem transport`)
  }
  /** Server index of every client, by client index (the number in every entry it types). */
  const instanceOfClient: number[] = []
  const recorder = new LatencyRecorder(
    servers.length > 1
      ? (sender, receiver) => (instanceOfClient[sender] === instanceOfClient[receiver] ? 'same' : 'cross')
      : undefined,
  )
  const httpLinks = transport === 'websocket' ? null : new HttpLinkPool(params.rooms * params.clientsPerRoom)
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
      const instance = params.instanceOf?.(member, room) ?? 0
      const home = servers[instance]
      if (!home) throw new Error(`no server ${instance} for client ${member} of room ${room}`)
      instanceOfClient.push(instance)
      const wsUrl = home.urlFor(docId, queryOf(params))
      const client = new BenchClient({
        // HTTP links take the document's base URL and add /events, /poll or /messages themselves.
        url: httpLinks ? home.urlFor(docId).replace(/^ws/, 'http') : wsUrl,
        docId,
        dialect: dialectOf(home.kind),
        index: clients.length,
        recorder,
        isHeadless: member >= receiversPerRoom,
        openLink: httpLinks?.opener(transport === 'sse' ? 'sse' : 'long-poll'),
      })
      members.push(client)
      clients.push(client)
    }
    roomsOf.push(members)
  }
  /** Entries the receivers should get for what each client typed since `typedBefore`: every update but their own. */
  const deliveriesSince = (typedBefore: readonly number[]): number =>
    clients.reduce(
      (sum, client, i) => sum + (client.typed - typedBefore[i]!) * (receiversPerRoom - (isReceiver(client) ? 1 : 0)),
      0,
    )
  /** Waits until `expected` entries arrived since `entriesBefore` (or a client failed, or the drain timed out). */
  const drain = (entriesBefore: number, expected: number): Promise<boolean> =>
    waitUntil(
      () => recorder.entriesReceived - entriesBefore >= expected || clients.some((c) => c.error !== null),
      params.drainTimeoutMs,
    )
  try {
    await params.beforeConnect?.(server, [...new Set(clients.map((client) => client.options.docId))])
    const connectMs = await connectAll(clients, CONNECT_CONCURRENCY, 60_000)
    await sleep(300)
    const warmupMs = params.warmupMs ?? DEFAULT_WARMUP_MS
    if (warmupMs > 0 && params.closedLoopWindow === undefined) {
      // Type unrecorded first, then let it drain: the window measures the steady state, not the
      // first second's JIT compilation of cold paths (in the server and in this generator alike).
      const entriesBeforeWarmup = recorder.entriesReceived
      const typedBeforeWarmup = clients.map((client) => client.typed)
      const warmup = typeAtFixedRate(clients, params.ratePerClient, random)
      await sleep(warmupMs)
      warmup.stop()
      await drain(entriesBeforeWarmup, deliveriesSince(typedBeforeWarmup))
    }
    const typedBefore = clients.map((client) => client.typed)
    // Handshake frames and their acks are not part of the window.
    const acksBefore = clients.map((client) => client.ackLatenciesMs.length)
    const receivers = clients.filter(isReceiver)
    const framesBefore = receivers.reduce((sum, client) => sum + client.updateFramesReceived, 0)
    const entriesBefore = recorder.entriesReceived
    const cpuBefore = servers.map((s) => s.cpuSeconds())
    const threadsBefore = servers.map((s) => s.threadTimes())
    const httpBefore = httpLinks
      ? { ...httpLinks.counters, retryReasons: { ...httpLinks.counters.retryReasons } }
      : null
    const monitor = new GeneratorMonitor()
    recorder.isRecording = true
    const startedAt = performance.now()
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
    const typing = window === undefined ? typeAtFixedRate(clients, params.ratePerClient, random) : null
    await sleep(params.durationMs)
    isTyping = false
    typing?.stop()
    const ackedInWindow = clients.reduce(
      (sum, client, i) => sum + client.ackLatenciesMs.length - (acksBefore[i] ?? 0),
      0,
    )
    const typed = clients.reduce((sum, client, i) => sum + client.typed - typedBefore[i]!, 0)
    const expected = deliveriesSince(typedBefore)
    await drain(entriesBefore, expected)
    if (params.wantsAcks) {
      await waitUntil(() => clients.every((c) => c.acknowledged >= c.updateFramesSent), params.drainTimeoutMs)
    }
    const elapsedS = (performance.now() - startedAt) / 1000
    const serverCpuSByInstance = servers.map((s, i) => s.cpuSeconds() - (cpuBefore[i] ?? 0))
    const serverCpuS = serverCpuSByInstance.reduce((sum, seconds) => sum + seconds, 0)
    const threads = servers
      .map((s, i) => threadSplit(s.pid, threadsBefore[i] ?? new Map(), s.threadTimes()))
      .reduce((sum, split) => ({
        mainCpuS: sum.mainCpuS + split.mainCpuS,
        otherCpuS: sum.otherCpuS + split.otherCpuS,
        runs: sum.runs + split.runs,
        cpuSByName: Object.fromEntries(
          [...new Set([...Object.keys(sum.cpuSByName), ...Object.keys(split.cpuSByName)])].map((name) => [
            name,
            (sum.cpuSByName[name] ?? 0) + (split.cpuSByName[name] ?? 0),
          ]),
        ),
      }))
    const http =
      httpLinks && httpBefore
        ? {
            posts: httpLinks.counters.posts - httpBefore.posts,
            framesUp: httpLinks.counters.framesUp - httpBefore.framesUp,
            downlinkResponses: httpLinks.counters.downlinkResponses - httpBefore.downlinkResponses,
            framesDown: httpLinks.counters.framesDown - httpBefore.framesDown,
            postRetries: httpLinks.counters.postRetries - httpBefore.postRetries,
            retryReasons: Object.fromEntries(
              Object.entries(httpLinks.counters.retryReasons).map(([reason, count]) => [
                reason,
                count - (httpBefore.retryReasons[reason] ?? 0),
              ]),
            ),
          }
        : null
    const generator = monitor.stop()
    recorder.isRecording = false
    const failed = clients.find((client) => client.error !== null)
    if (failed) throw failed.error
    const memories = servers.map((s) => s.memory())
    const memory = {
      rssBytes: memories.reduce((sum, m) => sum + m.rssBytes, 0),
      peakRssBytes: memories.reduce((sum, m) => sum + m.peakRssBytes, 0),
    }
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
      serverCpuSByInstance,
      serverCpuUsPerUpdate: typed > 0 ? (serverCpuS * 1e6) / typed : Number.NaN,
      serverThreads: {
        mainUsPerUpdate: typed > 0 ? (threads.mainCpuS * 1e6) / typed : Number.NaN,
        otherUsPerUpdate: typed > 0 ? (threads.otherCpuS * 1e6) / typed : Number.NaN,
        runsPerUpdate: typed > 0 ? threads.runs / typed : Number.NaN,
        usPerUpdateByName: Object.fromEntries(
          Object.entries(threads.cpuSByName).map(([name, cpuS]) => [
            name,
            typed > 0 ? (cpuS * 1e6) / typed : Number.NaN,
          ]),
        ),
      },
      latencyByPair:
        servers.length > 1
          ? {
              same: summarize(recorder.samplesByClassMs.get('same') ?? []),
              cross: summarize(recorder.samplesByClassMs.get('cross') ?? []),
            }
          : null,
      http,
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
    httpLinks?.destroy()
  }
}
