import type { DocStore } from '../storage/doc-store.js'
import { openDocStore, type StorageLocation } from '../storage/open-doc-store.js'
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

/** Opens the revocation list the servers at `location` read, for the CLI and embedding backends. */
export async function openRevocationStore(
  location: StorageLocation,
): Promise<{ revocations: RevocationStore; close: () => Promise<void> }> {
  // Through the document store, so the schema is migrated (PostgreSQL) or the file gets its pragmas
  // (SQLite: WAL, busy timeout) and schema checks.
  const docs = await openDocStore(location)
  return { revocations: createRevocationStore(docs), close: () => docs.close() }
}
