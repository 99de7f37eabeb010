import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import pg from 'pg'
import { PostgresVersionStore } from '../../server/history/postgres-version-store.js'
import { SqliteVersionStore } from '../../server/history/sqlite-version-store.js'
import { MemoryVersionStore, type VersionStore } from '../../server/history/version-store.js'
import { SqliteDocStore } from '../../server/storage/sqlite-doc-store.js'

const doc = (id: string) => id as never

function runVersionStoreContract(
  name: string,
  create: () => Promise<{ store: VersionStore; cleanup: () => Promise<void> }>,
) {
  describe(`VersionStore contract: ${name}`, () => {
    let store: VersionStore
    let cleanup: () => Promise<void>
    beforeEach(async () => ({ store, cleanup } = await create()))
    afterEach(async () => cleanup())

    it('adds versions and lists them newest first without their states', async () => {
      const first = await store.add(doc('a'), {
        state: new Uint8Array([1, 2]),
        name: null,
        authors: ['Ann'],
        createdAt: 1000,
      })
      const second = await store.add(doc('a'), {
        state: new Uint8Array([3]),
        name: 'Named',
        authors: [],
        createdAt: 2000,
      })
      await store.add(doc('b'), { state: new Uint8Array([9]), name: null, authors: [], createdAt: 3000 })
      expect(second.id).toBeGreaterThan(first.id)
      expect(await store.list(doc('a'))).toEqual([
        { id: second.id, docId: 'a', createdAt: 2000, name: 'Named', authors: [], sizeBytes: 1 },
        { id: first.id, docId: 'a', createdAt: 1000, name: null, authors: ['Ann'], sizeBytes: 2 },
      ])
    })

    it('returns one version with its exact state', async () => {
      const meta = await store.add(doc('a'), {
        state: new Uint8Array([5, 6, 7]),
        name: null,
        authors: [],
        createdAt: 1,
      })
      expect(await store.get(doc('a'), meta.id)).toEqual({ meta, state: new Uint8Array([5, 6, 7]) })
      expect(await store.get(doc('b'), meta.id)).toBeNull()
      expect(await store.get(doc('a'), meta.id + 100)).toBeNull()
    })

    it('names, unnames and removes versions', async () => {
      const meta = await store.add(doc('a'), { state: new Uint8Array([1]), name: null, authors: [], createdAt: 1 })
      expect((await store.setName(doc('a'), meta.id, 'Milestone'))?.name).toBe('Milestone')
      expect((await store.setName(doc('a'), meta.id, null))?.name).toBeNull()
      expect(await store.setName(doc('a'), meta.id + 1, 'x')).toBeNull()
      expect(await store.remove(doc('a'), [meta.id, meta.id + 1])).toBe(1)
      expect(await store.list(doc('a'))).toEqual([])
    })

    it('removes a whole history', async () => {
      await store.add(doc('a'), { state: new Uint8Array([1]), name: 'kept?', authors: [], createdAt: 1 })
      await store.removeAll(doc('a'))
      expect(await store.list(doc('a'))).toEqual([])
    })
  })
}

runVersionStoreContract('memory', async () => ({ store: new MemoryVersionStore(), cleanup: async () => {} }))
runVersionStoreContract('sqlite', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-versions-'))
  const docs = new SqliteDocStore({ dataDir })
  return {
    store: new SqliteVersionStore(docs.database),
    cleanup: async () => {
      await docs.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
})

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

runVersionStoreContract('postgres', async () => {
  const database = `tandem_versions_${process.pid}_${Math.floor(Math.random() * 1e9)}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${database}`)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${database}`
  const store = new PostgresVersionStore(url.toString())
  return {
    store,
    cleanup: async () => {
      await store.close()
      await admin.query(`DROP DATABASE IF EXISTS ${database}`)
      await admin.end()
    },
  }
})
