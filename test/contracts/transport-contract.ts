import net from 'node:net'
import * as decoding from 'lib0/decoding'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { Transport, TransportSocket } from '../../client/transport/transport.js'
import { mintToken } from '../../server/auth/tokens.js'
import { decodeFrame, isSyncStep1Frame, syncFrame } from '../../shared/protocol/frames.js'
import {
  ACKS_QUERY_PARAM,
  MessageType,
  SyncMessageType,
  TOKEN_QUERY_PARAM,
} from '../../shared/protocol/message-type.js'
import type { TransportKind } from '../../shared/protocol/transport-kind.js'
import { stockProvider, synced } from '../helpers/clients.js'
import { errorLogs, startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/** A client Transport as the contract runs it: made for Node (the browser globals it needs supplied). */
export interface TransportSubject {
  /** A fresh transport (and so a fresh per-tab memory) for one client. */
  create(): Transport
  /** The transport its sockets must report while connected. */
  kind: TransportKind
}

const SECRET = 'transport-contract-secret-long-enough-0000'

type Socket = WebSocket & TransportSocket

/** One socket of the transport, driven by hand: every frame it delivers, Acks applied as a provider does. */
interface DrivenSocket {
  socket: Socket
  /** Frames delivered to `onmessage`, Acks excepted. */
  frames: Uint8Array[]
  closed: Promise<{ code: number; reason: string }>
}

function drive(transport: Transport, url: string): DrivenSocket {
  const SocketClass = transport.socketClass(() => undefined)
  const socket = new SocketClass(url)
  socket.binaryType = 'arraybuffer'
  const frames: Uint8Array[] = []
  socket.onmessage = (event: MessageEvent) => {
    const frame = new Uint8Array(event.data as ArrayBuffer)
    const decoded = decodeFrame(frame)
    if (decoded?.type === MessageType.Ack) socket.acknowledge(decoded.count)
    else frames.push(frame)
  }
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.onclose = (event: { code: number; reason: string }) => resolve({ code: event.code, reason: event.reason })
  })
  return { socket, frames, closed }
}

/** Applies the updates the Sync frames in `frames` carry to `doc`. */
function applyFrames(doc: Y.Doc, frames: Uint8Array[]): Y.Doc {
  for (const frame of frames) {
    const decoded = decodeFrame(frame)
    if (decoded?.type === MessageType.Sync && decoded.syncType !== SyncMessageType.Step1) {
      Y.applyUpdate(doc, decoded.payload)
    }
  }
  return doc
}

/** A y-websocket provider (the provider Tandem's wraps) driving the transport's sockets, Acks handled as Tandem's does. */
function providerOn(transport: Transport, serverUrl: string, docId: string, token: string) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(serverUrl, docId, doc, {
    WebSocketPolyfill: transport.socketClass(() => undefined) as unknown as typeof WebSocket,
    disableBc: true,
    params: { [ACKS_QUERY_PARAM]: '1', [TOKEN_QUERY_PARAM]: token },
  })
  provider.messageHandlers[MessageType.Ack] = (_encoder, decoder, p) => {
    ;(p.ws as Socket | null)?.acknowledge(decoding.readVarUint(decoder))
  }
  return { doc, text: doc.getText('t'), provider, socket: () => provider.ws as Socket | null }
}

/** A TCP relay whose connections can all be cut at once: a network change, for every transport alike. */
interface CutProxy {
  port: number
  /** Resets every connection in flight; returns how many there were. */
  cut(): number
  close(): Promise<void>
}

async function startCutProxy(upstreamPort: number): Promise<CutProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>()
  const server = net.createServer((downstream) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1')
    const pair: [net.Socket, net.Socket] = [downstream, upstream]
    pairs.add(pair)
    const drop = (): void => {
      pairs.delete(pair)
      downstream.destroy()
      upstream.destroy()
    }
    for (const socket of pair) {
      socket.on('error', drop)
      socket.on('close', drop)
    }
    downstream.pipe(upstream).pipe(downstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      const count = pairs.size
      for (const [downstream, upstream] of [...pairs]) {
        downstream.resetAndDestroy()
        upstream.resetAndDestroy()
      }
      pairs.clear()
      return count
    },
    close: async () => {
      for (const [downstream, upstream] of pairs) {
        downstream.destroy()
        upstream.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * What every client transport must do, whatever carries the frames (docs/protocol.md): open on the
 * server's first frame, carry frames both ways with acknowledgements, close with the server's code
 * and reason, and survive a cut of the network without losing an edit in either direction.
 */
export function runTransportContract(name: string, subject: TransportSubject): void {
  describe(`Transport contract: ${name}`, () => {
    let running: RunningServer
    const cleanups: (() => void | Promise<void>)[] = []

    beforeEach(async () => {
      running = await startServer({ authSecret: SECRET })
    })
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
      await running.close()
    })

    const token = (doc: string) => mintToken({ secret: SECRET, doc, role: 'edit' })
    const socketUrl = (docId: string, query: Record<string, string>) =>
      `${running.wsUrl}/${encodeURIComponent(docId)}?${new URLSearchParams({ [ACKS_QUERY_PARAM]: '1', ...query })}`
    const open = (docId: string, query: Record<string, string>): DrivenSocket => {
      const driven = drive(subject.create(), socketUrl(docId, query))
      cleanups.push(() => driven.socket.close())
      return driven
    }
    const peer = async (docId: string) => {
      const stock = stockProvider(running.wsUrl, docId, { params: { token: await token(docId) } })
      cleanups.push(stock.destroy)
      await synced(stock.provider)
      return stock
    }

    it('opens, and the first frame it delivers is the server SyncStep1', async () => {
      const client = open('opening', { token: await token('opening') })
      await waitFor(() => client.frames.length > 0, { description: 'a first frame' })
      expect(client.socket.readyState).toBe(1)
      expect(isSyncStep1Frame(client.frames[0]!)).toBe(true)
      expect(client.socket.hasReceivedMessage).toBe(true)
      expect(client.socket.hasReceivedSyncStep1).toBe(true)
      expect(client.socket.transport ?? subject.kind).toBe(subject.kind)
    })

    it('carries frames both ways, and counts an update acknowledged once it is stored', async () => {
      const client = open('both-ways', { token: await token('both-ways') })
      await waitFor(() => client.socket.hasReceivedSyncStep1, { description: 'the server SyncStep1' })
      const mine = new Y.Doc()
      mine.getText('t').insert(0, 'up')
      client.socket.send(syncFrame(SyncMessageType.Step2, Y.encodeStateAsUpdate(mine)))
      expect(client.socket.updateFramesSent).toBe(1)
      await waitFor(() => client.socket.updateFramesAcked === 1, { description: 'the update acknowledged' })
      const stored = await running.server.store.load('both-ways' as never)
      const replica = new Y.Doc()
      for (const entry of stored.entries) Y.applyUpdate(replica, entry.update)
      expect(replica.getText('t').toString()).toBe('up') // durable before acknowledged

      const other = await peer('both-ways')
      expect(other.text.toString()).toBe('up')
      other.text.insert(2, ' and down')
      await waitFor(() => applyFrames(mine, client.frames).getText('t').toString() === 'up and down', {
        description: 'the peer change delivered',
      })
    })

    it('closes with 4400 and the reason for an invalid document id', async () => {
      const client = open('not a valid id!', { token: await token('anything') })
      const closed = await client.closed
      expect(closed.code).toBe(4400)
      expect(closed.reason).toMatch(/^invalid-doc-id: /)
    })

    it('closes with 4401 without a token and 4403 with a token for another document', async () => {
      const anonymous = open('guarded', {})
      expect(await anonymous.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^unauthorized: /) })
      const elsewhere = open('guarded', { token: await token('another-document') })
      expect(await elsewhere.closed).toMatchObject({ code: 4403, reason: expect.stringMatching(/^forbidden: /) })
    })

    it('closes with 4400 for a frame the server cannot decode', async () => {
      const client = open('hostile', { token: await token('hostile') })
      await waitFor(() => client.socket.hasReceivedSyncStep1, { description: 'the server SyncStep1' })
      client.socket.send(syncFrame(SyncMessageType.Update, new Uint8Array([1, 2, 3, 4, 5])))
      expect(await client.closed).toMatchObject({ code: 4400, reason: expect.stringMatching(/^malformed-update: /) })
    })

    it('resumes after the network is cut, losing no edit in either direction', async () => {
      const proxy = await startCutProxy(running.port)
      cleanups.push(() => proxy.close())
      const other = await peer('cut')
      const mine = providerOn(subject.create(), `ws://127.0.0.1:${proxy.port}/collab`, 'cut', await token('cut'))
      cleanups.push(() => mine.provider.destroy())
      await synced(mine.provider)
      const type = (round: number) => {
        mine.text.insert(mine.text.length, `m${round}`)
        other.text.insert(0, `o${round}`)
      }
      for (let round = 0; round < 3; round++) type(round)
      await waitFor(() => mine.text.length === 12, { description: 'edits before the cut delivered' })
      expect(proxy.cut()).toBeGreaterThan(0)
      for (let round = 3; round < 6; round++) type(round)

      await waitFor(() => mine.text.length === 24 && other.text.toString() === mine.text.toString(), {
        description: 'both replicas hold every edit',
      })
      await waitFor(
        () => {
          const socket = mine.socket()
          return socket !== null && socket.updateFramesSent > 0 && socket.updateFramesAcked === socket.updateFramesSent
        },
        { description: 'every update acknowledged after the cut' },
      )
      const stored = await running.server.store.load('cut' as never)
      const replica = new Y.Doc()
      for (const entry of stored.entries) Y.applyUpdate(replica, entry.update)
      expect(replica.getText('t').toString()).toBe(mine.text.toString())
      expect(errorLogs(running.logs)).toEqual([])
    })

    it('leaves the room at once when closed: peers see its presence go', async () => {
      const other = await peer('leaving')
      const mine = providerOn(subject.create(), running.wsUrl, 'leaving', await token('leaving'))
      cleanups.push(() => mine.provider.destroy())
      await synced(mine.provider)
      mine.provider.awareness.setLocalStateField('user', { name: 'Mo' })
      await waitFor(() => other.provider.awareness.getStates().has(mine.doc.clientID), { description: 'presence seen' })
      mine.provider.disconnect()
      // Well before the 30 s awareness timeout: the server removed it when the connection ended.
      await waitFor(() => !other.provider.awareness.getStates().has(mine.doc.clientID), {
        timeoutMs: 3_000,
        description: 'presence removed',
      })
    })
  })
}
