import type { DocStore } from '../storage/doc-store.js'
import { SqliteDocStore } from '../storage/sqlite-doc-store.js'
import { PostgresVersionStore } from './postgres-version-store.js'
import { SqliteVersionStore } from './sqlite-version-store.js'
import { MemoryVersionStore, type VersionStore } from './version-store.js'

/** Versions live beside the documents: the same SQLite file, the same PostgreSQL database. */
export function createVersionStore(store: DocStore, databaseUrl: string | undefined): VersionStore {
  if (store instanceof SqliteDocStore) return new SqliteVersionStore(store.database)
  if (store.kind === 'postgres') {
    if (!databaseUrl) throw new Error('a PostgreSQL document store needs databaseUrl for its version history')
    return new PostgresVersionStore(databaseUrl)
  }
  return new MemoryVersionStore()
}
