import { expect, it } from 'vitest'
import { renderScenario } from '../../bench/lib/report.js'
import type { Scenario } from '../../bench/lib/scenario.js'
import { runTypingLoad } from '../../bench/lib/typing-load.js'
import { withServer } from '../../bench/lib/with-server.js'
import { runBench } from '../../bench/run.js'
import { fanOut, toRunResult } from '../../bench/scenarios/typing-scenarios.js'

// A benchmark is not a test; this only keeps the harness from rotting: the smallest load against
// Tandem must converge and produce latency figures, and the report must render them.

it('runs a small fan-out against Tandem: converged, latencies and acks recorded', async () => {
  const result = await withServer('tandem', (server) =>
    runTypingLoad(server, {
      rooms: 1,
      clientsPerRoom: 4,
      ratePerClient: 5,
      durationMs: 1500,
      drainTimeoutMs: 5000,
      wantsAcks: true,
    }),
  )
  expect(result.isConverged).toBe(true)
  expect(result.typed).toBeGreaterThan(0)
  expect(result.delivered).toBe(result.expected)
  expect(result.latency.count).toBe(result.expected)
  expect(Number.isFinite(result.latency.p99)).toBe(true)
  expect(result.ackLatency.count).toBe(result.typed)
  expect(result.serverCpuS).toBeGreaterThan(0)
})

it('renders a scenario table with the run medians', async () => {
  const tiny: Scenario = {
    ...fanOut,
    cases: () => [
      {
        params: 'N=3',
        servers: ['tandem'],
        run: (kind) =>
          withServer(kind, async (server) =>
            toRunResult(
              await runTypingLoad(server, {
                rooms: 1,
                clientsPerRoom: 3,
                ratePerClient: 5,
                durationMs: 500,
                drainTimeoutMs: 5000,
              }),
            ),
          ),
      },
    ],
  }
  const [report] = await runBench([tiny], { isQuick: true, servers: ['tandem'] }, 1, () => {})
  const table = renderScenario(report!)
  expect(table).toMatch(/\| N=3 \| tandem \| [0-9.]+\*? \|/)
  expect(table).toContain('| 1/1 |')
})
