import type { ServerKind } from './server-process.js'
import { median } from './stats.js'
import { fmt, type RunResult, type Scenario } from './scenario.js'

export interface CaseReport {
  params: string
  /** Repetitions per server, in run order. */
  runs: Map<ServerKind, RunResult[]>
}

export interface ScenarioReport {
  scenario: Scenario
  cases: CaseReport[]
}

export interface MedianRow {
  kind: ServerKind
  metrics: Record<string, number>
  converged: string
  isLatencyValid: boolean
}

/** Medians over repetitions; latency counts as valid when most repetitions were unsaturated. */
export function medianRows(report: CaseReport): MedianRow[] {
  return [...report.runs.entries()].map(([kind, runs]) => {
    const keys = new Set(runs.flatMap((run) => Object.keys(run.metrics)))
    const metrics: Record<string, number> = {}
    for (const key of keys) metrics[key] = median(runs.map((run) => run.metrics[key] ?? Number.NaN))
    const valid = runs.filter((run) => run.isLatencyValid).length
    return {
      kind,
      metrics,
      converged: `${runs.filter((run) => run.isConverged).length}/${runs.length}`,
      isLatencyValid: valid * 2 > runs.length,
    }
  })
}

/** A Markdown table: one row per (case, server), ratio columns Tandem / that server. */
export function renderScenario(report: ScenarioReport): string {
  const { scenario } = report
  const ratioColumns = scenario.columns.filter((column) => column.hasRatio)
  const header = [
    'params',
    'server',
    ...scenario.columns.map((column) => column.label),
    'converged',
    ...ratioColumns.map((column) => `T/x ${column.label}`),
  ]
  const lines = [`## ${scenario.title}`, '', scenario.description, '']
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`)
  for (const caseReport of report.cases) {
    const rows = medianRows(caseReport)
    const tandem = rows.find((row) => row.kind === 'tandem')
    for (const row of rows) {
      const cells = [caseReport.params, row.kind]
      for (const column of scenario.columns) {
        const text = column.format(row.metrics[column.key] ?? Number.NaN)
        cells.push(column.isLatency && !row.isLatencyValid && text !== 'n/a' ? `${text}*` : text)
      }
      cells.push(row.converged)
      for (const column of ratioColumns) {
        const ratio =
          tandem && row.kind !== 'tandem'
            ? (tandem.metrics[column.key] ?? Number.NaN) / (row.metrics[column.key] ?? Number.NaN)
            : Number.NaN
        cells.push(row.kind === 'tandem' ? '—' : fmt.ratio(ratio))
      }
      lines.push(`| ${cells.join(' | ')} |`)
    }
  }
  if (report.cases.some((caseReport) => medianRows(caseReport).some((row) => !row.isLatencyValid))) {
    lines.push(
      '',
      '\\* generator saturated (CPU ≥ 85 % of a core or event-loop lag p99 ≥ 20 ms): latency not valid; compare server CPU.',
    )
  }
  return lines.join('\n')
}
