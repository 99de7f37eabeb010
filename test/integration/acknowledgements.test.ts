import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { rawClient, readAck, updateFrame } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

function edit(doc: Y.Doc, text: string): Uint8Array {
  let captured: Uint8Array | null = null
  const capture = (u: Uint8Array) => (captured = u)
  doc.on('update', capture)
  doc.getText('t').insert(doc.getText('t').length, text)
  doc.off('update', capture)
  return captured!
}

describe('acknowledgements (?acks=1)', () => {
  let running: RunningServer
  let store: MemoryDocStore

  beforeEach(async () => {
    store = new MemoryDocStore()
    running = await startServer({ store })
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    await running.close()
  })

  it('R-DURABLE: acknowledges each update-bearing frame only after it is in storage', async () => {
    const client = await rawClient(`${running.wsUrl}/acked?acks=1`)
    const doc = new Y.Doc()
    // Hold the commit until the test releases it: no ack may arrive before.
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const realAppend = store.append.bind(store)
    vi.spyOn(store, 'append').mockImplementation(async (docId, update) => {
      await gate
      return realAppend(docId, update)
    })
    client.send(updateFrame(edit(doc, 'hello')))
    client.send(updateFrame(edit(doc, ' world')))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(client.frames.map(readAck).filter((a) => a !== null)).toEqual([])
    release()
    await waitFor(() => client.frames.map(readAck).includes(2), { description: 'ack of both frames' })
    const stored = new Y.Doc()
    for (const entry of (await store.load('acked' as never)).entries) Y.applyUpdate(stored, entry.update)
    expect(stored.getText('t').toString()).toBe('hello world')
    client.ws.close()
  })

  it('acknowledges a frame whose content was already known', async () => {
    const client = await rawClient(`${running.wsUrl}/dupes?acks=1`)
    const doc = new Y.Doc()
    const update = edit(doc, 'once')
    client.send(updateFrame(update))
    client.send(updateFrame(update))
    await waitFor(() => client.frames.map(readAck).includes(2), { description: 'ack of the duplicate' })
    expect((await store.load('dupes' as never)).entries).toHaveLength(1)
    client.ws.close()
  })

  it('counts SyncStep2 frames as update-bearing', async () => {
    const client = await rawClient(`${running.wsUrl}/step2?acks=1`)
    const doc = new Y.Doc()
    edit(doc, 'offline work')
    client.send(updateFrame(Y.encodeStateAsUpdate(doc), 1))
    await waitFor(() => client.frames.map(readAck).includes(1))
    client.ws.close()
  })

  it('sends no Ack frames to clients that did not ask', async () => {
    const client = await rawClient(`${running.wsUrl}/no-acks`)
    const doc = new Y.Doc()
    client.send(updateFrame(edit(doc, 'x')))
    await waitFor(async () => (await store.load('no-acks' as never)).entries.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(client.frames.map(readAck).filter((a) => a !== null)).toEqual([])
    client.ws.close()
  })

  it('R-DURABLE: acknowledges nothing when the commit fails, and closes with 1013 so clients resend', async () => {
    const client = await rawClient(`${running.wsUrl}/failing?acks=1`)
    vi.spyOn(store, 'append').mockRejectedValue(new Error('disk full'))
    client.send(updateFrame(edit(new Y.Doc(), 'lost?')))
    const closed = await client.closed
    expect(closed.code).toBe(1013)
    expect(closed.reason).toMatch(/^storage-failure/)
    expect(client.frames.map(readAck).filter((a) => a !== null)).toEqual([])
    expect(running.logs.some((l) => l.msg.startsWith('append failed'))).toBe(true)
  })
})
