/**
 * `npm run bench:cluster [-- options]` (issue #6, scale-out): Tandem instances sharing PostgreSQL
 * storage and Redis fan-out. In one run:
 *  1. fan-out latency with N clients on one document, all on one instance, then the same clients
 *     split half/half over two instances (same-instance and cross-instance pairs apart);
 *     target: cross-instance p99 ≤ 1.5 × single-instance p99;
 *  2. sustained acknowledged updates/s (closed loop, `?acks=1`) over many documents with one
 *     instance and with two (documents kept whole on one instance, or every document spread).
 * Every run gets a fresh PostgreSQL database, its own redis-server and fresh server processes, and
 * single-instance runs use Redis too, so the split is the only difference.
 */
import { parseArgs } from 'node:util'
import { createBenchDatabase, startBenchRedis } from './lib/cluster-backends.js'
import { fmt, type RunResult } from './lib/scenario.js'
import { ServerProcess } from './lib/server-process.js'
import {
  environmentHeader,
  failedRun,
  latencyCell,
  loadAverages,
  markdownTable,
  mediansOf,
  positiveOption,
  publishReport,
  runMain,
  SATURATION_NOTE,
  usageFailer,
  verdict,
  withTimeout,
  type Medians,
} from './lib/standalone.js'
import type { LatencySummary } from './lib/stats.js'
import { runTypingLoad, type TypingLoadResult } from './lib/typing-load.js'
import { toRunResult } from './scenarios/typing-scenarios.js'

/** Cross-instance p99 ÷ single-instance p99 the issue asks for. */
const CROSS_P99_TARGET = 1.5
const RATE_PER_CLIENT = 2
const RUN_TIMEOUT_MS = 240_000

interface Setup {
  id: string
  label: string
  instances: 1 | 2
  kind: 'latency' | 'throughput'
  instanceOf: (member: number, room: number) => number
}

const SETUPS: readonly Setup[] = [
  { id: 'one', label: '1 instance', instances: 1, kind: 'latency', instanceOf: () => 0 },
  { id: 'split', label: '2 instances, half/half', instances: 2, kind: 'latency', instanceOf: (member) => member % 2 },
  { id: 'tp-one', label: '1 instance', instances: 1, kind: 'throughput', instanceOf: () => 0 },
  {
    id: 'tp-by-doc',
    // What nginx `hash $collab_doc consistent` does: each document lives on one instance.
    label: '2 instances, each document on one',
    instances: 2,
    kind: 'throughput',
    instanceOf: (_member, room) => room % 2,
  },
  {
    id: 'tp-spread',
    // No affinity at all: the two clients of every document on different instances.
    label: '2 instances, every document spread',
    instances: 2,
    kind: 'throughput',
    instanceOf: (member, room) => (member + room) % 2,
  },
]

const HELP = `Usage: npm run bench:cluster -- [options]

Tandem instances with PostgreSQL storage and Redis fan-out (a fresh database and redis-server per
run, cleaned up afterwards; needs PostgreSQL on 127.0.0.1:5432 with trust auth and redis-server on
the PATH). Prints Markdown tables of medians:
  fan-out latency, N clients on one document typing ${RATE_PER_CLIENT}/s each: all on one instance vs split
  half/half over two (same- and cross-instance pairs apart); target cross p99 ≤ ${CROSS_P99_TARGET} × single;
  closed-loop acknowledged updates/s over many documents: 1 instance vs 2.

Options:
  --quick               1 repetition, 3 s windows (default: 3 repetitions, 8 s)
  --repeat <n>          repetitions
  --clients <n>         fan-out clients on the document (default 30)
  --docs <n>            closed-loop documents, 2 clients each (default 40)
  --window <n>          unacknowledged updates each closed-loop client keeps in flight (default 16)
  --seconds <s>         typing window per run
  --only <ids>          comma-separated subset of: ${SETUPS.map((setup) => setup.id).join(', ')}
  --out <file>          also write the report (Markdown) to this file
  -h, --help            show this help

Environment: TANDEM_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) is the
database the bench connects to in order to create and drop its own.
`

/** Fresh database, redis-server and instances; the first instance migrates the schema alone. */
const fail = usageFailer('bench:cluster', HELP)

async function withCluster<T>(instances: number, work: (servers: ServerProcess[]) => Promise<T>): Promise<T> {
  const database = await createBenchDatabase()
  const servers: ServerProcess[] = []
  try {
    const redis = await startBenchRedis()
    try {
      const env = { BENCH_DATABASE_URL: database.url, BENCH_REDIS_URL: redis.url }
      servers.push(await ServerProcess.start('tandem', { env }))
      for (let i = 1; i < instances; i++) servers.push(await ServerProcess.start('tandem', { env }))
      return await work(servers)
    } finally {
      await Promise.allSettled(servers.map((server) => server.stop()))
      await redis.stop()
    }
  } finally {
    await database.drop()
  }
}

function pairMetrics(prefix: string, summary: LatencySummary): Record<string, number> {
  return {
    [`${prefix}P50`]: summary.p50,
    [`${prefix}P95`]: summary.p95,
    [`${prefix}P99`]: summary.p99,
    [`${prefix}Max`]: summary.max,
    [`${prefix}Count`]: summary.count,
  }
}

function toClusterRun(result: TypingLoadResult): RunResult {
  const run = toRunResult(result)
  Object.assign(run.metrics, pairMetrics('all', result.latency), {
    cpu1: result.serverCpuSByInstance[0] ?? Number.NaN,
    cpu2: result.serverCpuSByInstance[1] ?? Number.NaN,
  })
  if (result.latencyByPair) {
    Object.assign(run.metrics, pairMetrics('same', result.latencyByPair.same))
    Object.assign(run.metrics, pairMetrics('cross', result.latencyByPair.cross))
  }
  return run
}

interface Sizes {
  clients: number
  docs: number
  window: number
  durationMs: number
}

function runSetup(setup: Setup, sizes: Sizes): Promise<RunResult> {
  return withCluster(setup.instances, async (servers) => {
    const result =
      setup.kind === 'latency'
        ? await runTypingLoad(servers, {
            rooms: 1,
            clientsPerRoom: sizes.clients,
            ratePerClient: RATE_PER_CLIENT,
            durationMs: sizes.durationMs,
            drainTimeoutMs: 30_000,
            // Acks time the commit to PostgreSQL, which a cross-instance delivery waits for (published once committed).
            wantsAcks: true,
            instanceOf: setup.instanceOf,
          })
        : await runTypingLoad(servers, {
            rooms: sizes.docs,
            clientsPerRoom: 2,
            ratePerClient: 1,
            durationMs: sizes.durationMs,
            drainTimeoutMs: 15_000,
            wantsAcks: true,
            closedLoopWindow: sizes.window,
            instanceOf: setup.instanceOf,
          })
    return toClusterRun(result)
  })
}

function cpuCell(m: Record<string, number>): string {
  const second = m.cpu2 ?? Number.NaN
  return Number.isFinite(second)
    ? `${fmt.s(m.cpu1 ?? NaN)} + ${fmt.s(second)} = ${fmt.s(m.serverCpuS ?? NaN)}`
    : fmt.s(m.serverCpuS ?? NaN)
}

function latencyReport(one: Medians | undefined, split: Medians | undefined, sizes: Sizes): string {
  const rows: string[][] = []
  const row = (setup: string, pairs: string, prefix: string, medians: Medians | undefined): void => {
    if (!medians) return
    const m = medians.metrics
    const cell = (key: string): string => latencyCell(fmt.ms(m[`${prefix}${key}`] ?? NaN), medians.isLatencyValid)
    rows.push([
      setup,
      pairs,
      cell('P50'),
      cell('P95'),
      cell('P99'),
      cell('Max'),
      fmt.int(m[`${prefix}Count`] ?? NaN),
      latencyCell(fmt.ms(m.ackP50 ?? NaN), medians.isLatencyValid),
      latencyCell(fmt.ms(m.ackP99 ?? NaN), medians.isLatencyValid),
      fmt.pct(m.deliveredShare ?? NaN),
      medians.converged,
      cpuCell(m),
      fmt.pct(m.generatorCpu ?? NaN),
      fmt.ms(m.generatorLagP99Ms ?? NaN),
      fmt.s(m.machineLoad ?? NaN),
    ])
  }
  row('1 instance', 'all', 'all', one)
  row('2 instances', 'same instance', 'same', split)
  row('2 instances', 'cross instance', 'cross', split)
  row('2 instances', 'all', 'all', split)
  const isValid = (one?.isLatencyValid ?? false) && (split?.isLatencyValid ?? false)
  const ratio = (key: string, base: string): number => (split?.metrics[key] ?? NaN) / (one?.metrics[base] ?? NaN)
  const ratios = markdownTable(
    ['ratio', 'p50', 'p99', 'target', 'met'],
    [
      [
        'cross-instance ÷ single-instance',
        latencyCell(fmt.ratio(ratio('crossP50', 'allP50')), isValid),
        latencyCell(fmt.ratio(ratio('crossP99', 'allP99')), isValid),
        `p99 ≤ ${CROSS_P99_TARGET}×`,
        verdict(ratio('crossP99', 'allP99'), CROSS_P99_TARGET, isValid),
      ],
      [
        'same-instance (of 2) ÷ single-instance',
        latencyCell(fmt.ratio(ratio('sameP50', 'allP50')), isValid),
        latencyCell(fmt.ratio(ratio('sameP99', 'allP99')), isValid),
        '—',
        '—',
      ],
    ],
  )
  const anyInvalid = [one, split].some((medians) => medians && !medians.isLatencyValid)
  return [
    `## Fan-out latency: ${sizes.clients} clients on one document, ${RATE_PER_CLIENT} updates/s each, ${sizes.durationMs / 1000} s`,
    '',
    'Latency is send → applied at each receiver. Split: even-numbered clients on instance 1, odd on instance 2; a ' +
      'cross-instance delivery goes client → instance → Redis → other instance → client. `deliveries` = latency samples ' +
      'in that class; `ack` = frame sent → Ack (committed to PostgreSQL) at the sender, all senders of the run; server CPU ' +
      'from /proc per instance over the window and drain.',
    '',
    markdownTable(
      [
        'setup',
        'pairs',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'deliveries',
        'ack p50 ms',
        'ack p99 ms',
        'delivered',
        'converged',
        'server CPU s',
        'gen CPU',
        'gen lag p99 ms',
        'load avg',
      ],
      rows,
    ),
    ...(anyInvalid ? ['', SATURATION_NOTE] : []),
    '',
    ratios,
  ].join('\n')
}

function throughputReport(setups: readonly Setup[], medians: Map<string, Medians>, sizes: Sizes): string {
  const base = medians.get('tp-one')
  const rows = setups
    .filter((setup) => setup.kind === 'throughput' && medians.has(setup.id))
    .map((setup) => {
      const row = medians.get(setup.id)!
      const m = row.metrics
      const ackedPerS = m.ackedPerS ?? NaN
      const ratio = ackedPerS / (base?.metrics.ackedPerS ?? NaN)
      return [
        setup.label,
        latencyCell(fmt.int(ackedPerS), row.isLatencyValid),
        setup.id === 'tp-one' ? '—' : fmt.ratio(ratio),
        latencyCell(fmt.ms(m.ackP50 ?? NaN), row.isLatencyValid),
        latencyCell(fmt.ms(m.ackP99 ?? NaN), row.isLatencyValid),
        latencyCell(fmt.ms(m.p99 ?? NaN), row.isLatencyValid),
        row.converged,
        cpuCell(m),
        fmt.int(m.cpuUsPerUpdate ?? NaN),
        fmt.pct(m.generatorCpu ?? NaN),
        fmt.ms(m.generatorLagP99Ms ?? NaN),
        fmt.s(m.machineLoad ?? NaN),
      ]
    })
  return [
    `## Sustained acknowledged updates/s: ${sizes.docs} documents × 2 clients, closed loop, window ${sizes.window}, ${sizes.durationMs / 1000} s`,
    '',
    `Every client keeps ${sizes.window} updates unacknowledged (\`?acks=1\`: an Ack means committed to PostgreSQL) and ` +
      'types the next one when an Ack arrives; `acked upd/s` is the durable throughput, `×1 inst` its ratio to one instance. ' +
      '"each document on one" is what balancing by document gives (nginx `hash $collab_doc consistent`); "spread" puts the two ' +
      'clients of every document on different instances, so every update also crosses Redis and is applied on both. ' +
      '`CPU µs/update` = server CPU (all instances) ÷ updates typed. A starred row had a saturated generator: the generator, ' +
      'not the servers, capped the rate.',
    '',
    markdownTable(
      [
        'setup',
        'acked upd/s',
        '×1 inst',
        'ack p50 ms',
        'ack p99 ms',
        'peer p99 ms',
        'converged',
        'server CPU s',
        'CPU µs/update',
        'gen CPU',
        'gen lag p99 ms',
        'load avg',
      ],
      rows,
    ),
  ].join('\n')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      clients: { type: 'string' },
      docs: { type: 'string' },
      window: { type: 'string' },
      seconds: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const repeat = positiveOption(values.repeat, values.quick ? 1 : 3, '--repeat', fail)
  const sizes: Sizes = {
    clients: positiveOption(values.clients, 30, '--clients', fail),
    docs: positiveOption(values.docs, 40, '--docs', fail),
    // 16 in flight per client saturates one instance here; with 4 the rate is bound by commit latency, not capacity.
    window: positiveOption(values.window, 16, '--window', fail),
    durationMs: positiveOption(values.seconds, values.quick ? 3 : 8, '--seconds', fail) * 1000,
  }
  if (sizes.clients < 4) fail('--clients must be at least 4 (two per instance)')
  const wanted = values.only?.split(',').map((id) => id.trim())
  for (const id of wanted ?? []) if (!SETUPS.some((setup) => setup.id === id)) fail(`unknown setup "${id}"`)
  const setups = wanted ? SETUPS.filter((setup) => wanted.includes(setup.id)) : SETUPS

  const header = environmentHeader()
  process.stderr.write(`${header}\n- ${repeat} repetition(s)\n\n`)
  const startedAt = performance.now()
  const runs = new Map<string, RunResult[]>(setups.map((setup) => [setup.id, []]))
  for (let repetition = 1; repetition <= repeat; repetition++) {
    // Rotate the order within each kind, so drifting machine load does not always hit the same setup.
    const order = [...setups].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'latency' ? -1 : 1))
    const latency = order.filter((setup) => setup.kind === 'latency')
    const throughput = order.filter((setup) => setup.kind === 'throughput')
    const rotate = (list: Setup[]): Setup[] => list.map((_, i) => list[(i + repetition - 1) % list.length]!)
    for (const setup of [...rotate(latency), ...rotate(throughput)]) {
      const runStartedAt = performance.now()
      let result: RunResult
      try {
        result = await withTimeout(runSetup(setup, sizes), RUN_TIMEOUT_MS, setup.id)
      } catch (error) {
        process.stderr.write(`  ! ${setup.id}: ${error instanceof Error ? error.message : String(error)}\n`)
        result = failedRun()
      }
      runs.get(setup.id)!.push(result)
      const m = result.metrics
      const figures =
        setup.kind === 'latency'
          ? `p50 ${fmt.ms(m.allP50 ?? NaN)} p99 ${fmt.ms(m.allP99 ?? NaN)} cross p99 ${fmt.ms(m.crossP99 ?? NaN)} ms`
          : `${fmt.int(m.ackedPerS ?? NaN)} acked upd/s, ack p99 ${fmt.ms(m.ackP99 ?? NaN)} ms`
      process.stderr.write(
        `  ${setup.id} #${repetition}: ${figures}, CPU ${fmt.s(m.serverCpuS ?? NaN)} s, gen ${fmt.pct(m.generatorCpu ?? NaN)} ` +
          `lag ${fmt.ms(m.generatorLagP99Ms ?? NaN)} ms, load ${loadAverages()} (${((performance.now() - runStartedAt) / 1000).toFixed(1)} s)\n`,
      )
    }
  }

  const medians = new Map([...runs].map(([id, results]) => [id, mediansOf(results)]))
  const sections: string[] = []
  if (medians.has('one') || medians.has('split'))
    sections.push(latencyReport(medians.get('one'), medians.get('split'), sizes))
  if (setups.some((setup) => setup.kind === 'throughput')) sections.push(throughputReport(setups, medians, sizes))
  const elapsedMin = (performance.now() - startedAt) / 60_000
  const markdown = [
    '# Tandem scale-out: one instance vs two (PostgreSQL + Redis)',
    '',
    header,
    `- load average at end: ${loadAverages()}`,
    `- ${repeat} repetition(s), medians shown; bench took ${elapsedMin.toFixed(1)} min`,
    '- every run: fresh PostgreSQL database, own redis-server, fresh server processes; all instances and the load',
    '  generator share this machine, so two instances get no more cores than one.',
    '',
    ...sections.map((section) => `${section}\n`),
  ].join('\n')
  publishReport(markdown, values.out)
}

runMain('bench:cluster', main)
