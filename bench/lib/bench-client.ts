import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import * as Y from 'yjs'

/**
 * How a client frames messages. `y-websocket`: the standard protocol (Tandem and the reference
 * server). `hocuspocus`: the same messages behind a document-name prefix, an auth frame first.
 * `relay`: the standard framing with no server state, so there is no handshake to do.
 */
export type Dialect = 'y-websocket' | 'hocuspocus' | 'relay'

const MESSAGE_SYNC = 0
const MESSAGE_AWARENESS = 1
const MESSAGE_AUTH = 2
const MESSAGE_HOCUSPOCUS_SYNC_REPLY = 4
const MESSAGE_HOCUSPOCUS_SYNC_STATUS = 8
const MESSAGE_TANDEM_ACK = 100
const SYNC_STEP1 = 0
const SYNC_STEP2 = 1
const SYNC_UPDATE = 2
const HOCUSPOCUS_AUTH_TOKEN = 0

/** Transaction origin of updates that came from the server, so they are not sent back. */
const REMOTE = Symbol('remote')

/** Collects end-to-end latencies of every update a client receives, while `isRecording`. */
export class LatencyRecorder {
  isRecording = false
  readonly samplesMs: number[] = []
  /** Entries (typed updates) received by all clients, recorded or not. */
  entriesReceived = 0

  record(sentAtMs: number): void {
    this.entriesReceived++
    if (this.isRecording) this.samplesMs.push(performance.now() - sentAtMs)
  }
}

export interface BenchClientOptions {
  url: string
  docId: string
  dialect: Dialect
  /** Index of this client in the run; part of every entry it types. */
  index: number
  recorder?: LatencyRecorder
  /**
   * Keep no Y.Doc: answer the handshake with an empty state and only time the arrival of the
   * server's SyncStep2. Used where applying a multi-megabyte state in 150 generator-side
   * replicas would measure the generator instead of the server.
   */
  isHeadless?: boolean
  /** Keep the SyncStep2 payload a headless client received, to verify it afterwards. */
  keepsSyncStep2?: boolean
}

/**
 * A headless load-generator client. Each typed update is one Y.Array push of
 * "<client>:<seq>:<sent-at-ms>", so every receiver can compute the end-to-end latency from the
 * update itself (all clients share this process's clock).
 */
export class BenchClient {
  readonly doc = new Y.Doc()
  readonly log = this.doc.getArray<string>('log')
  /** Resolves when the client holds the server's SyncStep2 (at once for the relay). */
  readonly synced: Promise<void>
  connectStartedAt = 0
  /** When this client sent its SyncStep1: the request a SyncStep2 answers. */
  syncRequestedAt = 0
  syncStep2At = 0
  syncStep2Bytes = 0
  syncStep2Payload: Uint8Array | null = null
  typed = 0
  updateFramesSent = 0
  updateFramesReceived = 0
  entriesReceived = 0
  /** Update-bearing frames the server acknowledged (Tandem Ack, Hocuspocus SyncStatus). */
  acknowledged = 0
  readonly ackLatenciesMs: number[] = []
  /** Called after each acknowledgement (the persistence scenario's closed loop types from here). */
  onAcknowledged: (() => void) | null = null
  private readonly sentAt: number[] = []
  private ws: WebSocket | null = null
  private resolveSynced!: () => void
  private rejectSynced!: (error: Error) => void
  private failure: Error | null = null

  constructor(readonly options: BenchClientOptions) {
    this.synced = new Promise((resolve, reject) => {
      this.resolveSynced = resolve
      this.rejectSynced = reject
    })
    // A failed run is reported by whoever awaits `synced`; an unobserved rejection must not crash the bench.
    this.synced.catch(() => {})
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE) this.sendSync(SYNC_UPDATE, update)
    })
    this.log.observe((event) => {
      if (event.transaction.origin !== REMOTE) return
      for (const item of event.changes.added) {
        for (const entry of item.content.getContent() as string[]) {
          this.entriesReceived++
          this.options.recorder?.record(Number(entry.slice(entry.lastIndexOf(':') + 1)))
        }
      }
    })
  }

  get error(): Error | null {
    return this.failure
  }

  connect(): void {
    this.connectStartedAt = performance.now()
    const ws = new WebSocket(this.options.url, { perMessageDeflate: false })
    ws.binaryType = 'nodebuffer'
    this.ws = ws
    ws.on('open', () => this.onOpen())
    ws.on('message', (data: Buffer) => this.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)))
    ws.on('error', (error) => this.fail(error))
    ws.on('close', (code, reason) => {
      if (this.ws !== null) this.fail(new Error(`closed by server: ${code} ${reason.toString()}`))
    })
  }

  /** Types one update now. */
  type(): void {
    this.typed++
    const entry = `${this.options.index}:${this.typed}:${performance.now().toFixed(3)}`
    this.log.push([entry])
  }

  close(): void {
    const ws = this.ws
    this.ws = null
    if (ws && ws.readyState !== WebSocket.CLOSED) ws.terminate()
    this.doc.destroy()
  }

  private onOpen(): void {
    if (this.options.dialect === 'relay') {
      this.syncRequestedAt = this.syncStep2At = performance.now()
      this.resolveSynced()
      return
    }
    if (this.options.dialect === 'hocuspocus') {
      const encoder = this.encoder()
      encoding.writeVarUint(encoder, MESSAGE_AUTH)
      encoding.writeVarUint(encoder, HOCUSPOCUS_AUTH_TOKEN)
      encoding.writeVarString(encoder, 'bench')
      this.send(encoding.toUint8Array(encoder))
    }
    const stateVector = this.options.isHeadless ? new Uint8Array([0]) : Y.encodeStateVector(this.doc)
    this.syncRequestedAt = performance.now()
    this.sendSync(SYNC_STEP1, stateVector)
  }

  private onMessage(data: Uint8Array): void {
    try {
      const decoder = decoding.createDecoder(data)
      if (this.options.dialect === 'hocuspocus') decoding.readVarString(decoder)
      const type = decoding.readVarUint(decoder)
      switch (type) {
        case MESSAGE_SYNC:
        case MESSAGE_HOCUSPOCUS_SYNC_REPLY:
          this.onSync(decoder)
          break
        case MESSAGE_HOCUSPOCUS_SYNC_STATUS:
          if (decoding.readVarUint(decoder) === 1) this.acknowledge(this.acknowledged + 1)
          break
        case MESSAGE_TANDEM_ACK:
          this.acknowledge(decoding.readVarUint(decoder))
          break
        case MESSAGE_AWARENESS:
        case MESSAGE_AUTH:
          break
        default:
          // The relay forwards peers' frames verbatim; anything else unknown is ignored like y-websocket does.
          break
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)))
    }
  }

  private onSync(decoder: decoding.Decoder): void {
    const syncType = decoding.readVarUint(decoder)
    const payload = decoding.readVarUint8Array(decoder)
    if (syncType === SYNC_STEP1) {
      const diff = this.options.isHeadless
        ? Y.encodeStateAsUpdate(new Y.Doc())
        : Y.encodeStateAsUpdate(this.doc, payload)
      this.sendSync(SYNC_STEP2, diff)
      return
    }
    if (syncType === SYNC_STEP2 && this.syncStep2At === 0) {
      this.syncStep2At = performance.now()
      this.syncStep2Bytes = payload.byteLength
      if (this.options.keepsSyncStep2) this.syncStep2Payload = payload.slice()
    }
    this.updateFramesReceived++
    if (!this.options.isHeadless) Y.applyUpdate(this.doc, payload, REMOTE)
    if (syncType === SYNC_STEP2) this.resolveSynced()
  }

  private acknowledge(count: number): void {
    const now = performance.now()
    for (let frame = this.acknowledged; frame < Math.min(count, this.sentAt.length); frame++) {
      this.ackLatenciesMs.push(now - (this.sentAt[frame] ?? now))
    }
    this.acknowledged = Math.max(this.acknowledged, count)
    this.onAcknowledged?.()
  }

  /** Update-bearing frames sent and not yet acknowledged. */
  get unacknowledged(): number {
    return this.updateFramesSent - this.acknowledged
  }

  private sendSync(syncType: number, payload: Uint8Array): void {
    const encoder = this.encoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    encoding.writeVarUint(encoder, syncType)
    encoding.writeVarUint8Array(encoder, payload)
    // Only frames that left count: the server acknowledges what it received, in order.
    if (this.send(encoding.toUint8Array(encoder)) && syncType !== SYNC_STEP1) {
      this.updateFramesSent++
      this.sentAt.push(performance.now())
    }
  }

  private encoder(): encoding.Encoder {
    const encoder = encoding.createEncoder()
    if (this.options.dialect === 'hocuspocus') encoding.writeVarString(encoder, this.options.docId)
    return encoder
  }

  private send(frame: Uint8Array): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false
    this.ws.send(frame)
    return true
  }

  private fail(error: Error): void {
    if (this.failure) return
    this.failure = error
    this.rejectSynced(error)
  }
}

/** True when every client holds the same state (state vector and content length). */
export function haveConverged(clients: BenchClient[]): boolean {
  const reference = clients[0]
  if (!reference) return true
  const vector = Buffer.from(Y.encodeStateVector(reference.doc))
  return clients.every(
    (client) =>
      client.log.length === reference.log.length && vector.equals(Buffer.from(Y.encodeStateVector(client.doc))),
  )
}
