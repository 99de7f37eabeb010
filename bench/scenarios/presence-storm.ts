import { runPresenceStorm, type PresenceStormParams } from '../lib/presence-storm.js'
import type { ServerKind } from '../lib/server-process.js'
import { fmt, type BenchMode, type Scenario, type ScenarioCase } from '../lib/scenario.js'
import { machineLoad, withServer } from '../lib/with-server.js'

/** Cursor moves per client per second: a person reading and clicking about. */
const HZ = 2
/** Clients that also type during the window (2 updates/s each). */
const TYPISTS = 5

function stormCase(params: PresenceStormParams, servers: readonly ServerKind[]): ScenarioCase {
  const what = params.isStorm ? `${params.hz} Hz each` : 'no cursor moves'
  return {
    params: `N=${params.clients}, ${what}, ${params.typists} typing, ${params.windowS} s`,
    // The relay forwards frames without holding awareness: nobody's final cursor is its business.
    servers: servers.filter((kind) => kind !== 'relay' && kind !== 'hocuspocus-sqlite'),
    run: (kind) =>
      withServer(kind, async (server) => {
        const result = await runPresenceStorm(server, params)
        return {
          metrics: {
            serverCpuS: result.cpuSeconds,
            framesPerClientPerSecond: result.framesPerClientPerSecond,
            movesPerClientPerSecond: result.movesPerClientPerSecond,
            convergeMs: result.convergeMs,
            cursorDelayP50: result.cursorDelayP50,
            cursorDelayP99: result.cursorDelayP99,
            typingP50: result.typingP50,
            typingP99: result.typingP99,
            machineLoad: machineLoad(),
          },
          isConverged: Number.isFinite(result.convergeMs),
          // Below 90 % of the asked rate the generator (this process) could not keep up.
          isLatencyValid: !params.isStorm || result.movesPerClientPerSecond >= 0.9 * params.hz,
        }
      }),
  }
}

export const presenceStorm: Scenario = {
  id: 'presence-storm',
  title: '8. Presence storm: N clients moving their cursors on one document',
  description:
    `N stock clients (y-websocket's WebsocketProvider; @hocuspocus/provider for Hocuspocus) each move their cursor ${HZ} times a second ` +
    `while ${TYPISTS} of them also type 2 updates/s. "updates/client/s" = remote awareness updates each client applied per second; ` +
    '"final cursors ms" = from the end of the storm until every client holds every other client\'s last cursor; ' +
    '"cursor delay" = a cursor move → that cursor shown at another client (timed at 20 of the clients); typing latency is typed → applied at every other client. ' +
    'The no-move row is the same room without the storm, for the typing comparison.',
  columns: [
    { key: 'serverCpuS', label: 'server CPU s', format: fmt.s, hasRatio: true },
    { key: 'framesPerClientPerSecond', label: 'updates/client/s', format: fmt.ratio, hasRatio: true },
    { key: 'movesPerClientPerSecond', label: 'moves/client/s', format: fmt.ratio },
    { key: 'convergeMs', label: 'final cursors ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'cursorDelayP50', label: 'cursor delay p50 ms', format: fmt.ms, isLatency: true },
    { key: 'cursorDelayP99', label: 'cursor delay p99 ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'typingP50', label: 'typing p50 ms', format: fmt.ms, isLatency: true },
    { key: 'typingP99', label: 'typing p99 ms', format: fmt.ms, isLatency: true, hasRatio: true },
    { key: 'machineLoad', label: 'load avg', format: fmt.s },
  ],
  cases: (mode: BenchMode) => {
    if (mode.isQuick) {
      return [stormCase({ clients: 20, hz: HZ, windowS: 2, typists: TYPISTS, isStorm: true }, mode.servers)]
    }
    return [
      ...[20, 100, 200].map((clients) =>
        stormCase({ clients, hz: HZ, windowS: 10, typists: TYPISTS, isStorm: true }, mode.servers),
      ),
      stormCase({ clients: 100, hz: HZ, windowS: 10, typists: TYPISTS, isStorm: false }, mode.servers),
    ]
  },
}
