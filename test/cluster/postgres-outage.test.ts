import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import { openPostgresStorage } from '../../server/storage/postgres/postgres-storage.js'
import { AckingWriter } from '../helpers/acking-writer.js'
import { stockProvider } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { createTestDatabase, type TestDatabase } from './helpers/postgres-database.js'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js'

/**
 * PostgreSQL going away under a running server (reliability notes, S3): no acknowledgement for
 * what did not commit, no crash, and service resumes by itself when the database returns.
 */
describe('PostgreSQL outage under a running server', () => {
  let database: TestDatabase
  let proxy: TcpProxy
  let running: RunningServer

  beforeAll(async () => {
    database = await createTestDatabase()
    proxy = await startTcpProxy(Number(new URL(database.url).port || 5432))
    const url = new URL(database.url)
    url.host = `127.0.0.1:${proxy.port}`
    const storage = await openPostgresStorage({ connectionString: url.toString() })
    running = await startServer({ storage })
  })
  afterAll(async () => {
    await running?.close().catch(() => undefined)
    await proxy?.close()
    await database?.drop()
  })

  it('acknowledges only what committed, stays up while the database is gone, and recovers', async () => {
    const docId = 'outage'
    const before = new AckingWriter(running.wsUrl, docId, 'before')
    const typist = stockProvider(running.wsUrl, docId)
    try {
      await before.opened()
      before.start(25)
      await waitFor(() => before.acked.size >= 10, { description: 'writes acked' })

      proxy.cut()
      // The client keeps its edits while the server cannot store them.
      for (let i = 0; i < 20; i++) typist.text.insert(typist.text.length, `${i % 10}`)
      await waitFor(async () => (await fetch(`${running.httpUrl}/readyz`)).status === 503, {
        description: 'readyz 503 without storage',
      })
      const health = await fetch(`${running.httpUrl}/healthz`)
      expect(health.status).toBe(200)
      before.stop()

      proxy.restore()
      await waitFor(async () => (await fetch(`${running.httpUrl}/readyz`)).status === 200, {
        timeoutMs: 15_000,
        description: 'ready again',
      })
      const after = new AckingWriter(running.wsUrl, docId, 'after')
      try {
        await after.opened()
        await waitFor(
          () => {
            after.writeOne()
            return after.acked.size >= 5
          },
          { timeoutMs: 15_000, intervalMs: 50, description: 'writes acked after the database returned' },
        )
      } finally {
        after.stop()
      }

      const storage = await openPostgresStorage({ connectionString: database.url })
      const stored = new Y.Doc()
      try {
        for (const entry of (await storage.docs.load(docId as DocId)).entries) Y.applyUpdate(stored, entry.update)
      } finally {
        await storage.close()
      }
      const markers = stored.getMap('markers')
      expect([...before.acked, ...after.acked].filter((key) => !markers.has(key))).toEqual([])
      // The typist's stock provider reconnected on its own and re-sent what was never stored.
      await waitFor(
        async () => {
          const check = await openPostgresStorage({ connectionString: database.url })
          try {
            const doc = new Y.Doc()
            for (const entry of (await check.docs.load(docId as DocId)).entries) Y.applyUpdate(doc, entry.update)
            return doc.getText('t').toString() === '01234567890123456789'
          } finally {
            await check.close()
          }
        },
        { timeoutMs: 15_000, intervalMs: 200, description: 'offline edits stored after recovery' },
      )
    } finally {
      before.stop()
      typist.destroy()
    }
  }, 60_000)
})
