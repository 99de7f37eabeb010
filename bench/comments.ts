/**
 * `npm run bench:comments [-- options]` (issue 16): what comments cost the sync path, and how fast a
 * comment reaches open clients.
 *
 * 1. Fan-out with comments off and on: N clients on one document typing 2 updates/s each; "off" is
 *    stock y-websocket clients, "on" is every client asking for Threads frames (`?threads=1`, as the
 *    web app does) on a document with a few open threads. Server CPU per update and latency, on ÷ off.
 * 2. Comment delivery: N clients with `?threads=1` on one document; comments posted over REST (new
 *    threads and replies, alternately, from several authors); latency from the POST being sent to each
 *    client holding the comment (its Threads frame decoded).
 *
 * A fresh Tandem server process (SQLite in a temp dir, bench/servers/tandem.ts) per run.
 */
import { parseArgs } from 'node:util'
import { readThreadFrame } from '../shared/protocol/thread-frame.js'
import { BenchClient } from './lib/bench-client.js'
import { fmt, type RunResult } from './lib/scenario.js'
import type { ServerProcess } from './lib/server-process.js'
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
} from './lib/standalone.js'
import { summarize, waitUntil } from './lib/stats.js'
import { connectAll, runTypingLoad } from './lib/typing-load.js'
import { machineLoad, withServer } from './lib/with-server.js'
import { toRunResult } from './scenarios/typing-scenarios.js'

const RATE_PER_CLIENT = 2
/** Open threads on the document in the "comments on" runs: "a few", as a team reviewing has. */
const OPEN_THREADS = 5
/** Comments per second posted in the delivery runs. */
const POSTS_PER_SECOND = 10
/** Posts come from this many authors, so the per-author rate limit (60 a minute) is not what is measured. */
const AUTHORS = 20
/** Comments posted, and delivered to everyone, before the measured ones: the JIT warms up as in the typing runs. */
const WARM_UP_COMMENTS = 5
const RUN_TIMEOUT_MS = 180_000
const DELIVERY_TIMEOUT_MS = 30_000
/** Targets: CPU per update and p99 with comments on ≤ this × off (the run-to-run noise here); delivery p99. */
const MAX_ON_OFF_RATIO = 1.1
const MAX_DELIVERY_P99_MS = 100

const HELP = `Usage: npm run bench:comments -- [options]

(1) Fan-out, N clients on one document typing ${RATE_PER_CLIENT} updates/s each, comments off (stock
clients) vs on (every client asks for Threads frames; ${OPEN_THREADS} open threads): server CPU per
update and latency, on ÷ off (target ≤ ${MAX_ON_OFF_RATIO}×). (2) Comment delivery: N clients with
Threads frames; comments posted over REST at ${POSTS_PER_SECOND}/s; POST sent → held by each client
(target p99 < ${MAX_DELIVERY_P99_MS} ms). A fresh server process per run.

Options:
  --quick               1 repetition, 3 s of typing, 30 comments (default: 3 repetitions, 8 s, 100)
  --repeat <n>          repetitions of every case
  --clients <n>         clients on the document (default 50)
  --seconds <s>         typing window per fan-out run
  --comments <n>        comments posted per delivery run
  --out <file>          also write the report (Markdown) to this file
  -h, --help            show this help
`

const fail = usageFailer('bench:comments', HELP)

const httpBase = (server: ServerProcess): string => `http://127.0.0.1:${server.port}`

/** Creates the document over REST: comments need a document that exists. */
async function createDocument(server: ServerProcess, docId: string): Promise<void> {
  const response = await fetch(`${httpBase(server)}/api/docs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: docId, markdown: 'Is this number right? Reword this?' }),
  })
  if (response.status !== 201) throw new Error(`POST /api/docs answered ${response.status}: ${await response.text()}`)
}

/** Posts one comment as `author` (no AUTH_SECRET in the bench: the author headers name it); returns the thread id. */
async function postComment(
  server: ServerProcess,
  docId: string,
  body: string,
  author: number,
  threadId: string | null,
): Promise<string> {
  const path = threadId ? `threads/${threadId}/comments` : 'threads'
  const response = await fetch(`${httpBase(server)}/api/docs/${docId}/${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Tandem-Author-Id': `bench-author-${author}`,
      'X-Tandem-Author-Name': `Bench author ${author}`,
    },
    body: JSON.stringify({ body }),
  })
  if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`)
  const answer = (await response.json()) as { thread: { id: string } }
  return answer.thread.id
}

async function fanOutRun(clients: number, durationMs: number, isOn: boolean): Promise<RunResult> {
  return withServer('tandem', async (server) => {
    const result = await runTypingLoad(server, {
      rooms: 1,
      clientsPerRoom: clients,
      ratePerClient: RATE_PER_CLIENT,
      durationMs,
      drainTimeoutMs: 30_000,
      wantsThreads: isOn,
      beforeConnect: async (_server, docIds) => {
        for (const docId of docIds) {
          // Both cases start from the same stored document; only the threads (and ?threads=1) differ.
          await createDocument(server, docId)
          if (!isOn) continue
          for (let thread = 0; thread < OPEN_THREADS; thread++) {
            await postComment(server, docId, `Is this right? (${thread})`, thread % AUTHORS, null)
          }
        }
      },
    })
    return toRunResult(result)
  })
}

/** N clients asking for Threads frames; `comments` posts at POSTS_PER_SECOND; latency per (comment, client). */
async function deliveryRun(clients: number, comments: number): Promise<RunResult> {
  return withServer('tandem', async (server) => {
    const docId = `comments-${Math.floor(performance.now()).toString(36)}`
    const sentAt = new Map<string, number>()
    const latencies: number[] = []
    let warmUpArrivals = 0
    const members = Array.from({ length: clients }, (_, index) => {
      const seen = new Set<string>()
      return new BenchClient({
        url: server.urlFor(docId, '?threads=1'),
        docId,
        dialect: 'y-websocket',
        index,
        isHeadless: true,
        onOtherFrame: (frame) => {
          const event = readThreadFrame(frame)
          if (event?.kind !== 'upsert') return
          const now = performance.now()
          for (const comment of event.thread.comments) {
            if (seen.has(comment.body)) continue
            seen.add(comment.body)
            const postedAt = sentAt.get(comment.body)
            if (postedAt !== undefined) latencies.push(now - postedAt)
            else if (comment.body.startsWith('warm-up')) warmUpArrivals++
          }
        },
      })
    })
    const loadAtStart = machineLoad()
    const cpuAtStart = server.cpuSeconds()
    try {
      await createDocument(server, docId)
      await connectAll(members, 200, 60_000)
      for (let post = 0; post < WARM_UP_COMMENTS; post++) {
        await postComment(server, docId, `warm-up ${post}`, post % AUTHORS, null)
      }
      if (!(await waitUntil(() => warmUpArrivals >= WARM_UP_COMMENTS * clients, DELIVERY_TIMEOUT_MS))) {
        throw new Error('warm-up comments were not delivered to every client')
      }
      let threadId: string | null = null
      const posts: Promise<void>[] = []
      for (let post = 0; post < comments; post++) {
        const body = `bench comment ${post}`
        // New threads and replies alternately: both are a comment someone waits to see.
        const replyTo = post % 2 === 1 ? threadId : null
        sentAt.set(body, performance.now())
        const posted = postComment(server, docId, body, post % AUTHORS, replyTo).then((id) => {
          if (replyTo === null) threadId = id
        })
        posts.push(posted)
        // Replies need the thread's id: a new thread is awaited before the next post, replies are not.
        if (replyTo === null) await posted
        await new Promise((resolve) => setTimeout(resolve, 1000 / POSTS_PER_SECOND))
      }
      await Promise.all(posts)
      const expected = comments * clients
      const isComplete = await waitUntil(() => latencies.length >= expected, DELIVERY_TIMEOUT_MS)
      const summary = summarize(latencies)
      return {
        metrics: {
          p50: summary.p50,
          p99: summary.p99,
          max: summary.max,
          delivered: latencies.length / expected,
          serverCpuS: server.cpuSeconds() - cpuAtStart,
          machineLoad: (loadAtStart + machineLoad()) / 2,
        },
        isConverged: isComplete,
        isLatencyValid: true,
      }
    } finally {
      for (const member of members) member.close()
    }
  })
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      clients: { type: 'string' },
      seconds: { type: 'string' },
      comments: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const repeat = positiveOption(values.repeat, values.quick ? 1 : 3, '--repeat', fail)
  const clients = positiveOption(values.clients, 50, '--clients', fail)
  if (clients < 2) fail('--clients must be at least 2')
  const durationMs = positiveOption(values.seconds, values.quick ? 3 : 8, '--seconds', fail, false) * 1000
  const comments = positiveOption(values.comments, values.quick ? 30 : 100, '--comments', fail)

  const header = environmentHeader()
  process.stderr.write(`${header}\n- ${clients} clients, ${repeat} repetition(s)\n\n`)
  const startedAt = performance.now()
  const attempt = async (what: string, run: () => Promise<RunResult>): Promise<RunResult> => {
    const runStartedAt = performance.now()
    try {
      const result = await withTimeout(run(), RUN_TIMEOUT_MS, what)
      const m = result.metrics
      process.stderr.write(
        `  ${what}: p50 ${fmt.ms(m.p50 ?? NaN)} p99 ${fmt.ms(m.p99 ?? NaN)} ms, CPU ${fmt.s(m.serverCpuS ?? NaN)} s, ` +
          `load ${loadAverages()} (${((performance.now() - runStartedAt) / 1000).toFixed(1)} s)\n`,
      )
      return result
    } catch (error) {
      process.stderr.write(`  ! ${what}: ${error instanceof Error ? error.message : String(error)}\n`)
      return failedRun()
    }
  }

  const fanOut = { off: [] as RunResult[], on: [] as RunResult[] }
  const delivery: RunResult[] = []
  for (let repetition = 1; repetition <= repeat; repetition++) {
    // Alternate which goes first, so drifting machine load does not always hit the same one.
    const order: ('off' | 'on')[] = repetition % 2 === 1 ? ['off', 'on'] : ['on', 'off']
    for (const mode of order) {
      fanOut[mode].push(
        await attempt(`fan-out comments ${mode} #${repetition}`, () => fanOutRun(clients, durationMs, mode === 'on')),
      )
    }
    delivery.push(await attempt(`delivery #${repetition}`, () => deliveryRun(clients, comments)))
  }

  const off = mediansOf(fanOut.off)
  const on = mediansOf(fanOut.on)
  const fanOutRow = (label: string, row: typeof off): string[] => {
    const m = row.metrics
    const latency = (key: string): string => latencyCell(fmt.ms(m[key] ?? NaN), row.isLatencyValid)
    return [
      label,
      latency('p50'),
      latency('p99'),
      fmt.pct(m.deliveredShare ?? NaN),
      row.converged,
      fmt.s(m.serverCpuS ?? NaN),
      fmt.int(m.cpuUsPerUpdate ?? NaN),
      fmt.pct(m.generatorCpu ?? NaN),
      fmt.s(m.machineLoad ?? NaN),
    ]
  }
  const ratio = (key: string): number => (on.metrics[key] ?? NaN) / (off.metrics[key] ?? NaN)
  const isLatencyValid = on.isLatencyValid && off.isLatencyValid
  const deliveries = mediansOf(delivery)
  const elapsedMin = (performance.now() - startedAt) / 60_000
  const markdown = [
    '# Tandem comments: cost on the sync path, and delivery',
    '',
    header,
    `- load average at end: ${loadAverages()}`,
    `- ${repeat} repetition(s), medians shown; bench took ${elapsedMin.toFixed(1)} min`,
    '',
    `## Fan-out with comments off and on: ${clients} clients, ${RATE_PER_CLIENT} updates/s each, ${durationMs / 1000} s`,
    '',
    `"on": every client asks for Threads frames (\`?threads=1\`) and the document has ${OPEN_THREADS} open threads ` +
      '(each client receives their snapshot when it joins). `CPU µs/update` = server CPU seconds (typing window and ' +
      'drain) ÷ updates typed.',
    '',
    markdownTable(
      [
        'comments',
        'p50 ms',
        'p99 ms',
        'delivered',
        'converged',
        'server CPU s',
        'CPU µs/update',
        'gen CPU',
        'load avg',
      ],
      [fanOutRow('off', off), fanOutRow('on', on)],
    ),
    ...(isLatencyValid ? [] : ['', SATURATION_NOTE]),
    '',
    markdownTable(
      ['on ÷ off', 'value', 'target', 'met'],
      [
        [
          'CPU µs/update',
          fmt.ratio(ratio('cpuUsPerUpdate')),
          `≤ ${MAX_ON_OFF_RATIO}×`,
          verdict(ratio('cpuUsPerUpdate'), MAX_ON_OFF_RATIO, true),
        ],
        [
          'p99 latency',
          latencyCell(fmt.ratio(ratio('p99')), isLatencyValid),
          `≤ ${MAX_ON_OFF_RATIO}×`,
          verdict(ratio('p99'), MAX_ON_OFF_RATIO, isLatencyValid),
        ],
      ],
    ),
    '',
    `## Comment delivery: ${comments} comments at ${POSTS_PER_SECOND}/s to ${clients} open clients`,
    '',
    `Latency = POST sent (REST, the harness) → the comment held by a client (its Threads frame decoded), for every ` +
      `comment × client, after ${WARM_UP_COMMENTS} unrecorded comments delivered to all. \`delivered\` = such arrivals ÷ comments × clients.`,
    '',
    markdownTable(
      ['p50 ms', 'p99 ms', 'max ms', 'delivered', 'complete', 'server CPU s', 'target p99', 'met'],
      [
        [
          fmt.ms(deliveries.metrics.p50 ?? NaN),
          fmt.ms(deliveries.metrics.p99 ?? NaN),
          fmt.ms(deliveries.metrics.max ?? NaN),
          fmt.pct(deliveries.metrics.delivered ?? NaN),
          deliveries.converged,
          fmt.s(deliveries.metrics.serverCpuS ?? NaN),
          `< ${MAX_DELIVERY_P99_MS} ms`,
          verdict(deliveries.metrics.p99 ?? NaN, MAX_DELIVERY_P99_MS, true),
        ],
      ],
    ),
    '',
  ].join('\n')
  publishReport(markdown, values.out)
}

runMain('bench:comments', main)
