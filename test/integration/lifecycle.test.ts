import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { openSqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js'
import { AckingWriter } from '../helpers/acking-writer.js'
import { spawnServer } from '../helpers/child-server.js'
import { rawClient, stockProvider, synced } from '../helpers/clients.js'
import { startServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

describe('graceful shutdown (SIGTERM)', () => {
  let dataDir: string
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-shutdown-'))
  })
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  it('closes clients with 1012, commits what it accepted and exits 0', async () => {
    const server = await spawnServer(['--port', '0', '--data-dir', dataDir])
    const client = await rawClient(`${server.wsUrl}/draining`)
    const writer = new AckingWriter(server.wsUrl, 'draining', 'w')
    await writer.opened()
    for (let i = 0; i < 50; i++) writer.writeOne()
    await waitFor(() => writer.acked.size === 50, { description: 'all 50 acknowledged' })
    server.process.kill('SIGTERM')
    const closed = await client.closed
    expect(closed.code).toBe(1012)
    expect(closed.reason).toMatch(/^server-shutting-down/)
    expect((await server.exited).code).toBe(0)
    expect(server.output()).toMatch(/"msg":"stopped"/)
    writer.stop()

    const storage = openSqliteStorage({ dataDir })
    const doc = new Y.Doc()
    for (const entry of (await storage.docs.load('draining' as never)).entries) Y.applyUpdate(doc, entry.update)
    await storage.close()
    expect(doc.getMap('markers').size).toBe(50)
  })

  it('refuses a second instance on the same port with a clear message', async () => {
    const first = await spawnServer(['--port', '0', '--data-dir', dataDir])
    const second = await spawnServer(['--port', String(first.port), '--data-dir', dataDir]).catch((e: Error) => e)
    expect(String(second)).toMatch(new RegExp(`port ${first.port} is already in use`))
    first.process.kill('SIGTERM')
    await first.exited
  })
})

describe('compaction', () => {
  it('merges the log into a snapshot once it passes the row threshold, losing nothing', async () => {
    const store = new MemoryDocStore()
    const running = await startServer({ store, limits: { compactAfterRows: 20 } })
    const writer = stockProvider(running.wsUrl, 'growing')
    await synced(writer.provider)
    // One turn's updates are stored as one row, so pause between keystrokes to make 45 rows.
    for (let i = 0; i < 45; i++) {
      writer.text.insert(writer.text.length, `${i % 10}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await waitFor(
      async () => {
        const stored = await store.load('growing' as never)
        return stored.entries[0]?.isSnapshot && stored.entries.length < 20
      },
      { description: 'log compacted' },
    )
    await running.server.registry.idle()
    await waitFor(
      async () => {
        const again = new Y.Doc()
        for (const entry of (await store.load('growing' as never)).entries) Y.applyUpdate(again, entry.update)
        return again.getText('t').toString() === writer.text.toString()
      },
      { description: 'stored state equals the client' },
    )
    expect(running.logs.some((l) => l.msg === 'log compacted')).toBe(true)
    writer.destroy()
    await running.close()
  })
})

describe('quarantine', () => {
  it('sets aside a stored update that cannot be applied, reports it, and serves the rest', async () => {
    const store = new MemoryDocStore()
    const good = new Y.Doc()
    good.getText('t').insert(0, 'survivor')
    await store.append('poisoned' as never, Y.encodeStateAsUpdate(good))
    const badSeq = await store.append('poisoned' as never, new Uint8Array([0, 1, 9, 9, 9, 9]))
    const running = await startServer({ store })
    const reader = stockProvider(running.wsUrl, 'poisoned')
    await waitFor(() => reader.text.toString() === 'survivor', { description: 'the good content loads' })
    expect(await store.listQuarantined('poisoned' as never)).toEqual([
      expect.objectContaining({ seq: badSeq, reason: expect.stringMatching(/could not be decoded/) }),
    ])
    expect(running.logs.some((l) => l.msg === 'stored update quarantined' && l.seq === badSeq)).toBe(true)
    const metrics = await (await fetch(`${running.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/tandem_quarantined_updates_total 1/)
    reader.destroy()
    await running.close()
  })

  it('does not quarantine again on the next load', async () => {
    const store = new MemoryDocStore()
    await store.append('once' as never, new Uint8Array([7, 7, 7]))
    const running = await startServer({ store })
    for (let i = 0; i < 2; i++) {
      await running.server.registry.withRoom('once' as never, () => undefined)
      await waitFor(() => running.server.registry.openCount === 0)
    }
    expect(await store.listQuarantined('once' as never)).toHaveLength(1)
    await running.close()
  })
})

describe('room lifecycle', () => {
  it('unloads a room after its last client leaves and its writes are committed', async () => {
    const running = await startServer()
    const client = stockProvider(running.wsUrl, 'transient')
    await synced(client.provider)
    client.text.insert(0, 'bye')
    expect(running.server.registry.openCount).toBe(1)
    client.destroy()
    await waitFor(() => running.server.registry.openCount === 0, { description: 'room unloaded' })
    expect((await running.server.store.load('transient' as never)).entries).toHaveLength(1)
    await running.close()
  })
})
