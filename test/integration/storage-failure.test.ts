import { afterEach, describe, expect, it } from 'vitest'
import type { DocId } from '../../shared/ids.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { stockProvider, synced } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/** A real store with a switch that makes it fail as a full disk or a lost database would. */
class FailingStore extends MemoryDocStore {
  isDown = false
  override async append(docId: DocId, update: Uint8Array) {
    if (this.isDown) throw new Error('SQLITE_FULL: database or disk is full')
    return super.append(docId, update)
  }
  override async load(docId: DocId) {
    if (this.isDown) throw new Error('SQLITE_IOERR: disk I/O error')
    return super.load(docId)
  }
  override async ping() {
    if (this.isDown) throw new Error('SQLITE_IOERR: disk I/O error')
  }
}

describe('storage unavailable', () => {
  let running: RunningServer
  afterEach(async () => {
    await running.close()
  })

  it('tells clients, reports not ready, keeps edits on the clients and recovers when storage returns', async () => {
    const store = new FailingStore()
    running = await startServer({ store })
    const writer = stockProvider(running.wsUrl, 'fragile')
    const reader = stockProvider(running.wsUrl, 'fragile')
    await Promise.all([synced(writer.provider), synced(reader.provider)])
    writer.text.insert(0, 'before ')
    await waitFor(async () => (await store.load('fragile' as never)).entries.length === 1)

    store.isDown = true
    const closeCodes: number[] = []
    writer.provider.on('connection-close', (event: { code: number } | null) => closeCodes.push(event?.code ?? 0))
    writer.text.insert(writer.text.length, 'during')
    await waitFor(() => closeCodes.includes(1013), { description: 'writer told to retry (1013)' })
    const ready = await fetch(`${running.httpUrl}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ checks: { storage: 'failed' } })
    expect(writer.text.toString()).toBe('before during')
    expect(running.logs.some((l) => l.msg === 'append failed; closing document so clients resend')).toBe(true)

    store.isDown = false
    await waitFor(
      async () => {
        const stored = await store.load('fragile' as never)
        const doc = new (await import('yjs')).Doc()
        for (const entry of stored.entries) (await import('yjs')).applyUpdate(doc, entry.update)
        return doc.getText('t').toString() === 'before during'
      },
      { timeoutMs: 15_000, description: 'the edit made during the outage is stored after recovery' },
    )
    await waitFor(() => reader.text.toString() === 'before during', { timeoutMs: 15_000 })
    expect((await fetch(`${running.httpUrl}/readyz`)).status).toBe(200)
    writer.destroy()
    reader.destroy()
  })
})
