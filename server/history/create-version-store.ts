import type { DocStore } from '../storage/doc-store.js'
import { PostgresDocStore } from '../storage/postgres-doc-store.js'
import { SqliteDocStore } from '../storage/sqlite-doc-store.js'
import { PostgresVersionStore } from './postgres-version-store.js'
import { SqliteVersionStore } from './sqlite-version-store.js'
import { MemoryVersionStore, type VersionStore } from './version-store.js'

/** Versions live beside the documents: the same SQLite file, the same PostgreSQL database. */
export function createVersionStore(store: DocStore): VersionStore {
  if (store instanceof SqliteDocStore) return new SqliteVersionStore(store)
  if (store instanceof PostgresDocStore) return new PostgresVersionStore(store.database)
  if (store.kind !== 'memory') throw new Error(`no version history storage for a ${store.kind} document store`)
  return new MemoryVersionStore()
}
