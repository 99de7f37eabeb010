/**
 * `npm run bench:presence-scale [-- options]`: a presence storm without browsers (issue 23). N stock
 * y-websocket clients (y-websocket 3.1.0's WebsocketProvider, as any Yjs app uses it) on one
 * document, each moving its cursor at R Hz for a window, against Tandem (its presence tick as
 * shipped, and with the tick off) and the y-websocket reference server, one after the other in one
 * run. Reports server CPU seconds over the window, awareness frames each client received per
 * second, and the time from the storm's end until every client holds every other's final cursor.
 * Meanwhile a few of the clients type (2 updates/s each) and every client measures how long their
 * updates take to arrive; each server also runs once without the storm (typing only), so the table
 * shows what the storm does to typing latency in the same room.
 * Each case gets a fresh server process (bench/servers/), whose CPU is read from /proc.
 */
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { AWARENESS_TICK_MS } from '../shared/limits.js'
import { profileServersInto, ServerProcess, type ServerKind } from './lib/server-process.js'
import {
  environmentHeader,
  markdownTable,
  positiveOption,
  publishReport,
  runMain,
  usageFailer,
  withTimeout,
} from './lib/standalone.js'
import { sleep, summarize } from './lib/stats.js'

const HELP = `Usage: npm run bench:presence-scale -- [options]

Options:
  --clients <n>       clients on the document (default 100)
  --hz <r>            cursor moves per client per second (default 2)
  --window <s>        storm length in seconds (default 15)
  --ticks <list>      Tandem presence ticks to compare, ms, comma-separated (default: the shipped
                      tick; 0 relays every change at once)
  --typists <n>       clients that also type, 2 updates/s each, during the window (default 5); every
                      server also runs once without the storm, so typing latency can be compared
  --cpu-prof <dir>    write a V8 CPU profile of every server process into <dir>
  --out <file>        also write the report (Markdown) to this file
  -h, --help          show this help
`
const SCRIPT = 'bench:presence-scale'
const AWARENESS = 1
const READY_TIMEOUT_MS = 60_000
const CONVERGE_TIMEOUT_MS = 30_000
/** Updates per second each typist sends: a fast writer. */
const TYPING_RATE = 2

interface Case {
  label: string
  kind: ServerKind
  env?: Record<string, string>
}

interface CaseResult {
  label: string
  isStorm: boolean
  cpuSeconds: number
  /** Typed update → applied at every other client, ms. */
  typingP50: number
  typingP99: number
  framesPerClientPerSecond: number
  movesPerClientPerSecond: number
  convergeMs: number
}

interface BenchClient {
  provider: WebsocketProvider
  doc: Y.Doc
  frames: number
}

function connect(url: string, docId: string): BenchClient {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(url, docId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  })
  const client: BenchClient = { provider, doc, frames: 0 }
  const handler = provider.messageHandlers[AWARENESS]!
  provider.messageHandlers[AWARENESS] = (...args) => {
    client.frames++
    handler(...args)
  }
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

function holdsEveryCursor(clients: readonly BenchClient[], finals: ReadonlyMap<number, number>): boolean {
  return clients.every((viewer) => {
    const states = viewer.provider.awareness.getStates()
    for (const [id, cursor] of finals) {
      if (id !== viewer.doc.clientID && states.get(id)?.cursor !== cursor) return false
    }
    return true
  })
}

async function runCase(
  spec: Case,
  clientCount: number,
  hz: number,
  windowS: number,
  typists: number,
  isStorm: boolean,
): Promise<CaseResult> {
  const server = await ServerProcess.start(spec.kind, { env: spec.env })
  const docId = 'presence-scale'
  const clients: BenchClient[] = []
  // Every WebsocketProvider adds a process 'exit' listener (to announce leaving).
  process.setMaxListeners(clientCount + 10)
  try {
    // WebsocketProvider appends `/<room>` to the URL it is given.
    const baseUrl = server.urlFor(docId).slice(0, -(docId.length + 1))
    for (let i = 0; i < clientCount; i++) clients.push(connect(baseUrl, docId))
    await until(() => clients.every((c) => c.provider.synced), READY_TIMEOUT_MS, 'every client synced')
    // Everyone announces once, so the storm starts from a room where everyone sees everyone.
    for (const client of clients) client.provider.awareness.setLocalStateField('cursor', -1)
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
        client.provider.awareness.setLocalStateField('cursor', cursor)
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
    return {
      label: spec.label,
      isStorm,
      cpuSeconds,
      typingP50: typing.p50,
      typingP99: typing.p99,
      framesPerClientPerSecond: frames / clientCount / stormS,
      movesPerClientPerSecond: moves / clientCount / stormS,
      convergeMs,
    }
  } finally {
    for (const client of clients) client.provider.destroy()
    await server.stop()
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string' },
      hz: { type: 'string' },
      window: { type: 'string' },
      ticks: { type: 'string' },
      typists: { type: 'string' },
      'cpu-prof': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const fail = usageFailer(SCRIPT, HELP)
  profileServersInto(values['cpu-prof'])
  const clientCount = positiveOption(values.clients, 100, '--clients', fail)
  const hz = positiveOption(values.hz, 2, '--hz', fail, false)
  const windowS = positiveOption(values.window, 15, '--window', fail, false)
  const typists = positiveOption(values.typists, 5, '--typists', fail)
  if (typists >= clientCount) fail('--typists must be fewer than --clients')
  const ticks = (values.ticks ?? `${AWARENESS_TICK_MS},0`).split(',').map((tick) => {
    const ms = Number(tick)
    if (!Number.isInteger(ms) || ms < 0) fail(`--ticks must list whole milliseconds, got "${tick}"`)
    return ms
  })
  const cases: Case[] = [
    ...ticks.map((ms) => ({
      label: ms === 0 ? 'Tandem, tick off (every change relayed)' : `Tandem, tick ${ms} ms`,
      kind: 'tandem' as const,
      env: { BENCH_AWARENESS_TICK_MS: String(ms) },
    })),
    { label: 'y-websocket server', kind: 'y-websocket' },
  ]
  const results: CaseResult[] = []
  const quiet: CaseResult[] = []
  for (const spec of cases) {
    process.stderr.write(`${SCRIPT}: ${spec.label}...\n`)
    const timeoutMs = (windowS + 180) * 1000
    results.push(await withTimeout(runCase(spec, clientCount, hz, windowS, typists, true), timeoutMs, spec.label))
    process.stderr.write(`${SCRIPT}: ${spec.label}, typing without the storm...\n`)
    quiet.push(await withTimeout(runCase(spec, clientCount, hz, windowS, typists, false), timeoutMs, spec.label))
  }
  const reference = results.find((r) => r.label === 'y-websocket server')!
  const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : 'n/a')
  const rows = results.map((r, index) => [
    r.label,
    r.cpuSeconds.toFixed(2),
    (r.cpuSeconds / reference.cpuSeconds).toFixed(2),
    r.framesPerClientPerSecond.toFixed(1),
    // Below 90 % of the asked rate the generator (this process) could not keep up: not a valid row.
    r.movesPerClientPerSecond < 0.9 * hz
      ? `${r.movesPerClientPerSecond.toFixed(2)}*`
      : r.movesPerClientPerSecond.toFixed(2),
    Math.round(r.convergeMs).toString(),
    `${ms(r.typingP50)} / ${ms(r.typingP99)}`,
    `${ms(quiet[index]!.typingP50)} / ${ms(quiet[index]!.typingP99)}`,
    (r.typingP99 / quiet[index]!.typingP99).toFixed(2),
  ])
  publishReport(
    [
      `### Presence storm: ${clientCount} stock clients, ${hz} Hz each, ${windowS} s`,
      '',
      environmentHeader(),
      '',
      markdownTable(
        [
          'server',
          'server CPU s',
          '× y-websocket',
          'awareness frames / client / s',
          'moves / client / s',
          'all final cursors seen after (ms)',
          `typing p50 / p99 ms, storm (${typists} typists)`,
          'typing p50 / p99 ms, no storm',
          'typing p99 storm ÷ no storm',
        ],
        rows,
      ),
      '',
      '\\* the clients could not keep up the asked rate (machine saturated): row not valid.',
      '',
    ].join('\n'),
    values.out,
  )
}

runMain(SCRIPT, main)
