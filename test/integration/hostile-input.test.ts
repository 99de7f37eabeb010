import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { rawClient, stockProvider, synced, updateFrame } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

describe('hostile input', () => {
  let running: RunningServer
  let bystander: ReturnType<typeof stockProvider>

  beforeEach(async () => {
    running = await startServer({ limits: { maxFrameBytes: 64 * 1024 } })
    bystander = stockProvider(running.wsUrl, 'bystander-doc')
    await synced(bystander.provider)
  })
  afterEach(async () => {
    bystander.destroy()
    await running.close()
  })

  /** The server and other documents carry on: a bystander still syncs through a fresh client. */
  async function expectOthersUnaffected(): Promise<void> {
    bystander.text.insert(0, 'still fine ')
    const check = stockProvider(running.wsUrl, 'bystander-doc')
    try {
      await waitFor(() => check.text.toString() === bystander.text.toString(), { description: 'bystander syncs' })
    } finally {
      check.destroy()
    }
  }

  async function closeFor(frame: Uint8Array | string, docId = 'target'): Promise<{ code: number; reason: string }> {
    const client = await rawClient(`${running.wsUrl}/${docId}`)
    client.send(frame)
    return client.closed
  }

  it('closes with 4413 on a frame above the limit', async () => {
    const big = new Y.Doc()
    big.getText('t').insert(0, 'x'.repeat(100 * 1024))
    const closed = await closeFor(updateFrame(Y.encodeStateAsUpdate(big)))
    expect(closed.code).toBe(4413)
    expect(closed.reason).toMatch(/^frame-too-large/)
    expect(running.logs.some((l) => l.msg === 'frame rejected' && l.code === 'frame-too-large')).toBe(true)
    await expectOthersUnaffected()
  })

  it('accepts a large first SyncStep2 (offline work) up to the initial-sync limit', async () => {
    const big = new Y.Doc()
    big.getText('t').insert(0, 'y'.repeat(100 * 1024))
    const client = await rawClient(`${running.wsUrl}/offline-big`)
    client.send(updateFrame(Y.encodeStateAsUpdate(big), 1))
    await waitFor(async () => (await running.server.store.load('offline-big' as never)).entries.length === 1)
    expect(client.ws.readyState).toBe(WebSocket.OPEN)
    client.ws.close()
  })

  it.each([
    ['empty frame', new Uint8Array([])],
    ['truncated varuint', new Uint8Array([0x80])],
    ['sync frame with no sub-type', new Uint8Array([0])],
    ['update longer than the frame', new Uint8Array([0, 2, 50, 1, 2, 3])],
    ['unknown sync sub-type', new Uint8Array([0, 9, 0])],
    ['garbage update', updateFrame(new Uint8Array([200, 200, 200, 200]))],
    ['random bytes as update', updateFrame(new Uint8Array([1, 5, 250, 3, 7, 7, 7, 0, 1]))],
    ['invalid state vector', new Uint8Array([0, 0, 3, 255, 255, 255])],
    ['garbage awareness', new Uint8Array([1, 3, 1, 2, 3])],
  ])('closes with 4400 on a malformed frame: %s', async (_name, frame) => {
    const closed = await closeFor(frame)
    expect(closed.code).toBe(4400)
    expect(closed.reason).toMatch(/^malformed-(frame|update)/)
    await expectOthersUnaffected()
  })

  it('closes with 4400 on an unknown message type', async () => {
    const closed = await closeFor(new Uint8Array([42, 1, 2]))
    expect(closed).toEqual({ code: 4400, reason: 'unknown-message-type: message type 42 is not accepted from clients' })
    await expectOthersUnaffected()
  })

  it('refuses the server-only Ack type from clients', async () => {
    expect((await closeFor(new Uint8Array([100, 1]))).code).toBe(4400)
  })

  it('closes with 4400 on a text frame', async () => {
    const closed = await closeFor('{"hello":"world"}')
    expect(closed.code).toBe(4400)
    expect(closed.reason).toMatch(/text frames/)
    await expectOthersUnaffected()
  })

  it('leaves the document unchanged by a rejected update', async () => {
    const writer = stockProvider(running.wsUrl, 'target')
    await synced(writer.provider)
    writer.text.insert(0, 'intact')
    await waitFor(async () => (await running.server.store.load('target' as never)).entries.length === 1)
    await closeFor(updateFrame(new Uint8Array([1, 1, 5, 0, 4, 9, 9])))
    const reader = stockProvider(running.wsUrl, 'target')
    await waitFor(() => reader.text.toString() === 'intact')
    expect((await running.server.store.load('target' as never)).entries).toHaveLength(1)
    writer.destroy()
    reader.destroy()
  })

  it.each([
    ['a dot', 'bad.id'],
    ['a space', 'bad%20id'],
    ['too long', 'x'.repeat(129)],
    ['a nested path', 'a/b'],
    ['nothing', ''],
  ])('refuses a document id with %s, with a clear reason', async (_name, docId) => {
    const client = await rawClient(`${running.wsUrl}/${docId}`)
    const closed = await client.closed
    expect(closed.code).toBe(4400)
    expect(closed.reason).toBe('invalid-doc-id: document ids must match [A-Za-z0-9_-]{1,128}')
  })

  it('answers 404 to upgrades outside /collab/', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${running.port}/elsewhere`)
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on('unexpected-response', (_request, response) => resolve(response.statusCode))
      ws.on('error', () => resolve(undefined))
    })
    expect(status).toBe(404)
  })

  it('survives a burst of garbage connections without losing other clients', async () => {
    const closes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => closeFor(new Uint8Array([0, 2, 10, i, i, i]), `garbage-${i % 3}`)),
    )
    expect(closes.every((c) => c.code === 4400)).toBe(true)
    await expectOthersUnaffected()
    expect(bystander.provider.wsconnected).toBe(true)
  })
})
