/**
 * `npm run bench:presence-scale [-- options]`: a presence storm without browsers (issue 23;
 * lib/presence-storm.ts). N stock clients on one document, each moving its cursor at R Hz for a
 * window, against Tandem (its presence tick as shipped, and with the tick off), the y-websocket
 * reference server and Hocuspocus, one after the other in one run. Reports server CPU seconds over
 * the window, awareness updates each client received per second, and the time from the storm's end
 * until every client holds every other's final cursor.
 * Meanwhile a few of the clients type (2 updates/s each) and every client measures how long their
 * updates take to arrive; each server also runs once without the storm (typing only), so the table
 * shows what the storm does to typing latency in the same room.
 * Each case gets a fresh server process (bench/servers/), whose CPU is read from /proc.
 */
import { parseArgs } from 'node:util'
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
import { runPresenceStorm, type PresenceStormParams, type PresenceStormResult } from './lib/presence-storm.js'

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
interface Case {
  label: string
  kind: ServerKind
  env?: Record<string, string>
}

interface CaseResult extends PresenceStormResult {
  label: string
}

async function runCase(spec: Case, params: PresenceStormParams): Promise<CaseResult> {
  const server = await ServerProcess.start(spec.kind, { env: spec.env })
  try {
    return { label: spec.label, ...(await runPresenceStorm(server, params)) }
  } finally {
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
    { label: 'Hocuspocus', kind: 'hocuspocus' },
  ]
  const results: CaseResult[] = []
  const quiet: CaseResult[] = []
  for (const spec of cases) {
    process.stderr.write(`${SCRIPT}: ${spec.label}...\n`)
    const timeoutMs = (windowS + 180) * 1000
    const params = { clients: clientCount, hz, windowS, typists }
    results.push(await withTimeout(runCase(spec, { ...params, isStorm: true }), timeoutMs, spec.label))
    process.stderr.write(`${SCRIPT}: ${spec.label}, typing without the storm...\n`)
    quiet.push(await withTimeout(runCase(spec, { ...params, isStorm: false }), timeoutMs, spec.label))
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
    `${ms(r.cursorDelayP50)} / ${ms(r.cursorDelayP99)}`,
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
          'cursor delay p50 / p99 ms',
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
