import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MemoryDocStore } from '../../server/storage/memory-doc-store.js'
import { SqliteDocStore } from '../../server/storage/sqlite-doc-store.js'
import { runDocStoreContract } from './doc-store-contract.js'

runDocStoreContract('memory', async () => ({ store: new MemoryDocStore(), cleanup: async () => {} }))

runDocStoreContract('sqlite', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-sqlite-'))
  let store = new SqliteDocStore({ dataDir })
  return {
    get store() {
      return store
    },
    reopen: async () => {
      await store.close()
      store = new SqliteDocStore({ dataDir })
      return store
    },
    cleanup: async () => {
      await store.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
})
