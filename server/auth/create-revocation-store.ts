import type { DocStore } from '../storage/doc-store.js'
import { PostgresDocStore } from '../storage/postgres-doc-store.js'
import { SqliteDocStore } from '../storage/sqlite-doc-store.js'
import { PostgresRevocationStore } from './postgres-revocation-store.js'
import { MemoryRevocationStore, type RevocationStore } from './revocation-store.js'
import { SqliteRevocationStore } from './sqlite-revocation-store.js'

/** Revocations live beside the documents: the same SQLite file, the same PostgreSQL database. */
export function createRevocationStore(store: DocStore): RevocationStore {
  if (store instanceof SqliteDocStore) return new SqliteRevocationStore(store)
  if (store instanceof PostgresDocStore) return new PostgresRevocationStore(store)
  if (store.kind !== 'memory') throw new Error(`no revocation storage for a ${store.kind} document store`)
  return new MemoryRevocationStore()
}

/** Where a server keeps its data, as its settings name it (DATA_DIR, DATABASE_URL). */
export interface StorageLocation {
  /** postgres://... : the PostgreSQL database the servers use; takes precedence over `dataDir`. */
  databaseUrl?: string
  /** The servers' DATA_DIR (SQLite); default ./data. */
  dataDir?: string
}

/** Opens the revocation list the servers at `location` read, for the CLI and embedding backends. */
export async function openRevocationStore(
  location: StorageLocation,
): Promise<{ revocations: RevocationStore; close: () => Promise<void> }> {
  // Through the document store, so the schema is migrated (PostgreSQL) or the file gets its pragmas
  // (SQLite: WAL, busy timeout) and schema checks.
  if (location.databaseUrl) {
    const docs = await PostgresDocStore.open({ connectionString: location.databaseUrl })
    return { revocations: new PostgresRevocationStore(docs), close: () => docs.close() }
  }
  const docs = new SqliteDocStore({ dataDir: location.dataDir ?? './data' })
  return { revocations: new SqliteRevocationStore(docs), close: () => docs.close() }
}
