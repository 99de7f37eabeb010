import WebSocket from 'ws'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { waitFor } from './wait-for.js'

/** A stock y-websocket 3.1.0 provider, as any Yjs app would use it, with its console errors captured. */
export function stockProvider(wsUrl: string, docId: string, options: { params?: Record<string, string> } = {}) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, docId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: options.params,
  })
  return { doc, provider, text: doc.getText('t'), destroy: () => provider.destroy() }
}

export async function synced(provider: WebsocketProvider): Promise<void> {
  await waitFor(() => provider.synced, { description: 'provider synced' })
}

export interface RawClient {
  ws: WebSocket
  /** Frames received, in order. */
  frames: Uint8Array[]
  closed: Promise<{ code: number; reason: string }>
  send(frame: Uint8Array | string): void
}

/** A bare WebSocket for feeding the server exactly the bytes a test wants. */
export async function rawClient(url: string): Promise<RawClient> {
  const ws = new WebSocket(url)
  const frames: Uint8Array[] = []
  ws.on('message', (data: Buffer) => frames.push(new Uint8Array(data)))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { ws, frames, closed, send: (frame) => ws.send(frame) }
}

export function updateFrame(update: Uint8Array, syncType = 2): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, syncType)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** Decodes an Ack frame (type 100), or null for any other frame. */
export function readAck(frame: Uint8Array): number | null {
  const decoder = decoding.createDecoder(frame)
  if (decoding.readVarUint(decoder) !== 100) return null
  return decoding.readVarUint(decoder)
}
