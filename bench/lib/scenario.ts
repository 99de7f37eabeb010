import type { ServerKind } from './server-process.js'

/** One measured run of one server: numeric metrics (NaN = not applicable) and validity flags. */
export interface RunResult {
  metrics: Record<string, number>
  isConverged: boolean
  /** False when the generator was saturated: its latencies describe itself, not the server. */
  isLatencyValid: boolean
}

export interface Column {
  key: string
  label: string
  format: (value: number) => string
  /** Show Tandem / this server for this column on anchor rows. */
  hasRatio?: boolean
  /** Latency-like columns are starred when the generator was saturated. */
  isLatency?: boolean
}

/** One parameter set of a scenario, run against each server. */
export interface ScenarioCase {
  /** Printed beside every row, e.g. `N=50, 2 upd/s per client, 8 s`. */
  params: string
  servers: readonly ServerKind[]
  /** Starts a fresh server, loads it, stops it. */
  run(kind: ServerKind): Promise<RunResult>
}

export interface Scenario {
  id: string
  title: string
  /** What is measured and how, printed above the table. */
  description: string
  columns: Column[]
  cases(mode: BenchMode): ScenarioCase[]
}

export interface BenchMode {
  isQuick: boolean
  servers: readonly ServerKind[]
  /**
   * `--warmup <ms>`: unrecorded typing before each typing window, for every server alike (default
   * 1 s, quick 0.5 s). Longer shows the steady state of a server that has run for a while: a fresh
   * process is still compiling its hot paths on V8's background threads during a short warm-up.
   */
  warmupMs?: number
}

export const fmt = {
  ms: (value: number): string => (Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : 'n/a'),
  s: (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : 'n/a'),
  int: (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'),
  mib: (value: number): string => (Number.isFinite(value) ? (value / 1024 / 1024).toFixed(1) : 'n/a'),
  kib: (value: number): string => (Number.isFinite(value) ? (value / 1024).toFixed(1) : 'n/a'),
  pct: (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : 'n/a'),
  ratio: (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : 'n/a'),
}

/** Generator load columns every typing scenario prints beside its rows. */
export const GENERATOR_COLUMNS: Column[] = [
  { key: 'generatorCpu', label: 'gen CPU', format: fmt.pct },
  { key: 'generatorLagP99Ms', label: 'gen lag p99 ms', format: fmt.ms },
]
