import { expect, it } from 'vitest'
import { runTypingLoad, type BenchTransport } from '../../bench/lib/typing-load.js'
import { withServer } from '../../bench/lib/with-server.js'

// A benchmark is not a test; this only keeps bench:transports' HTTP clients working: a tiny fan-out
// over each fallback transport must deliver everything, converge, and see every POST acknowledged.

for (const transport of ['sse', 'long-poll'] as const satisfies readonly BenchTransport[]) {
  it(`runs a small fan-out over ${transport} + POST: converged, latencies and acks recorded`, async () => {
    const result = await withServer('tandem', (server) =>
      runTypingLoad(server, {
        rooms: 1,
        clientsPerRoom: 3,
        ratePerClient: 5,
        durationMs: 1000,
        drainTimeoutMs: 5000,
        // Waits for every POST's answer before the figures are read.
        wantsAcks: true,
        transport,
      }),
    )
    expect(result.isConverged).toBe(true)
    expect(result.typed).toBeGreaterThan(0)
    expect(result.delivered).toBe(result.expected)
    expect(Number.isFinite(result.latency.p99)).toBe(true)
    // The POST's 200 is the acknowledgement; the HTTP link turns it into Ack counts.
    expect(result.ackLatency.count).toBe(result.typed)
  })
}
