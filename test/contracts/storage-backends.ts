import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'
import { createMemoryStorage } from '../../server/storage/memory/memory-storage.js'
import { openPostgresStorage } from '../../server/storage/postgres/postgres-storage.js'
import { openSqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js'
import type { StorageBackend } from '../../server/storage/storage-backend.js'
import { createTestDatabase, type TestDatabase } from '../cluster/helpers/postgres-database.js'

/** Fresh, empty storage of one backend, and what a test may do with it. */
export interface StorageFixture {
  /** The storage as last opened (`reopen` replaces it). */
  readonly storage: StorageBackend
  /**
   * Closes the storage and opens the same data again, as a restarted server would; null for memory,
   * whose data lives and dies with one object.
   */
  reopen: (() => Promise<StorageBackend>) | null
  /** A second handle on the same data while the first stays open, as another instance or the CLI has. */
  openAgain: () => Promise<StorageBackend>
  /** Closes whatever is still open and removes the data. */
  cleanup(): Promise<void>
}

export interface BackendUnderTest {
  /** 'memory', 'sqlite' or 'postgres': names the describe blocks. */
  name: string
  open(): Promise<StorageFixture>
}

/**
 * Every storage backend, for the contract suites (each runs its suite once per backend). Call once
 * per test file, at its top level: PostgreSQL gets one database for the file, dropped after it, and
 * emptied before each test.
 */
export function storageBackends(): BackendUnderTest[] {
  let database: TestDatabase | null = null
  afterAll(async () => {
    await database?.drop()
  })
  return [
    {
      name: 'memory',
      open: async () => {
        const storage = createMemoryStorage()
        return { storage, reopen: null, openAgain: async () => storage, cleanup: () => storage.close() }
      },
    },
    {
      name: 'sqlite',
      open: async () => {
        const dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-storage-'))
        return handles(
          async () => openSqliteStorage({ dataDir }),
          () => rm(dataDir, { recursive: true, force: true }),
        )
      },
    },
    {
      name: 'postgres',
      open: async () => {
        database ??= await createTestDatabase()
        const url = database.url
        const fixture = await handles(
          () => openPostgresStorage({ connectionString: url }),
          async () => undefined,
        )
        // The schema and its migrations stay; every table is emptied.
        await database.query(
          'TRUNCATE documents, updates, quarantine, versions, revocations, threads, comments, files, file_refs, people, sessions, document_access, document_shares, mentions',
        )
        return fixture
      },
    },
  ]
}

/** The fixture for a backend whose data outlives its handles (a file, a database). */
async function handles(open: () => Promise<StorageBackend>, removeData: () => Promise<void>): Promise<StorageFixture> {
  let current = await open()
  const stillOpen = new Set([current])
  const track = async () => {
    const storage = await open()
    stillOpen.add(storage)
    return storage
  }
  return {
    get storage() {
      return current
    },
    reopen: async () => {
      stillOpen.delete(current)
      await current.close()
      current = await track()
      return current
    },
    openAgain: track,
    cleanup: async () => {
      for (const storage of stillOpen) await storage.close()
      await removeData()
    },
  }
}
