import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { rawClient, stockProvider, synced, updateFrame } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

describe('per-connection and per-document limits', () => {
  let running: RunningServer
  afterEach(async () => {
    await running.close()
  })

  async function bystanderStillWorks(): Promise<void> {
    const a = stockProvider(running.wsUrl, 'bystander')
    const b = stockProvider(running.wsUrl, 'bystander')
    await Promise.all([synced(a.provider), synced(b.provider)])
    a.text.insert(0, 'ok')
    await waitFor(() => b.text.toString() === 'ok')
    a.destroy()
    b.destroy()
  }

  it('closes a connection that sends faster than the message rate with 4529', async () => {
    running = await startServer({ limits: { maxMessagesPerSecond: 5, messageBurst: 10 } })
    const flooder = await rawClient(`${running.wsUrl}/flooded`)
    const doc = new Y.Doc()
    for (let i = 0; i < 40; i++) {
      doc.getText('t').insert(0, 'x')
      flooder.send(updateFrame(Y.encodeStateAsUpdate(doc)))
    }
    const closed = await flooder.closed
    expect(closed.code).toBe(4529)
    expect(closed.reason).toMatch(/^rate-limited/)
    await bystanderStillWorks()
  })

  it('closes a connection that sends more bytes per second than allowed', async () => {
    running = await startServer({ limits: { maxBytesPerSecond: 1024, maxInitialSyncBytes: 8 * 1024 } })
    const flooder = await rawClient(`${running.wsUrl}/bytes`)
    for (let i = 0; i < 10; i++) {
      const doc = new Y.Doc()
      doc.getText('t').insert(0, 'y'.repeat(2000))
      flooder.send(updateFrame(Y.encodeStateAsUpdate(doc)))
    }
    expect((await flooder.closed).code).toBe(4529)
  })

  it('refuses connections beyond the per-address limit with 429, keeping the others', async () => {
    running = await startServer({ limits: { maxConnectionsPerAddress: 3 } })
    const open = await Promise.all([1, 2, 3].map(() => rawClient(`${running.wsUrl}/crowded`)))
    const refused = new WebSocket(`${running.wsUrl}/crowded`)
    const status = await new Promise<number | undefined>((resolve) => {
      refused.on('unexpected-response', (_request, response) => resolve(response.statusCode))
      refused.on('open', () => resolve(101))
    })
    expect(status).toBe(429)
    expect(open.every((c) => c.ws.readyState === WebSocket.OPEN)).toBe(true)
    open[0]!.ws.close()
    await open[0]!.closed
    const again = await rawClient(`${running.wsUrl}/crowded`)
    expect(again.ws.readyState).toBe(WebSocket.OPEN)
    for (const c of [...open, again]) c.ws.close()
  })

  it('counts users behind a trusted proxy by X-Forwarded-For, on WebSocket and SSE alike', async () => {
    running = await startServer({ trustProxy: ['loopback'], limits: { maxConnectionsPerAddress: 2 } })
    const from = (address: string) => ({ headers: { 'X-Forwarded-For': address } })
    const status = (ws: WebSocket) =>
      new Promise<number | undefined>((resolve) => {
        ws.on('error', () => undefined) // a refused upgrade also errors; the status is what matters
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode))
        ws.on('open', () => resolve(101))
      })
    // Everyone arrives from the proxy's own address; without trust, the third would be refused.
    const users = ['203.0.113.1', '203.0.113.2', '203.0.113.3'].map(
      (address) => new WebSocket(`${running.wsUrl}/proxied`, from(address)),
    )
    expect(await Promise.all(users.map(status))).toEqual([101, 101, 101])
    // One user is still capped.
    const second = new WebSocket(`${running.wsUrl}/proxied`, from('203.0.113.1'))
    expect(await status(second)).toBe(101)
    const third = new WebSocket(`${running.wsUrl}/proxied`, from('203.0.113.1'))
    expect(await status(third)).toBe(429)
    // SSE sessions are capped per address the same way (this address holds no WebSocket).
    const streams = await Promise.all(
      [1, 2, 3].map((n) =>
        fetch(`${running.httpUrl}/collab/proxied/events?sid=trusted-proxy-session-${n}`, from('203.0.113.9')),
      ),
    )
    expect(streams.map((r) => r.status).sort()).toEqual([200, 200, 429])
    const other = await fetch(
      `${running.httpUrl}/collab/proxied/events?sid=trusted-proxy-session-4`,
      from('203.0.113.8'),
    )
    expect(other.status).toBe(200)
    for (const response of [...streams, other]) await response.body?.cancel()
    for (const ws of [...users, second]) ws.close()
  })

  it('caps an address across endpoints: WebSocket, SSE session and signalling count toward one limit', async () => {
    running = await startServer({ limits: { maxConnectionsPerAddress: 3 } })
    const sockets: WebSocket[] = []
    const upgradeStatus = (path: string) =>
      new Promise<number | undefined>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${running.port}${path}`)
        sockets.push(ws)
        ws.on('error', () => undefined) // a refused upgrade also errors; the status is what matters
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode))
        ws.on('open', () => resolve(101))
      })
    const openStream = (n: number) => fetch(`${running.httpUrl}/collab/shared-cap/events?sid=shared-cap-session-${n}`)

    const document = await rawClient(`${running.wsUrl}/shared-cap`)
    const stream = await openStream(1)
    expect(stream.status).toBe(200)
    expect(await upgradeStatus('/signal')).toBe(101)

    // The address holds three connections, one of each kind: a fourth of any kind is refused.
    expect(await upgradeStatus('/collab/shared-cap')).toBe(429)
    const refusedStream = await openStream(2)
    expect(refusedStream.status).toBe(429)
    await refusedStream.body?.cancel()
    expect(await upgradeStatus('/signal')).toBe(429)

    // Closing one frees its place, for any kind.
    document.ws.close()
    await document.closed
    await waitFor(async () => (await upgradeStatus('/signal')) === 101, {
      description: 'the freed place taken by a signalling connection',
    })
    await stream.body?.cancel()
    for (const ws of sockets) ws.close()
  })

  it('stops accepting changes to a document over its size budget with 4413', async () => {
    running = await startServer({ limits: { maxDocumentBytes: 2_000 } })
    const writer = await rawClient(`${running.wsUrl}/bloated`)
    const doc = new Y.Doc()
    let update: Uint8Array | null = null
    doc.on('update', (u: Uint8Array) => (update = u))
    doc.getText('t').insert(0, 'z'.repeat(3_000))
    writer.send(updateFrame(update!))
    await waitFor(async () => (await running.server.store.load('bloated' as never)).entries.length === 1)
    doc.getText('t').insert(0, 'more')
    writer.send(updateFrame(update!))
    const closed = await writer.closed
    expect(closed.code).toBe(4413)
    expect(closed.reason).toMatch(/^document-too-large/)
    await bystanderStillWorks()
  })

  it('cuts off a connection whose updates cost too much CPU to apply', async () => {
    running = await startServer({ limits: { applyBudgetBurstMs: 0.001, applyBudgetMsPerSecond: 0.001 } })
    const client = await rawClient(`${running.wsUrl}/expensive`)
    const doc = new Y.Doc()
    for (let i = 0; i < 5; i++) {
      doc.getText('t').insert(0, 'x'.repeat(200))
      client.send(updateFrame(Y.encodeStateAsUpdate(doc)))
    }
    const closed = await client.closed
    expect(closed.code).toBe(4529)
    expect(closed.reason).toMatch(/too expensive/)
    await bystanderStillWorks()
  })

  it("never cuts off a connection's first SyncStep2 (a whole offline session) for its apply cost", async () => {
    running = await startServer({ limits: { applyBudgetBurstMs: 0.001, applyBudgetMsPerSecond: 0.001 } })
    const client = await rawClient(`${running.wsUrl}/big-first-sync`)
    const doc = new Y.Doc()
    for (let i = 0; i < 200; i++) doc.getText('t').insert(0, `paragraph ${i} `)
    client.send(updateFrame(Y.encodeStateAsUpdate(doc), 1))
    await waitFor(async () => (await running.server.store.load('big-first-sync' as never)).entries.length === 1)
    expect(client.ws.readyState).toBe(WebSocket.OPEN)
    client.ws.close()
  })

  it('caps what one presence state may hold', async () => {
    running = await startServer()
    const client = stockProvider(running.wsUrl, 'presence-cap')
    await synced(client.provider)
    const closed = new Promise<number>((resolve) =>
      client.provider.on('connection-close', (event: { code: number } | null) => resolve(event?.code ?? 0)),
    )
    client.provider.awareness.setLocalStateField('user', { name: 'n'.repeat(5_000) })
    expect(await closed).toBe(4413)
    client.destroy()
  })
})
