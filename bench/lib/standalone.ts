/** Helpers the bench scripts share: command-line options, timeouts, header, medians, tables. */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import type { RunResult } from './scenario.js'
import { median } from './stats.js'

/** Exits with status 2 after printing `message` and the script's help: for bad command-line input. */
export function usageFailer(script: string, help: string): (message: string) => never {
  return (message) => {
    process.stderr.write(`${script}: ${message}\n\n${help}`)
    process.exit(2)
  }
}

/** A positive number option (integer unless `isInteger` is false), `fallback` when absent. */
export function positiveOption(
  value: string | undefined,
  fallback: number,
  what: string,
  fail: (message: string) => never,
  isInteger = true,
): number {
  if (value === undefined) return fallback
  const number = Number(value)
  const isValid = isInteger ? Number.isInteger(number) : Number.isFinite(number)
  if (!isValid || number <= 0) fail(`${what} must be a positive ${isInteger ? 'integer' : 'number'}, got "${value}"`)
  return number
}

/** Rejects after `ms`, so one stuck run cannot hold the whole bench. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Date, commit, machine, Node and load average: the conditions a figure was measured under. */
export function environmentHeader(): string {
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    // Not a git checkout: the header says so.
  }
  return [
    `- date: ${new Date().toISOString()}`,
    `- commit: ${commit} (plus any uncommitted changes in the working tree)`,
    `- machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM`,
    `- Node ${process.version}`,
    `- load average at start: ${loadAverages()}`,
  ].join('\n')
}

export function loadAverages(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
}

/** A run that failed: no figures, not converged. */
export function failedRun(): RunResult {
  return { metrics: {}, isConverged: false, isLatencyValid: false }
}

/** Medians over repetitions of one configuration, and whether most of them had valid latencies. */
export interface Medians {
  metrics: Record<string, number>
  /** `converged/total`. */
  converged: string
  isLatencyValid: boolean
}

export function mediansOf(runs: readonly RunResult[]): Medians {
  const keys = new Set(runs.flatMap((run) => Object.keys(run.metrics)))
  const metrics: Record<string, number> = {}
  for (const key of keys) metrics[key] = median(runs.map((run) => run.metrics[key] ?? Number.NaN))
  return {
    metrics,
    converged: `${runs.filter((run) => run.isConverged).length}/${runs.length}`,
    isLatencyValid: runs.filter((run) => run.isLatencyValid).length * 2 > runs.length,
  }
}

/** Stars a latency figure measured by a saturated generator (see bench/README.md). */
export function latencyCell(text: string, isValid: boolean): string {
  return isValid || text === 'n/a' ? text : `${text}*`
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n')
}

/** `yes` / `NO` against a target ratio, `n/a` without a figure; starred when the latency is not valid. */
export function verdict(ratio: number, target: number, isValid: boolean): string {
  if (!Number.isFinite(ratio)) return 'n/a'
  const text = ratio <= target ? 'yes' : 'NO'
  return isValid ? text : `${text}*`
}

export const SATURATION_NOTE =
  '\\* generator saturated (CPU ≥ 85 % of a core or event-loop lag p99 ≥ 20 ms) in most repetitions: latency not valid; compare server CPU.'

/** Prints a script's Markdown report to stdout and, with `--out <file>`, writes it there too. */
export function publishReport(markdown: string, out: string | undefined): void {
  process.stdout.write(`\n${markdown}`)
  if (out) writeFileSync(out, markdown)
}

/** Runs a bench script's `main`: exit 0 when it resolves, 1 with the stack on stderr when it fails. */
export function runMain(script: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `${script} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      )
      process.exit(1)
    },
  )
}
