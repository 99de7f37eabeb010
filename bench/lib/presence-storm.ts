/**
 * A presence storm without browsers (issue 23): N stock clients on one document, each moving its
 * cursor at R Hz for a window, while a few of them type. Clients are the providers apps use: y-websocket
 * 3.1.0's WebsocketProvider (Tandem, the y-websocket server) and @hocuspocus/provider 3.4.4
 * (Hocuspocus). Measures the server's CPU over the window, awareness updates each client received
 * per second, the time from the storm's end until every client holds every other's final cursor,
 * and typing latency (typed → applied at every other client). Used by `npm run bench`
 * (scenarios/presence-storm.ts) and `npm run bench:presence-scale`.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import type { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import type { ServerProcess } from './server-process.js'
import { dialectOf } from './typing-load.js'
import { sleep, summarize } from './stats.js'

const READY_TIMEOUT_MS = 60_000
const CONVERGE_TIMEOUT_MS = 30_000
/** Updates per second each typist sends: a fast writer. */
const TYPING_RATE = 2

export interface PresenceStormParams {
  clients: number
  /** Cursor moves per client per second. */
  hz: number
  windowS: number
  /** Clients that also type, TYPING_RATE updates/s each. */
  typists: number
  /** False: typing only, no cursor moves (the comparison run). */
  isStorm: boolean
}

export interface PresenceStormResult {
  cpuSeconds: number
  /** Typed update → applied at every other client, ms. */
  typingP50: number
  typingP99: number
  /** Remote awareness updates each client applied per second (one per awareness frame that changed something). */
  framesPerClientPerSecond: number
  movesPerClientPerSecond: number
  convergeMs: number
  /** A cursor move → the moved cursor shown at another client (awareness `change`), ms; NaN without moves. */
  cursorDelayP50: number
  cursorDelayP99: number
}

/** Clients that time remote cursors (all of them would make the generator the bottleneck at N = 200). */
const CURSOR_DELAY_SAMPLERS = 20

interface StormClient {
  doc: Y.Doc
  awareness: Awareness
  isSynced(): boolean
  frames: number
  destroy(): void
}

function connect(server: ServerProcess, docId: string): StormClient {
  const doc = new Y.Doc()
  let client: StormClient
  if (dialectOf(server.kind) === 'hocuspocus') {
    const websocketProvider = new HocuspocusProviderWebsocket({
      url: server.urlFor(docId),
      WebSocketPolyfill: WebSocket,
    })
    const provider = new HocuspocusProvider({ websocketProvider, name: docId, document: doc })
    // A provider handed its socket does not attach by itself (it may share the socket with others).
    provider.attach()
    client = {
      doc,
      awareness: provider.awareness!,
      isSynced: () => provider.synced,
      frames: 0,
      destroy: () => {
        provider.destroy()
        // Not the provider's to close, since it was handed in.
        websocketProvider.destroy()
      },
    }
  } else {
    // WebsocketProvider appends `/<room>` to the URL it is given.
    const provider = new WebsocketProvider(server.urlFor(docId).slice(0, -(docId.length + 1)), docId, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    })
    client = {
      doc,
      awareness: provider.awareness,
      isSynced: () => provider.synced,
      frames: 0,
      destroy: () => provider.destroy(),
    }
  }
  client.awareness.on('update', (_changes: unknown, origin: unknown) => {
    if (origin !== 'local') client.frames++
  })
  return client
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const startedAt = performance.now()
  while (!condition()) {
    if (performance.now() - startedAt > timeoutMs) throw new Error(`${what} not within ${timeoutMs} ms`)
    await sleep(5)
  }
  return performance.now() - startedAt
}

function holdsEveryCursor(clients: readonly StormClient[], finals: ReadonlyMap<number, number>): boolean {
  return clients.every((viewer) => {
    const states = viewer.awareness.getStates()
    for (const [id, cursor] of finals) {
      if (id !== viewer.doc.clientID && states.get(id)?.cursor !== cursor) return false
    }
    return true
  })
}

export async function runPresenceStorm(
  server: ServerProcess,
  params: PresenceStormParams,
): Promise<PresenceStormResult> {
  const { clients: clientCount, hz, windowS, typists, isStorm } = params
  const docId = 'presence-storm'
  const clients: StormClient[] = []
  // Every provider adds a process 'exit' listener (to announce leaving).
  process.setMaxListeners(clientCount + 10)
  try {
    for (let i = 0; i < clientCount; i++) clients.push(connect(server, docId))
    await until(() => clients.every((c) => c.isSynced()), READY_TIMEOUT_MS, 'every client synced')
    // Everyone announces once, so the storm starts from a room where everyone sees everyone.
    for (const client of clients) client.awareness.setLocalStateField('cursor', -1)
    const announced = new Map(clients.map((c) => [c.doc.clientID, -1]))
    await until(() => holdsEveryCursor(clients, announced), CONVERGE_TIMEOUT_MS, 'announcements seen')
    for (const client of clients) client.frames = 0
    // Typing latency: each typed entry carries its send time (one clock: one process).
    const latencies: number[] = []
    for (const client of clients) {
      client.doc.getArray<string>('log').observe((event) => {
        if (event.transaction.local) return
        const now = performance.now()
        for (const item of event.changes.added) {
          for (const entry of item.content.getContent() as string[]) latencies.push(now - Number(entry.split(':')[1]))
        }
      })
    }
    const typingTimers = clients.slice(0, typists).map((client, index) =>
      setTimeout(
        () => {
          typingTimers[index] = setInterval(
            () => client.doc.getArray<string>('log').push([`${index}:${performance.now()}`]),
            1000 / TYPING_RATE,
          )
        },
        (index / Math.max(typists, 1)) * (1000 / TYPING_RATE),
      ),
    )
    const finals = new Map<number, number>()
    // When each client moved to each cursor value (the value is the index): every client runs in
    // this process, so one clock times a move at the mover and its arrival at the others.
    const movedAt = new Map<number, number[]>(clients.map((client) => [client.doc.clientID, []]))
    const cursorDelays: number[] = []
    for (const sampler of clients.slice(0, CURSOR_DELAY_SAMPLERS)) {
      sampler.awareness.on('change', (changes: { added: number[]; updated: number[] }, origin: unknown) => {
        if (origin === 'local') return
        const arrivedAt = performance.now()
        const states = sampler.awareness.getStates()
        for (const id of [...changes.added, ...changes.updated]) {
          const cursor = states.get(id)?.cursor
          const at = typeof cursor === 'number' && cursor > 0 ? movedAt.get(id)?.[cursor] : undefined
          if (at !== undefined) cursorDelays.push(arrivedAt - at)
        }
      })
    }
    let moves = 0
    const intervalMs = 1000 / hz
    const cpuBefore = server.cpuSeconds()
    const startedAt = performance.now()
    // Each client moves on its own phase, as people do; together N × R changes a second.
    const timers = (isStorm ? clients : []).map((client, index) => {
      let cursor = 0
      const move = () => {
        cursor++
        moves++
        finals.set(client.doc.clientID, cursor)
        const times = movedAt.get(client.doc.clientID)
        if (times) times[cursor] = performance.now()
        client.awareness.setLocalStateField('cursor', cursor)
      }
      const phase = setTimeout(
        () => {
          move()
          timers[index] = setInterval(move, intervalMs)
        },
        (index / clientCount) * intervalMs,
      )
      return phase
    })
    await sleep(windowS * 1000)
    for (const timer of timers) clearInterval(timer)
    for (const timer of typingTimers) clearInterval(timer)
    const stormS = (performance.now() - startedAt) / 1000
    const convergeMs = await until(() => holdsEveryCursor(clients, finals), CONVERGE_TIMEOUT_MS, 'every final cursor')
    const cpuSeconds = server.cpuSeconds() - cpuBefore
    const frames = clients.reduce((sum, c) => sum + c.frames, 0)
    const typing = summarize(latencies)
    const cursorDelay = cursorDelays.length > 0 ? summarize(cursorDelays) : { p50: Number.NaN, p99: Number.NaN }
    return {
      cpuSeconds,
      typingP50: typing.p50,
      typingP99: typing.p99,
      framesPerClientPerSecond: frames / clientCount / stormS,
      movesPerClientPerSecond: moves / clientCount / stormS,
      convergeMs,
      cursorDelayP50: cursorDelay.p50,
      cursorDelayP99: cursorDelay.p99,
    }
  } finally {
    for (const client of clients) client.destroy()
  }
}
