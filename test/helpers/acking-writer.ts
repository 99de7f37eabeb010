import WebSocket from 'ws'
import * as Y from 'yjs'
import { readAck, updateFrame } from './clients.js'

/**
 * A client that writes unique markers (Y.Map keys) and records which were acknowledged as durable:
 * the Jepsen-style checker for "durable before acknowledged".
 */
export class AckingWriter {
  readonly doc = new Y.Doc()
  readonly acked = new Set<string>()
  private readonly sentKeys: string[] = []
  private readonly ws: WebSocket
  private counter = 0
  private timer: NodeJS.Timeout | null = null

  constructor(
    wsUrl: string,
    docId: string,
    private readonly name: string,
  ) {
    this.ws = new WebSocket(`${wsUrl}/${docId}?acks=1`)
    this.ws.on('error', () => undefined)
    this.ws.on('message', (data: Buffer) => {
      const count = readAck(new Uint8Array(data))
      if (count === null) return
      for (const key of this.sentKeys.slice(0, count)) this.acked.add(key)
    })
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
  }

  /** Writes one marker every `intervalMs` until stopped or the socket dies. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.writeOne(), intervalMs)
  }

  writeOne(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    const key = `${this.name}-${this.counter++}`
    let update: Uint8Array | null = null
    const capture = (u: Uint8Array) => (update = u)
    this.doc.on('update', capture)
    this.doc.getMap('markers').set(key, this.counter)
    this.doc.off('update', capture)
    this.sentKeys.push(key)
    this.ws.send(updateFrame(update!))
  }

  get sentCount(): number {
    return this.sentKeys.length
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.ws.terminate()
  }
}
