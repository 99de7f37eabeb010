/**
 * The ways a client's frames travel. The values are public: they name the `transport` option of
 * the provider and the component, the status line ("via SSE"), the `transport` label of the
 * server's metrics and the prefix of connection ids in its logs.
 */
export const TransportKind = {
  WebSocket: 'websocket',
  /** `GET /collab/<docId>/events` (SSE) down, `POST /collab/<docId>/messages` up. */
  ServerSentEvents: 'sse',
  /** `GET /collab/<docId>/poll` down, POST up, for proxies that buffer streams. */
  LongPoll: 'long-poll',
} as const
export type TransportKind = (typeof TransportKind)[keyof typeof TransportKind]
