import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import type { DocStore } from '../../server/storage/doc-store.js'
import { openPostgresStorage, type PostgresStorage } from '../../server/storage/postgres/postgres-storage.js'
import { compactDocument } from '../../server/sync/compaction.js'
import { createTestDatabase, type TestDatabase } from '../cluster/helpers/postgres-database.js'

let database: TestDatabase
beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => {
  await database.drop()
})

/** What only a shared database has: several instances writing and compacting one log at once. */
describe('PostgresDocStore with several writers', () => {
  const opened: PostgresStorage[] = []
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()))
  })
  /** One more instance's storage on the shared database. */
  async function open(url = database.url): Promise<PostgresStorage> {
    const storage = await openPostgresStorage({ connectionString: url })
    opened.push(storage)
    return storage
  }
  async function instance(): Promise<DocStore> {
    return (await open()).docs
  }

  it('commits synchronously even where the database default is synchronous_commit = off', async () => {
    const name = new URL(database.url).pathname.slice(1)
    await database.query(`ALTER DATABASE ${name} SET synchronous_commit = off`)
    try {
      const storage = await open()
      // Reaching into the pool: the setting is a safety property with no other observable effect.
      const pool = (storage as unknown as { database: { pool: pg.Pool } }).database.pool
      const { rows } = await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')
      expect(rows[0]!.synchronous_commit).toBe('on')
    } finally {
      await database.query(`ALTER DATABASE ${name} RESET synchronous_commit`)
    }
  })

  it('migrates once when several instances start together on a fresh database', async () => {
    const fresh = await createTestDatabase()
    try {
      await Promise.all(Array.from({ length: 4 }, () => open(fresh.url)))
      const { rows } = await fresh.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      const tables = await fresh.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      )
      expect(tables.rows.map((r) => r.tablename)).toEqual([
        'comments',
        'document_access',
        'document_shares',
        'documents',
        'file_refs',
        'files',
        'mentions',
        'people',
        'quarantine',
        'revocations',
        'schema_migrations',
        'sessions',
        'threads',
        'updates',
        'versions',
      ])
    } finally {
      await Promise.all(opened.splice(0).map((s) => s.close()))
      await fresh.drop()
    }
  })

  it('adopts the history and revocation tables an earlier release created outside the migrations', async () => {
    const earlier = await createTestDatabase()
    try {
      await (await openPostgresStorage({ connectionString: earlier.url })).close()
      // What a database of the earlier release holds: migration 1 only, its own versions table with a row.
      await earlier.query('DELETE FROM schema_migrations WHERE version > 1')
      await earlier.query('DROP TABLE revocations')
      await earlier.query('DROP TABLE comments, threads, files, file_refs')
      await earlier.query('DROP TABLE people, sessions, document_access, document_shares, mentions')
      await earlier.query(
        `INSERT INTO versions (doc_id, created_at, name, authors, size_bytes, state) VALUES ('d', 1, 'kept', '[]', 1, '\\x00')`,
      )
      await open(earlier.url)
      const { rows } = await earlier.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      )
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      const kept = await earlier.query<{ name: string }>('SELECT name FROM versions')
      expect(kept.rows).toEqual([{ name: 'kept' }])
      await earlier.query('SELECT id FROM revocations')
    } finally {
      await Promise.all(opened.splice(0).map((s) => s.close()))
      await earlier.drop()
    }
  })

  it('keeps every append from concurrent instances, each with its own seq', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    const docId = 'shared' as DocId
    const seqs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a! : b!).append(docId, textUpdate(`${i},`, i + 1))),
    )
    expect(new Set(seqs).size).toBe(60)
    const loaded = await a!.load(docId)
    expect(loaded.entries).toHaveLength(60)
    expect(replayText(loaded.entries).split(',').filter(Boolean)).toHaveLength(60)
  })

  it('never deletes a row that committed after compaction read the log, though its seq is lower', async () => {
    const store = await instance()
    const docId = 'late' as DocId
    await store.append(docId, textUpdate('a', 1))
    // Another instance's transaction takes a seq now but commits only after compaction has run.
    const late = new pg.Client({ connectionString: database.url })
    await late.connect()
    try {
      await late.query('BEGIN')
      await late.query('INSERT INTO updates (doc_id, data) VALUES ($1, $2)', [docId, Buffer.from(textUpdate('b', 2))])
      await store.append(docId, textUpdate('c', 3))
      const result = await compactDocument(store, docId)
      expect(result).toMatchObject({ mergedRows: 2, isSuperseded: false })
      await late.query('COMMIT')
    } finally {
      await late.end()
    }
    const loaded = await store.load(docId)
    expect(loaded.entries.map((e) => e.isSnapshot)).toEqual([true, false])
    expect(loaded.entries[1]!.seq).toBeLessThan(loaded.entries[0]!.seq)
    expect([...replayText(loaded.entries)].sort().join('')).toBe('abc')
  })

  it('lets exactly one of two concurrent compactions of a document win', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    const docId = 'contended' as DocId
    for (let i = 0; i < 20; i++) await a!.append(docId, textUpdate(`${i % 10}`, i + 1))
    // Both read the same log, then both try to replace it at once.
    const [readA, readB] = await Promise.all([a!.load(docId), b!.load(docId)])
    const snapshot = (entries: { update: Uint8Array }[]) => Y.mergeUpdates(entries.map((e) => e.update))
    const results = await Promise.all([
      a!.compact(docId, snapshot(readA.entries), readA.entries),
      b!.compact(docId, snapshot(readB.entries), readB.entries),
    ])
    expect(results.sort()).toEqual([false, true])
    const loaded = await b!.load(docId)
    expect(loaded.entries).toHaveLength(1)
    expect(replayText(loaded.entries)).toHaveLength(20)
  })
})

function textUpdate(text: string, clientId: number): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = clientId
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

function replayText(entries: { update: Uint8Array }[]): string {
  const doc = new Y.Doc()
  for (const entry of entries) Y.applyUpdate(doc, entry.update)
  return doc.getText('t').toString()
}
