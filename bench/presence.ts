/**
 * `npm run bench:presence [-- options]`: what cursor presence costs the server and the browsers,
 * with WebRTC on (`presence: 'auto'` with no mesh limit, every peer connected peer-to-peer) and off
 * (`presence: 'server'`, awareness on the sync socket as y-websocket does it), for 3, 5 and 10
 * peers moving their cursors at 10 Hz, plus 5 peers of which one has no WebRTC (the relay case),
 * and optionally `auto` with its default mesh limit. Issue 5 asks for ≥ 80 % fewer server presence
 * messages with WebRTC on; issue 23 chose the mesh limit (MESH_PEER_LIMIT) from the `--peers`
 * sweep's Chromium CPU per page, set-up time and remote-caret delay. The peers are pages of
 * Debian's Chromium running the e2e test's presence page (test/e2e/presence-helpers/); each run
 * gets a fresh Tandem server process (bench/servers/tandem.ts), whose CPU is read from /proc.
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { MESH_PEER_LIMIT } from '../shared/limits.js'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/e2e/helpers/browser.js'
import { removeWebRtc, servePresencePage } from '../test/e2e/presence-helpers/serve-page.js'
import { cpuBetween, descendantCpu } from './lib/process-tree.js'
import { ServerProcess } from './lib/server-process.js'
import { positiveOption, publishReport, runMain, usageFailer, withTimeout } from './lib/standalone.js'
import { median, percentile, sleep } from './lib/stats.js'

const HELP = `Usage: npm run bench:presence -- [options]

Server presence messages and CPU per second, Chromium CPU per page, data-channel set-up time and
remote-caret delay for 3, 5 and 10 Chromium peers moving their cursors at 10 Hz, WebRTC on
(presence 'auto' with no mesh limit, all peers connected P2P) vs off (presence 'server'), plus
5 peers of which one has WebRTC disabled. A fresh Tandem server process per run; prints a
Markdown table of medians with the ratio on/off, and the mesh-or-relay comparison.

Options:
  --quick             2 s window, one repetition (about 2 minutes)
  --repeat <n>        repetitions of every case (default 3, quick 1)
  --window <s>        measuring window in seconds (default 5, quick 2)
  --peers <list>      comma-separated peer counts (default 3,5,10), e.g. 2,4,6,8,12,16
  --cases <list>      of webrtc (mesh, no limit), server, mixed (one peer without WebRTC),
                      auto (the default mesh limit, ${MESH_PEER_LIMIT}); default webrtc,server,mixed
  --out <file>        also write the report (Markdown) to this file
  -h, --help          show this help
`

/** Chromium gathers no ICE candidate on an offline machine without these (docs/operations.md). */
const WEBRTC_ARGS = [...CHROMIUM_ARGS, '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream']
/** 10 Hz, as an editor's caret moves while someone types or drags a selection. */
const MOVE_INTERVAL_MS = 100
/** Movers run this long before the window opens, so every peer is moving when it does. */
const WARM_UP_MS = 1_000
/**
 * The presence router falls back to the sync socket 3 s after start when signalling is not up
 * (SIGNALLING_GRACE_MS); measuring starts after that and after a quiet second of signalling.
 */
const MIN_SETTLE_AFTER_OPEN_MS = 4_000
const QUIET_MS = 1_000
/** Every wait is bounded: pages, data channels, cursor convergence, single page calls. */
const READY_TIMEOUT_BASE_MS = 30_000
const READY_TIMEOUT_PER_PEER_MS = 3_000
const CONVERGE_TIMEOUT_MS = 10_000
const PAGE_CALL_TIMEOUT_MS = 15_000

const Mode = { WebRtc: 'webrtc', Server: 'server', Mixed: 'mixed', Auto: 'auto' } as const
type Mode = (typeof Mode)[keyof typeof Mode]
const MODE_LABEL: Record<Mode, string> = {
  webrtc: 'on (`auto`, all P2P)',
  server: 'off (`server`)',
  mixed: 'on, one peer without WebRTC',
  auto: `\`auto\`, mesh limit ${MESH_PEER_LIMIT}`,
}
const isMode = (value: string): value is Mode => Object.values<string>(Mode).includes(value)

interface Case {
  peers: number
  mode: Mode
}

interface ServerCounters {
  /** tandem_signalling_messages_total by `direction/type`. */
  signalling: Map<string, number>
  /** tandem_bytes_in_total / tandem_bytes_out_total{transport="websocket"}. */
  wsBytesIn: number
  wsBytesOut: number
}

interface RunResult {
  case: Case
  isOk: boolean
  failure?: string
  /** Page open → every expected data channel open (WebRTC cases). */
  setupS: number
  /** Pairs (viewer, mover) where the viewer showed the mover's final cursor. */
  pairsSeen: number
  pairs: number
  /** Per second over the window: */
  movesPerS: number
  syncAwarenessInPerS: number
  syncAwarenessOutPerS: number
  syncOtherInPerS: number
  syncOtherOutPerS: number
  signalInPerS: number
  signalOutPerS: number
  /** Signalling messages per second by `direction/type` (e.g. `in/ping`), `in/dropped` left out. */
  signalByTypePerS: Record<string, number>
  wsKiBInPerS: number
  wsKiBOutPerS: number
  p2pSendsPerS: number
  relaySendsPerS: number
  serverCpuMsPerS: number
  browserCpuMsPerS: number
  /** Remote-caret delay: a page's move → its arrival in another page's awareness (ms, every pair). */
  caretP50Ms: number
  caretP99Ms: number
  harnessCpuMsPerS: number
  load: number
}

interface PageStats extends FrameCounts {
  /** The page's own clock (ms), so each page's counts are divided by its own interval. */
  at: number
  moves: number
  directSends: number
  relayedSends: number
}

interface BenchWindow {
  tandem: {
    peers(): { name: string; cursor: number | null }[]
    move(position: number): void
    directPeers(): number
    stats(): { directSends: number; relayedSends: number } | null
    isSynced(): boolean
    startTracking(): void
    stopTracking(): { moves: [number, number][]; arrivals: [string, number, number][] }
  }
  presenceBench?: { moves: number; position: number; timer: unknown }
  presenceBenchFrames: FrameCounts
}

const fail = usageFailer('bench:presence', HELP)

/** Polls `condition` until it holds; returns false after `timeoutMs`. */
async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await condition()) return true
    if (performance.now() >= deadline) return false
    await sleep(100)
  }
}

/** Runs `fn` in the page, bounded in time; `fn` must reach the page through `globalThis` only. */
function call<T>(page: Page, what: string, fn: () => T): Promise<T> {
  return withTimeout(page.evaluate(fn), PAGE_CALL_TIMEOUT_MS, what)
}

/** Sync-socket frames a page sent and received, by y-protocols message type (awareness = 1). */
interface FrameCounts {
  syncAwarenessSent: number
  syncAwarenessReceived: number
  syncOtherSent: number
  syncOtherReceived: number
}

/**
 * Runs in every page before its scripts (an init script): counts the frames of its sync sockets
 * (`/collab/<doc>`) by message type, at the page's end of each socket — what a page sent is what
 * the server received, and the reverse. Frames pass through unchanged.
 */
function installFrameCounter(): void {
  // The page's WebSocket, typed structurally: the bench's tsconfig has Node types, not the DOM's.
  interface PageSocket {
    readonly url: string
    send(data: unknown): void
    addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  }
  type PageSocketClass = { new (url: string | URL, protocols?: string | string[]): PageSocket; prototype: PageSocket }
  const counts: FrameCounts = { syncAwarenessSent: 0, syncAwarenessReceived: 0, syncOtherSent: 0, syncOtherReceived: 0 }
  const scope = globalThis as unknown as { presenceBenchFrames: FrameCounts; WebSocket: PageSocketClass }
  scope.presenceBenchFrames = counts
  const isSync = (url: string) => new URL(url).pathname.startsWith('/collab/')
  const firstByte = (data: unknown) =>
    data instanceof ArrayBuffer
      ? new Uint8Array(data)[0]
      : ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)[0]
        : undefined
  const Native = scope.WebSocket
  const nativeSend = Native.prototype.send
  Native.prototype.send = function send(this: PageSocket, data: unknown) {
    if (isSync(this.url)) {
      if (firstByte(data) === 1) counts.syncAwarenessSent++
      else counts.syncOtherSent++
    }
    return nativeSend.call(this, data)
  }
  scope.WebSocket = class CountingWebSocket extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      if (!isSync(this.url)) return
      this.addEventListener('message', (event) => {
        if (firstByte(event.data) === 1) counts.syncAwarenessReceived++
        else counts.syncOtherReceived++
      })
    }
  }
}

async function scrape(port: number): Promise<ServerCounters & { at: number }> {
  const response = await withTimeout(fetch(`http://127.0.0.1:${port}/metrics`), 10_000, 'GET /metrics')
  const text = await response.text()
  const at = performance.now()
  const signalling = new Map<string, number>()
  let wsBytesIn = 0
  let wsBytesOut = 0
  for (const line of text.split('\n')) {
    const match = /^(tandem_[a-z_]+)\{([^}]*)\} (\S+)$/.exec(line)
    if (!match) continue
    const [, name, labelText, value] = match
    const labels = Object.fromEntries([...labelText!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (name === 'tandem_signalling_messages_total') signalling.set(`${labels.direction}/${labels.type}`, Number(value))
    else if (name === 'tandem_bytes_in_total' && labels.transport === 'websocket') wsBytesIn = Number(value)
    else if (name === 'tandem_bytes_out_total' && labels.transport === 'websocket') wsBytesOut = Number(value)
  }
  return { signalling, wsBytesIn, wsBytesOut, at }
}

/** Signalling messages between two scrapes, by direction; `in/dropped` is skipped (it re-counts a message). */
function signallingDelta(
  before: Map<string, number>,
  after: Map<string, number>,
  direction: 'in' | 'out',
  type?: string,
) {
  let total = 0
  for (const [key, value] of after) {
    const [keyDirection, keyType] = key.split('/')
    if (keyDirection !== direction || keyType === 'dropped' || (type !== undefined && keyType !== type)) continue
    total += value - (before.get(key) ?? 0)
  }
  return total
}

function chromiumCpu(): Map<number, number> {
  return descendantCpu(process.pid, /chrom/i)
}

async function runCase(
  browser: Browser,
  pageUrl: string,
  testCase: Case,
  windowS: number,
  tag: string,
): Promise<RunResult> {
  const { peers, mode } = testCase
  let server: ServerProcess | undefined
  const contexts: BrowserContext[] = []
  const names = Array.from({ length: peers }, (_, index) => `peer-${String(index + 1).padStart(2, '0')}`)
  /** In the mixed case the last peer has no RTCPeerConnection: relay only. */
  const withoutWebRtc = (index: number) => mode === Mode.Mixed && index === peers - 1
  /** Rooms fill one page at a time, so `auto` meshes exactly when the room is within the limit. */
  const expectedDirect = (index: number) =>
    mode === Mode.Server
      ? 0
      : mode === Mode.WebRtc
        ? peers - 1
        : mode === Mode.Auto
          ? peers > MESH_PEER_LIMIT
            ? 0
            : peers - 1
          : withoutWebRtc(index)
            ? 0
            : peers - 2
  const result: RunResult = {
    case: testCase,
    isOk: false,
    setupS: Number.NaN,
    pairsSeen: 0,
    pairs: peers * (peers - 1),
    movesPerS: Number.NaN,
    syncAwarenessInPerS: Number.NaN,
    syncAwarenessOutPerS: Number.NaN,
    syncOtherInPerS: Number.NaN,
    syncOtherOutPerS: Number.NaN,
    signalInPerS: Number.NaN,
    signalOutPerS: Number.NaN,
    signalByTypePerS: {},
    wsKiBInPerS: Number.NaN,
    wsKiBOutPerS: Number.NaN,
    p2pSendsPerS: Number.NaN,
    relaySendsPerS: Number.NaN,
    serverCpuMsPerS: Number.NaN,
    browserCpuMsPerS: Number.NaN,
    caretP50Ms: Number.NaN,
    caretP99Ms: Number.NaN,
    harnessCpuMsPerS: Number.NaN,
    load: Number.NaN,
  }
  try {
    server = await ServerProcess.start('tandem')
    const { port } = server
    const docId = `presence-${tag}`
    const pages: Page[] = []
    const openedAt = performance.now()
    for (const [index, name] of names.entries()) {
      const context = await browser.newContext()
      contexts.push(context)
      // tsx compiles with esbuild's keepNames, which wraps named functions in `__name()`: give the page one.
      await context.addInitScript({ content: `(() => { const __name = (fn) => fn; (${installFrameCounter})() })()` })
      if (withoutWebRtc(index)) {
        // As the e2e test simulates a browser without WebRTC.
        await context.addInitScript(removeWebRtc)
      }
      const page = await context.newPage()
      const query = new URLSearchParams({
        doc: docId,
        name,
        server: `http://127.0.0.1:${port}`,
        presence: mode === Mode.Server ? 'server' : 'auto',
        // The mesh cases measure the mesh itself, at any size: no limit.
        ...((mode === Mode.WebRtc || mode === Mode.Mixed) && { meshPeerLimit: 'Infinity' }),
      })
      await page.goto(`${pageUrl}?${query}`, { timeout: 30_000 })
      await page.waitForFunction(() => 'tandem' in globalThis, undefined, { timeout: 30_000 })
      pages.push(page)
    }
    const lastOpenedAt = performance.now()

    // Ready: every page synced and showing every other peer, and (WebRTC) every expected channel open.
    const readyTimeoutMs = READY_TIMEOUT_BASE_MS + READY_TIMEOUT_PER_PEER_MS * peers
    const isReady = await waitFor(async () => {
      for (const [index, page] of pages.entries()) {
        const view = await call(page, 'readiness', () => {
          const { tandem } = globalThis as unknown as BenchWindow
          return { synced: tandem.isSynced(), seen: tandem.peers().length, direct: tandem.directPeers() }
        })
        if (!view.synced || view.seen !== peers - 1 || view.direct !== expectedDirect(index)) return false
      }
      return true
    }, readyTimeoutMs)
    if (!isReady) {
      const direct = await Promise.all(
        pages.map((page) =>
          call(page, 'direct peers', () => (globalThis as unknown as BenchWindow).tandem.directPeers()),
        ),
      )
      throw new Error(`not ready within ${readyTimeoutMs} ms (open data channels per peer: ${direct.join(', ')})`)
    }
    result.setupS = (performance.now() - openedAt) / 1000
    // Let the presence router's grace period pass and signalling (late ICE candidates) go quiet.
    await sleep(Math.max(0, MIN_SETTLE_AFTER_OPEN_MS - (performance.now() - lastOpenedAt)))
    let previous = await scrape(port)
    for (let attempt = 0; attempt < 10; attempt++) {
      await sleep(QUIET_MS)
      const next = await scrape(port)
      const moved = signallingDelta(previous.signalling, next.signalling, 'in')
      previous = next
      if (moved === 0) break
    }

    // Every peer moves its cursor at 10 Hz, driven by a timer in its own page.
    await Promise.all(
      pages.map((page) =>
        withTimeout(
          page.evaluate((intervalMs) => {
            const scope = globalThis as unknown as BenchWindow
            const state = { moves: 0, position: 0, timer: undefined as unknown }
            state.timer = setInterval(() => {
              state.position += 1
              state.moves += 1
              scope.tandem.move(state.position)
            }, intervalMs)
            scope.presenceBench = state
          }, MOVE_INTERVAL_MS),
          PAGE_CALL_TIMEOUT_MS,
          'start mover',
        ),
      ),
    )
    await sleep(WARM_UP_MS)

    const pageStats = () =>
      Promise.all(
        pages.map((page) =>
          call(page, 'page stats', (): PageStats => {
            const scope = globalThis as unknown as BenchWindow
            const stats = scope.tandem.stats()
            return {
              at: performance.now(),
              moves: scope.presenceBench?.moves ?? 0,
              directSends: stats?.directSends ?? 0,
              relayedSends: stats?.relayedSends ?? 0,
              ...scope.presenceBenchFrames,
            }
          }),
        ),
      )
    /** Summed per-second rates: reading ten pages takes a while on a loaded machine, so each uses its own interval. */
    const pageRate = (before: PageStats[], after: PageStats[], key: Exclude<keyof PageStats, 'at'>) =>
      after.reduce((sum, stats, index) => {
        const start = before[index]!
        return sum + (stats[key] - start[key]) / ((stats.at - start.at) / 1000)
      }, 0)

    await Promise.all(
      pages.map((page) =>
        call(page, 'start tracking', () => (globalThis as unknown as BenchWindow).tandem.startTracking()),
      ),
    )
    const statsBefore = await pageStats()
    const metricsBefore = await scrape(port)
    const startedAt = performance.now()
    const serverCpuBefore = server.cpuSeconds()
    const browserCpuBefore = chromiumCpu()
    const harnessBefore = process.cpuUsage()

    await sleep(windowS * 1000)

    const cpuWindowS = (performance.now() - startedAt) / 1000
    const serverCpu = server.cpuSeconds() - serverCpuBefore
    const browserCpu = cpuBetween(browserCpuBefore, chromiumCpu())
    const harness = process.cpuUsage(harnessBefore)
    const metricsAfter = await scrape(port)
    const statsAfter = await pageStats()
    const countWindowS = (metricsAfter.at - metricsBefore.at) / 1000
    const tracks = await Promise.all(
      pages.map((page) =>
        call(page, 'stop tracking', () => (globalThis as unknown as BenchWindow).tandem.stopTracking()),
      ),
    )
    const delays = caretDelays(names, tracks)

    const finals = await Promise.all(
      pages.map((page) =>
        call(page, 'stop mover', () => {
          const scope = globalThis as unknown as BenchWindow
          clearInterval(scope.presenceBench?.timer as Parameters<typeof clearInterval>[0])
          return scope.presenceBench?.position ?? 0
        }),
      ),
    )
    // The run only counts if presence worked: every peer shows every other peer's last position.
    const seenPairs = async () => {
      let seen = 0
      for (const page of pages) {
        const views = await call(page, 'peers', () => (globalThis as unknown as BenchWindow).tandem.peers())
        for (const [index, name] of names.entries()) {
          if (views.some((view) => view.name === name && view.cursor === finals[index])) seen++
        }
      }
      return seen
    }
    await waitFor(async () => (await seenPairs()) === result.pairs, CONVERGE_TIMEOUT_MS)
    result.pairsSeen = await seenPairs()

    const frames = (key: keyof FrameCounts) => pageRate(statsBefore, statsAfter, key)
    const signal = (direction: 'in' | 'out', type?: string) =>
      signallingDelta(metricsBefore.signalling, metricsAfter.signalling, direction, type) / countWindowS
    Object.assign(result, {
      isOk: result.pairsSeen === result.pairs,
      ...(result.pairsSeen !== result.pairs && { failure: `${result.pairsSeen}/${result.pairs} cursors seen` }),
      movesPerS: pageRate(statsBefore, statsAfter, 'moves'),
      syncAwarenessInPerS: frames('syncAwarenessSent'),
      syncAwarenessOutPerS: frames('syncAwarenessReceived'),
      syncOtherInPerS: frames('syncOtherSent'),
      syncOtherOutPerS: frames('syncOtherReceived'),
      signalInPerS: signal('in'),
      signalOutPerS: signal('out'),
      signalByTypePerS: Object.fromEntries(
        [...metricsAfter.signalling.keys()]
          .filter((key) => key !== 'in/dropped')
          .map((key) => {
            const [direction, type] = key.split('/') as ['in' | 'out', string]
            return [key, signal(direction, type)]
          }),
      ),
      wsKiBInPerS: (metricsAfter.wsBytesIn - metricsBefore.wsBytesIn) / 1024 / countWindowS,
      wsKiBOutPerS: (metricsAfter.wsBytesOut - metricsBefore.wsBytesOut) / 1024 / countWindowS,
      p2pSendsPerS: pageRate(statsBefore, statsAfter, 'directSends'),
      relaySendsPerS: pageRate(statsBefore, statsAfter, 'relayedSends'),
      serverCpuMsPerS: (serverCpu * 1000) / cpuWindowS,
      browserCpuMsPerS: (browserCpu * 1000) / cpuWindowS,
      caretP50Ms: percentile(delays, 50),
      caretP99Ms: percentile(delays, 99),
      harnessCpuMsPerS: (harness.user + harness.system) / 1000 / cpuWindowS,
    } satisfies Partial<RunResult>)
  } catch (error) {
    result.failure = error instanceof Error ? error.message : String(error)
  } finally {
    result.load = os.loadavg()[0] ?? Number.NaN
    for (const context of contexts) {
      await withTimeout(context.close(), 10_000, 'close context').catch((error: unknown) =>
        process.stderr.write(`bench:presence: ${String(error)}\n`),
      )
    }
    await server?.stop()
  }
  return result
}

/**
 * Every (viewer, mover, position): the first time the viewer showed the mover at that position
 * minus when the mover set it. Positions the throttle skipped never arrive and are not counted.
 */
function caretDelays(
  names: readonly string[],
  tracks: readonly { moves: [number, number][]; arrivals: [string, number, number][] }[],
): number[] {
  const movedAt = new Map(
    names.map((name, index) => [name, new Map((tracks[index]?.moves ?? []).map(([at, time]) => [at, time]))]),
  )
  const delays: number[] = []
  for (const track of tracks) {
    const seen = new Set<string>()
    for (const [name, position, time] of track.arrivals) {
      const key = `${name}/${position}`
      const sentAt = movedAt.get(name)?.get(position)
      if (sentAt === undefined || seen.has(key)) continue
      seen.add(key)
      delays.push(time - sentAt)
    }
  }
  return delays
}

const presenceIn = (run: RunResult) => run.syncAwarenessInPerS + run.signalInPerS
const presenceOut = (run: RunResult) => run.syncAwarenessOutPerS + run.signalOutPerS
const presenceTotal = (run: RunResult) => presenceIn(run) + presenceOut(run)

function med(runs: RunResult[], metric: (run: RunResult) => number): number {
  return median(runs.filter((run) => run.isOk).map(metric))
}

function num(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a'
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

function okCell(runs: RunResult[]): string {
  const ok = runs.filter((run) => run.isOk).length
  const cell = `${ok}/${runs.length} runs`
  const failures = [...new Set(runs.flatMap((run) => (run.failure ? [run.failure] : [])))]
  return failures.length > 0 ? `${cell} (${failures.join('; ')})` : cell
}

/** Median rate per signalling `direction/type` over the good runs, the non-zero ones. */
function signallingTypes(runs: RunResult[]): string {
  const keys = [...new Set(runs.flatMap((run) => Object.keys(run.signalByTypePerS)))].sort()
  const cells = keys.flatMap((key) => {
    const rate = med(runs, (run) => run.signalByTypePerS[key] ?? 0)
    return rate > 0 ? [`${key} ${num(rate)}`] : []
  })
  return cells.length > 0 ? cells.join(', ') : '—'
}

function uptime(): string {
  const [one, five, fifteen] = os.loadavg().map((value) => value.toFixed(2))
  return `load average ${one}, ${five}, ${fifteen}`
}

function render(cases: Case[], results: Map<string, RunResult[]>, options: { windowS: number; repeat: number }) {
  const key = (testCase: Case) => `${testCase.peers}/${testCase.mode}`
  const runsOf = (testCase: Case) => results.get(key(testCase)) ?? []
  const lines: string[] = []
  lines.push(
    `## Presence: server load for cursors at 10 Hz, WebRTC on vs off`,
    '',
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ` +
      `Node ${process.version}, Debian Chromium headless (one browser, one context per peer), one Tandem server ` +
      `process per run (bench/servers/tandem.ts, SQLite). Every peer moves its cursor every ${MOVE_INTERVAL_MS} ms ` +
      `for a ${options.windowS} s window (after a ${WARM_UP_MS / 1000} s warm-up), ${options.repeat} repetition(s); medians over runs ` +
      `where every peer showed every other peer's last cursor.`,
    '',
  )
  const header = [
    'peers',
    'WebRTC',
    'cursors seen',
    'moves/s',
    'presence msgs in/s',
    'out/s',
    'server CPU ms/s',
    'Chromium CPU ms/s',
    'per page',
    'caret delay p50 / p99 ms',
    'P2P sends/s',
    'setup s',
    'load',
  ]
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i < 3 ? '---' : '---:')).join(' | ')} |`)
  for (const testCase of cases) {
    const runs = runsOf(testCase)
    lines.push(
      `| ${[
        testCase.peers,
        MODE_LABEL[testCase.mode],
        okCell(runs),
        num(med(runs, (r) => r.movesPerS)),
        num(med(runs, presenceIn)),
        num(med(runs, presenceOut)),
        num(
          med(runs, (r) => r.serverCpuMsPerS),
          0,
        ),
        num(
          med(runs, (r) => r.browserCpuMsPerS),
          0,
        ),
        num(
          med(runs, (r) => r.browserCpuMsPerS / r.case.peers),
          0,
        ),
        `${num(med(runs, (r) => r.caretP50Ms))} / ${num(med(runs, (r) => r.caretP99Ms))}`,
        num(med(runs, (r) => r.p2pSendsPerS)),
        testCase.mode === Mode.Server ? '—' : num(med(runs, (r) => r.setupS)),
        num(median(runs.map((r) => r.load)), 2),
      ].join(' | ')} |`,
    )
  }
  lines.push('', '### Mesh or relay (issue 23: where MESH_PEER_LIMIT comes from)', '')
  lines.push(
    '| peers | Chromium CPU ms/s per page, mesh | relay | mesh − relay, all pages | server CPU ms/s, mesh | relay | relay − mesh | caret p50 / p99 ms, mesh | relay | channels open after s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  )
  for (const peers of [...new Set(cases.map((testCase) => testCase.peers))]) {
    const mesh = runsOf({ peers, mode: Mode.WebRtc })
    const relay = runsOf({ peers, mode: Mode.Server })
    if (mesh.length === 0 || relay.length === 0) continue
    const browser = (runs: RunResult[]) => med(runs, (r) => r.browserCpuMsPerS)
    const server = (runs: RunResult[]) => med(runs, (r) => r.serverCpuMsPerS)
    const caret = (runs: RunResult[]) =>
      `${num(
        med(runs, (r) => r.caretP50Ms),
        0,
      )} / ${num(
        med(runs, (r) => r.caretP99Ms),
        0,
      )}`
    lines.push(
      `| ${[
        peers,
        num(browser(mesh) / peers, 0),
        num(browser(relay) / peers, 0),
        num(browser(mesh) - browser(relay), 0),
        num(server(mesh), 0),
        num(server(relay), 0),
        num(server(relay) - server(mesh), 0),
        caret(mesh),
        caret(relay),
        num(med(mesh, (r) => r.setupS)),
      ].join(' | ')} |`,
    )
  }
  lines.push('', '### On vs off', '')
  lines.push(
    '| peers | presence msgs/s (in + out) on | off | on/off | reduction | issue 5: ≥ 80 % | server CPU ms/s on | off | CPU on/off |',
    '| --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: |',
  )
  const peerCounts = [...new Set(cases.map((testCase) => testCase.peers))]
  for (const peers of peerCounts) {
    const on = runsOf({ peers, mode: Mode.WebRtc })
    const off = runsOf({ peers, mode: Mode.Server })
    const mixed = runsOf({ peers, mode: Mode.Mixed })
    const offTotal = med(off, presenceTotal)
    const offCpu = med(off, (r) => r.serverCpuMsPerS)
    for (const [label, runs] of [
      [`${peers}`, on],
      [`${peers}, one without WebRTC`, mixed],
    ] as const) {
      if (runs.length === 0) continue
      const total = med(runs, presenceTotal)
      const cpu = med(runs, (r) => r.serverCpuMsPerS)
      const ratio = total / offTotal
      lines.push(
        `| ${[
          label,
          num(total),
          num(offTotal),
          num(ratio, 3),
          Number.isFinite(ratio) ? `${num((1 - ratio) * 100)} %` : 'n/a',
          // The issue's target is for peers that are all connected; the relay row is for reference.
          runs === mixed ? '—' : Number.isFinite(ratio) ? (1 - ratio >= 0.8 ? 'yes' : 'NO') : 'n/a',
          num(cpu, 0),
          num(offCpu, 0),
          num(cpu / offCpu, 2),
        ].join(' | ')} |`,
      )
    }
  }
  lines.push('', '### Where the messages went (medians, per second)', '')
  lines.push(
    '| peers | WebRTC | sync awareness in / out | signalling in / out | signalling by type | other sync frames in / out | sync socket KiB in / out | relay publishes (pages) | harness CPU ms/s |',
    '| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
  )
  for (const testCase of cases) {
    const runs = runsOf(testCase)
    const pair = (a: (r: RunResult) => number, b: (r: RunResult) => number, digits = 1) =>
      `${num(med(runs, a), digits)} / ${num(med(runs, b), digits)}`
    lines.push(
      `| ${[
        testCase.peers,
        MODE_LABEL[testCase.mode],
        pair(
          (r) => r.syncAwarenessInPerS,
          (r) => r.syncAwarenessOutPerS,
        ),
        pair(
          (r) => r.signalInPerS,
          (r) => r.signalOutPerS,
        ),
        signallingTypes(runs),
        pair(
          (r) => r.syncOtherInPerS,
          (r) => r.syncOtherOutPerS,
        ),
        pair(
          (r) => r.wsKiBInPerS,
          (r) => r.wsKiBOutPerS,
        ),
        num(med(runs, (r) => r.relaySendsPerS)),
        num(
          med(runs, (r) => r.harnessCpuMsPerS),
          0,
        ),
      ].join(' | ')} |`,
    )
  }
  lines.push(
    '',
    '**Counters.** Presence messages in/s = awareness frames (y-protocols message type 1) the pages sent on their ' +
      'sync WebSockets (`/collab/<doc>`) + `tandem_signalling_messages_total{direction="in"}` (every type except ' +
      '`dropped`, which re-counts a message already counted under its type); out/s = awareness frames the pages ' +
      'received on their sync WebSockets + `tandem_signalling_messages_total{direction="out"}` (one per recipient; ' +
      '`type="awareness"` is the relayed presence). The server has no per-type frame counter for the sync socket, so ' +
      'its awareness frames are counted at the other end of each socket, in the pages (an init script wraps ' +
      '`WebSocket` and counts frames by their first byte: what the pages sent is what the server received, and the ' +
      'reverse; each page over its own interval); the server-side `tandem_bytes_in_total` / ' +
      '`tandem_bytes_out_total{transport="websocket"}` (all sync frames) are shown beside them. Signalling counters come ' +
      'from `/metrics` scraped just before and after the window. "Other sync frames" are keepalives (QueryAwareness) and ' +
      'sync messages. Server CPU = utime + stime of the server process from /proc/<pid>/stat (10 ms ticks), excluding ' +
      'the two scrapes; Chromium CPU = the same summed over every Chromium process (browser, renderers, network, GPU); ' +
      'per page = that sum divided by the peers (the browser process, GPU and network service are shared by all pages); ' +
      'caret delay = for every pair of pages and every cursor position one page set during the window, the time until ' +
      "the other page's awareness showed it (both read performance.timeOrigin + performance.now(), one clock for the " +
      'machine; positions the 80 ms client throttle folded into a later one are not counted), percentiles per run, ' +
      'medians over runs; ' +
      'P2P sends = frames the pages sent over open data channels (their own counters); setup = first page opened → ' +
      'every expected data channel open; harness = this Node process (Playwright client, frame counting).',
    '',
    `**Machine.** On ${os.cpus().length} cores the load generator is Chromium itself: ${Math.max(...cases.map((c) => c.peers))} ` +
      'pages with their timers, awareness encoding and WebRTC stacks compete with the server for the same cores ' +
      '(Chromium CPU column), so server CPU at 10 peers includes time lost to contention and the achieved moves/s ' +
      'may fall below 10 per peer. `load` is the 1-minute load average at the end of each run (other work on the box).',
  )
  return lines.join('\n')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      window: { type: 'string' },
      peers: { type: 'string' },
      cases: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const repeat = positiveOption(values.repeat, values.quick ? 1 : 3, '--repeat', fail)
  const windowS = positiveOption(values.window, values.quick ? 2 : 5, '--window', fail)
  const peerCounts = (values.peers ?? '3,5,10')
    .split(',')
    .map((item) => positiveOption(item.trim(), 0, '--peers', fail))
  if (peerCounts.some((peers) => peers < 2)) fail('--peers needs at least 2 peers per case')
  const modes = (values.cases ?? 'webrtc,server,mixed').split(',').map((item) => item.trim())
  const unknown = modes.filter((mode) => !isMode(mode))
  if (unknown.length > 0) fail(`--cases: unknown case ${unknown.join(', ')}`)
  const perCount = modes.filter(isMode).filter((mode) => mode !== Mode.Mixed)
  const cases: Case[] = peerCounts.flatMap((peers) => perCount.map((mode) => ({ peers, mode })))
  // The relay case: 5 peers, one without WebRTC (needs at least 3 so two others can connect).
  const mixedPeers = peerCounts.includes(5) ? 5 : Math.max(...peerCounts)
  if (modes.includes(Mode.Mixed) && mixedPeers >= 3) cases.push({ peers: mixedPeers, mode: Mode.Mixed })

  process.stderr.write(`bench:presence: ${uptime()} at start; building the presence page…\n`)
  const results = new Map<string, RunResult[]>()
  const pageServer = await servePresencePage()
  let browser: Browser | undefined
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: WEBRTC_ARGS, timeout: 60_000 })
    for (let rep = 1; rep <= repeat; rep++) {
      // Alternate the order per repetition so drifting machine load spreads over on and off.
      const order = rep % 2 === 1 ? cases : [...cases].reverse()
      for (const testCase of order) {
        const tag = `${testCase.peers}-${testCase.mode}-${rep}`
        const run = await runCase(browser, pageServer.url, testCase, windowS, tag)
        const key = `${testCase.peers}/${testCase.mode}`
        results.set(key, [...(results.get(key) ?? []), run])
        process.stderr.write(
          `  rep ${rep}: ${testCase.peers} peers, ${testCase.mode}: ` +
            (run.isOk
              ? `in ${num(presenceIn(run))}/s out ${num(presenceOut(run))}/s, server ${num(run.serverCpuMsPerS, 0)} ms/s, ` +
                `chromium ${num(run.browserCpuMsPerS, 0)} ms/s, caret p50 ${num(run.caretP50Ms, 0)} p99 ${num(run.caretP99Ms, 0)} ms, ` +
                `setup ${num(run.setupS)} s, moves ${num(run.movesPerS)}/s, load ${run.load.toFixed(2)}\n`
              : `FAILED: ${run.failure}\n`),
        )
      }
    }
  } finally {
    await browser?.close().catch((error: unknown) => process.stderr.write(`bench:presence: ${String(error)}\n`))
    await pageServer.close()
  }
  const report = `${render(cases, results, { windowS, repeat })}\n\nMachine at the end: ${uptime()}.\n`
  publishReport(report, values.out)
}

runMain('bench:presence', main)
