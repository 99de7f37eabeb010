/**
 * `npm run bench [-- options]`: runs the load scenarios against Tandem and the reference servers,
 * back to back with identical parameters, a fresh server process per run, and prints Markdown tables
 * of the medians with Tandem / anchor ratios.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { renderScenario, type CaseReport, type ScenarioReport } from './lib/report.js'
import type { BenchMode, RunResult, Scenario } from './lib/scenario.js'
import { profileServersInto, SERVER_KINDS, type ServerKind } from './lib/server-process.js'
import { publishReport, runMain, usageFailer, withTimeout } from './lib/standalone.js'
import { idleConnections } from './scenarios/idle-connections.js'
import { joinStorm } from './scenarios/join-storm.js'
import { largeDocument } from './scenarios/large-document.js'
import { presenceStorm } from './scenarios/presence-storm.js'
import { costPerUpdate, fanOut, manyDocuments, persistence } from './scenarios/typing-scenarios.js'

export const SCENARIOS: Scenario[] = [
  fanOut,
  manyDocuments,
  idleConnections,
  joinStorm,
  largeDocument,
  costPerUpdate,
  persistence,
  presenceStorm,
]

/** A run that takes longer than this is recorded as failed, so the bench always finishes. */
const RUN_TIMEOUT_MS = 180_000

const HELP = `Usage: npm run bench -- [options]

Runs load scenarios against Tandem, the y-websocket reference server, Hocuspocus and a Yjs-less
relay (the floor), each in its own process on 127.0.0.1, and prints Markdown tables (medians,
ratio Tandem / each anchor).

Options:
  --quick               smaller counts, one repetition (about 2 minutes)
  --scenario <ids>      comma-separated: ${SCENARIOS.map((scenario) => scenario.id).join(', ')}
  --servers <kinds>     comma-separated: ${SERVER_KINDS.join(', ')} (default: all)
  --repeat <n>          repetitions per server (default 3, quick 1)
  --warmup <ms>         unrecorded typing before each typing window (default 1000, quick 500);
                        longer measures the steady state, after V8 has compiled the hot paths
  --out <file>          also write the report (Markdown) to this file
  --json <file>         also write every run's raw metrics as JSON
  --cpu-prof <dir>      write a V8 CPU profile of every server process into <dir>
                        (summarise one with: node --import tsx bench/tools/profile-summary.ts <file>)
  -h, --help            show this help
`

const fail = usageFailer('bench', HELP)

function listOption<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] | undefined {
  if (value === undefined) return undefined
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  for (const item of items) if (!allowed.includes(item as T)) fail(`unknown ${what} "${item}"`)
  return items as T[]
}

function packageVersion(name: string): string {
  try {
    const json = JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as {
      version: string
    }
    return json.version
  } catch {
    return '?'
  }
}

function environment(): string {
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    // Not a git checkout: the report says so.
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  const versions = ['yjs', 'y-protocols', 'ws', '@y/websocket-server', '@hocuspocus/server', 'better-sqlite3']
    .map((name) => `${name} ${packageVersion(name)}`)
    .join(', ')
  return [
    `- date: ${new Date().toISOString()}`,
    `- commit: ${commit}`,
    `- machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; ${versions}`,
    `- load average at start: ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  ].join('\n')
}

function failedRun(): RunResult {
  return { metrics: {}, isConverged: false, isLatencyValid: false }
}

export async function runBench(
  scenarios: readonly Scenario[],
  mode: BenchMode,
  repeat: number,
  log: (line: string) => void,
): Promise<ScenarioReport[]> {
  const reports: ScenarioReport[] = []
  for (const scenario of scenarios) {
    const report: ScenarioReport = { scenario, cases: [] }
    for (const scenarioCase of scenario.cases(mode)) {
      const caseReport: CaseReport = { params: scenarioCase.params, runs: new Map() }
      for (const kind of scenarioCase.servers) caseReport.runs.set(kind, [])
      // Servers alternate within each repetition, so drift in machine load spreads over all of them.
      for (let repetition = 1; repetition <= repeat; repetition++) {
        for (const kind of scenarioCase.servers) {
          const startedAt = performance.now()
          let result: RunResult
          try {
            result = await withTimeout(scenarioCase.run(kind), RUN_TIMEOUT_MS, `${scenario.id} on ${kind}`)
          } catch (error) {
            log(
              `  ! ${scenario.id} [${scenarioCase.params}] ${kind}: ${error instanceof Error ? error.message : String(error)}`,
            )
            result = failedRun()
          }
          caseReport.runs.get(kind)?.push(result)
          log(
            `  ${scenario.id} [${scenarioCase.params}] ${kind} #${repetition}: ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
          )
        }
      }
      report.cases.push(caseReport)
    }
    reports.push(report)
    log(renderScenario(report))
  }
  return reports
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      servers: { type: 'string' },
      repeat: { type: 'string' },
      warmup: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const ids = listOption(
    values.scenario,
    SCENARIOS.map((scenario) => scenario.id),
    'scenario',
  )
  const servers: readonly ServerKind[] = listOption(values.servers, SERVER_KINDS, 'server') ?? SERVER_KINDS
  const repeat = values.repeat === undefined ? (values.quick ? 1 : 3) : Number(values.repeat)
  if (!Number.isInteger(repeat) || repeat < 1) fail('--repeat must be a positive integer')
  // Run in the order given, so the most wanted figures come first on a slow machine.
  const scenarios = ids ? ids.flatMap((id) => SCENARIOS.filter((scenario) => scenario.id === id)) : SCENARIOS
  const warmupMs = values.warmup === undefined ? undefined : Number(values.warmup)
  if (warmupMs !== undefined && !(Number.isInteger(warmupMs) && warmupMs >= 0)) {
    fail('--warmup must be a whole number of milliseconds (0 or more)')
  }
  const mode: BenchMode = { isQuick: values.quick, servers, warmupMs }
  profileServersInto(values['cpu-prof'])
  const startedAt = performance.now()
  const header = environment()
  const warmup = warmupMs === undefined ? '' : `, warm-up ${warmupMs} ms`
  process.stderr.write(`${header}\n- mode: ${values.quick ? 'quick' : 'full'}, ${repeat} repetition(s)${warmup}\n\n`)
  const reports = await runBench(scenarios, mode, repeat, (line) => process.stderr.write(`${line}\n`))
  const elapsedS = (performance.now() - startedAt) / 1000
  const markdown = [
    '# Tandem benchmark results',
    '',
    header,
    `- mode: ${values.quick ? 'quick' : 'full'}, ${repeat} repetition(s) per server${warmup}, medians shown; bench took ${(elapsedS / 60).toFixed(1)} min`,
    '- T/x = Tandem ÷ that server (below 1: Tandem uses less / is faster).',
    '',
    ...reports.map((report) => `${renderScenario(report)}\n`),
  ].join('\n')
  publishReport(markdown, values.out)
  if (values.json) {
    const raw = reports.map((report) => ({
      scenario: report.scenario.id,
      cases: report.cases.map((caseReport) => ({
        params: caseReport.params,
        runs: Object.fromEntries(caseReport.runs),
      })),
    }))
    writeFileSync(values.json, JSON.stringify(raw, null, 2))
  }
}

// Imported by the smoke test for runBench; run as a program only when it is the entry point.
if (import.meta.url === `file://${process.argv[1]}`) {
  runMain('bench', main)
}
