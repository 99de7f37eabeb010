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
  /** Samples again, by the class `classOf` gives each (sender, receiver) pair; empty without it. */
  readonly samplesByClassMs = new Map<string, number[]>()

  /**
   * @param classOf names the kind of a (sender index, receiver index) pair, e.g. same or cross
   *   instance in the cluster bench; each receipt is then also recorded under that name.
   */
  constructor(readonly classOf?: (sender: number, receiver: number) => string) {}

  record(sentAtMs: number, sender = -1, receiver = -1): void {
    this.entriesReceived++
    if (!this.isRecording) return
    const latencyMs = performance.now() - sentAtMs
    this.samplesMs.push(latencyMs)
    if (!this.classOf) return
    const name = this.classOf(sender, receiver)
    let samples = this.samplesByClassMs.get(name)
    if (!samples) this.samplesByClassMs.set(name, (samples = []))
    samples.push(latencyMs)
  }
}

/** What a link reports to its client. */
export interface LinkHandlers {
  /** The link can carry frames (WebSocket open; HTTP: the downlink answered). */
  onOpen(): void
  /** One server frame, in order. */
  onFrame(frame: Uint8Array): void
  /** The link failed or the server closed it; not called after `close()`. */
  onError(error: Error): void
}

/** How a bench client reaches the server: a WebSocket (default) or an HTTP fallback (bench/lib/http-link.ts). */
export interface FrameLink {
  /** Sends (or queues) one frame; false when the link cannot take it (not open, closed). */
  send(frame: Uint8Array): boolean
  /** Ends the link at once, without telling the server. */
  close(): void
}

export type OpenLink = (url: string, handlers: LinkHandlers) => FrameLink

/** The standard link: one WebSocket, binary frames, no compression. */
export const openWebSocketLink: OpenLink = (url, handlers) => {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  let isClosed = false
  ws.binaryType = 'nodebuffer'
  ws.on('open', () => handlers.onOpen())
  ws.on('message', (data: Buffer) => handlers.onFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)))
  ws.on('error', (error) => {
    if (!isClosed) handlers.onError(error)
  })
  ws.on('close', (code, reason) => {
    if (!isClosed) handlers.onError(new Error(`closed by server: ${code} ${reason.toString()}`))
  })
  return {
    send: (frame) => {
      if (ws.readyState !== WebSocket.OPEN) return false
      ws.send(frame)
      return true
    },
    close: () => {
      isClosed = true
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate()
    },
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
  /** How to reach the server (default: a WebSocket to `url`). */
  openLink?: OpenLink
  /** Frames of Tandem's own types this client does not handle itself (Threads, 102): for bench:comments. */
  onOtherFrame?: (frame: Uint8Array) => void
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
  private link: FrameLink | null = null
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
    // Entries received are read from the structs each remote transaction added, not from
    // `event.changes`: Yjs computes that by walking the whole array, so the generator's own cost
    // grew with the log (O(n²) over a run; a second of CPU per run at 50 clients, which
    // inflated every server's latency).
    this.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (transaction.origin !== REMOTE) return
      for (const [client, after] of transaction.afterState) {
        const before = transaction.beforeState.get(client) ?? 0
        if (after > before) this.receiveEntries(client, before, after)
      }
    })
  }

  /** Counts (and records the latency of) the `log` entries of `client` with clocks in [from, to). */
  private receiveEntries(client: number, from: number, to: number): void {
    const structs = this.doc.store.clients.get(client)
    if (!structs) return
    for (let i = Y.findIndexSS(structs, from); i < structs.length; i++) {
      const struct = structs[i]!
      if (struct.id.clock >= to) break
      if (!(struct instanceof Y.Item) || struct.parent !== this.log || !(struct.content instanceof Y.ContentAny))
        continue
      const entries = struct.content.getContent() as string[]
      const end = Math.min(entries.length, to - struct.id.clock)
      for (let k = Math.max(0, from - struct.id.clock); k < end; k++) {
        const entry = entries[k]!
        this.entriesReceived++
        const recorder = this.options.recorder
        if (!recorder) continue
        const sentAt = Number(entry.slice(entry.lastIndexOf(':') + 1))
        if (recorder.classOf) recorder.record(sentAt, Number(entry.slice(0, entry.indexOf(':'))), this.options.index)
        else recorder.record(sentAt)
      }
    }
  }

  get error(): Error | null {
    return this.failure
  }

  connect(): void {
    this.connectStartedAt = performance.now()
    const open = this.options.openLink ?? openWebSocketLink
    this.link = open(this.options.url, {
      onOpen: () => this.onOpen(),
      onFrame: (frame) => this.onMessage(frame),
      onError: (error) => this.fail(error),
    })
  }

  /** Types one update now. */
  type(): void {
    this.typed++
    const entry = `${this.options.index}:${this.typed}:${performance.now().toFixed(3)}`
    this.log.push([entry])
  }

  close(): void {
    const link = this.link
    this.link = null
    link?.close()
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
          this.options.onOtherFrame?.(data)
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
    return this.link?.send(frame) ?? false
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
