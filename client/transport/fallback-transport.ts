import {
  HTTP_POST_BATCH_BYTES,
  HTTP_POST_TIMEOUT_MS,
  LONG_POLL_CLIENT_TIMEOUT_MS,
  SSE_HELLO_DEADLINE_MS,
  STREAM_LIVENESS_MS,
  TRANSPORT_SWITCH_OVERLAP_MS,
  UPGRADE_PROBE_INITIAL_MS,
  UPGRADE_PROBE_MAX_MS,
  WS_HELLO_DEADLINE_MS,
} from '../../shared/limits.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { FallbackSocket, type FallbackSocketConfig, type FallbackTimings } from './fallback-socket.js'
import type { Transport, TransportPreference, TransportSocketClass } from './transport.js'
import { pageStorage, type StorageLike } from './transport-memory.js'
import type { WebSocketLikeClass } from './websocket-rung.js'

export const DEFAULT_FALLBACK_TIMINGS: FallbackTimings = {
  wsHelloDeadlineMs: WS_HELLO_DEADLINE_MS,
  helloDeadlineMs: SSE_HELLO_DEADLINE_MS,
  livenessMs: STREAM_LIVENESS_MS,
  pollTimeoutMs: LONG_POLL_CLIENT_TIMEOUT_MS,
  postTimeoutMs: HTTP_POST_TIMEOUT_MS,
  postBatchBytes: HTTP_POST_BATCH_BYTES,
  maxFailures: 5,
  probeInitialMs: UPGRADE_PROBE_INITIAL_MS,
  probeMaxMs: UPGRADE_PROBE_MAX_MS,
  switchOverlapMs: TRANSPORT_SWITCH_OVERLAP_MS,
}

export interface FallbackTransportOptions {
  /** Transports to try, best first (default WebSocket, SSE, long-poll). */
  ladder?: TransportKind[]
  /** Probe in the background to move back to WebSocket (default: when the ladder has WebSocket). */
  upgrade?: boolean
  /** WebSocket implementation (default the global one; `ws` in Node). */
  WebSocket?: WebSocketLikeClass
  /** fetch implementation (default the global one). */
  fetch?: typeof fetch
  /** Where the tab remembers what worked (default sessionStorage, else memory); null disables it. */
  storage?: StorageLike | null
  /** Overrides of DEFAULT_FALLBACK_TIMINGS. */
  timings?: Partial<FallbackTimings>
}

/** A transport running the ladder (or a single forced rung) behind one WebSocket-shaped socket. */
export function createFallbackTransport(options: FallbackTransportOptions = {}): Transport {
  const ladder = options.ladder ?? [TransportKind.WebSocket, TransportKind.ServerSentEvents, TransportKind.LongPoll]
  const sessionStorage = (globalThis as { sessionStorage?: StorageLike }).sessionStorage
  return {
    kind: ladder[0] ?? TransportKind.WebSocket,
    socketClass(onActivity: () => void): TransportSocketClass {
      const config: FallbackSocketConfig = {
        ladder,
        upgrade: options.upgrade ?? ladder.includes(TransportKind.WebSocket),
        WebSocket: options.WebSocket,
        fetch: options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args)),
        storage: options.storage === undefined ? (sessionStorage ?? pageStorage) : options.storage,
        timings: { ...DEFAULT_FALLBACK_TIMINGS, ...options.timings },
        onActivity,
      }
      class BoundFallbackSocket extends FallbackSocket {
        constructor(url: string | URL) {
          super(url, config)
        }
      }
      return BoundFallbackSocket as unknown as TransportSocketClass
    },
  }
}

/** The transport for a provider's `transport` option; `auto` is the full ladder with upgrade back. */
export function transportFor(preference: TransportPreference, options: FallbackTransportOptions = {}): Transport {
  switch (preference) {
    case TransportKind.ServerSentEvents:
      return createFallbackTransport({ ...options, ladder: [TransportKind.ServerSentEvents] })
    case TransportKind.LongPoll:
      return createFallbackTransport({ ...options, ladder: [TransportKind.LongPoll] })
    case TransportKind.WebSocket:
      return createFallbackTransport({ ...options, ladder: [TransportKind.WebSocket] })
    default:
      return createFallbackTransport(options)
  }
}
