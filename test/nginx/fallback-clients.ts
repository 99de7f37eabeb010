import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { FallbackSocket } from '../../client/transport/fallback-socket.js'
import { createFallbackTransport, type FallbackTransportOptions } from '../../client/transport/fallback-transport.js'
import type { StorageLike } from '../../client/transport/transport-memory.js'
import type { WebSocketLikeClass } from '../../client/transport/websocket-rung.js'

/** A sessionStorage stand-in per simulated tab, so tests do not share what "the tab" remembers. */
export class MemoryStorage implements StorageLike {
  private readonly values = new Map<string, string>()
  getItem(key: string): string | null {
    return this.values.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    this.values.set(key, value)
  }
}

export interface FallbackClient {
  doc: Y.Doc
  text: Y.Text
  provider: WebsocketProvider
  storage: MemoryStorage
  /** The socket y-websocket drives now (null between connections). */
  socket(): FallbackSocket | null
  destroy(): void
}

/**
 * Stock y-websocket's WebsocketProvider driving Tandem's fallback socket class in Node, with `ws`
 * as the WebSocket implementation: the same code path a browser runs, minus the DOM.
 */
export function fallbackClient(
  baseUrl: string,
  docId: string,
  options: FallbackTransportOptions = {},
  storage = new MemoryStorage(),
): FallbackClient {
  const doc = new Y.Doc()
  const transport = createFallbackTransport({
    WebSocket: WebSocket as unknown as WebSocketLikeClass,
    storage,
    ...options,
  })
  const wsBase = baseUrl.replace(/^http/, 'ws')
  const provider = new WebsocketProvider(`${wsBase}/collab`, docId, doc, {
    WebSocketPolyfill: transport.socketClass(() => undefined) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { acks: '1' },
  })
  return {
    doc,
    text: doc.getText('t'),
    provider,
    storage,
    socket: () => provider.ws as unknown as FallbackSocket | null,
    destroy: () => provider.destroy(),
  }
}
