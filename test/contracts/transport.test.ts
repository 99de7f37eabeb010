import WebSocket from 'ws'
import { createFallbackTransport } from '../../client/transport/fallback-transport.js'
import type { WebSocketLikeClass } from '../../client/transport/websocket-rung.js'
import { websocketTransport } from '../../client/transport/websocket-transport.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { MemoryStorage } from '../nginx/fallback-clients.js'
import { runTransportContract } from './transport-contract.js'

// The browser globals the transports use, in Node: fetch is Node's own; WebSocket comes from `ws`
// (the plain WebSocket transport subclasses the global, so it is installed as one for this file).
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

/** The ladder forced onto one rung, or left to choose (`auto`), with `ws` and a fresh per-tab memory. */
const ladder = (rungs?: TransportKind[]) => () =>
  createFallbackTransport({
    ladder: rungs,
    WebSocket: WebSocket as unknown as WebSocketLikeClass,
    storage: new MemoryStorage(),
  })

runTransportContract('WebSocket', { create: () => websocketTransport, kind: TransportKind.WebSocket })
runTransportContract('auto (the ladder, on WebSocket)', { create: ladder(), kind: TransportKind.WebSocket })
runTransportContract('SSE + POST', {
  create: ladder([TransportKind.ServerSentEvents]),
  kind: TransportKind.ServerSentEvents,
})
runTransportContract('long-poll + POST', { create: ladder([TransportKind.LongPoll]), kind: TransportKind.LongPoll })
