import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DocId } from '../../shared/ids.js'
import { UPDATED_AT_GRANULARITY_MS } from '../../server/storage/doc-store.js'
import { SQLITE_CONNECTION_PRAGMAS, SQLITE_FILE_NAME } from '../../server/storage/sqlite/sqlite-database.js'
import { migrateSqlite } from '../../server/storage/sqlite/sqlite-migrations.js'
import { SqliteWriteConnection, WriteKind } from '../../server/storage/sqlite/sqlite-write-connection.js'

const doc = (id: string) => id as DocId
const bytes = (...values: number[]) => new Uint8Array(values)

/** The writer thread's connection, run here on the test's thread, beside a connection to read with. */
describe('SqliteWriteConnection', () => {
  let dataDir: string
  let writes: SqliteWriteConnection
  let reader: Database.Database
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-write-connection-'))
    const file = path.join(dataDir, SQLITE_FILE_NAME)
    reader = new Database(file)
    migrateSqlite(reader)
    writes = new SqliteWriteConnection({ file, pragmas: SQLITE_CONNECTION_PRAGMAS })
  })
  afterEach(async () => {
    writes.close()
    reader.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  const rows = (docId: string) =>
    reader.prepare('SELECT seq, data, is_snapshot FROM updates WHERE doc_id = ? ORDER BY seq').all(docId) as {
      seq: number
      data: Buffer
      is_snapshot: number
    }[]
  const updatedAt = (docId: string) =>
    (reader.prepare('SELECT updated_at FROM documents WHERE doc_id = ?').get(docId) as { updated_at: number })
      .updated_at

  it('appends a batch in one go, seqs rising in item order, creating each document', () => {
    const seqs = writes.append(
      [
        { docId: doc('a'), update: bytes(1) },
        { docId: doc('b'), update: bytes(2) },
        { docId: doc('a'), update: bytes(3) },
      ],
      1_000,
    )
    expect(seqs).toHaveLength(3)
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs)
    expect(rows('a').map((row) => [...row.data])).toEqual([[1], [3]])
    expect(updatedAt('b')).toBe(1_000)
  })

  it("moves a document's updated_at only once the granularity has passed", () => {
    writes.append([{ docId: doc('a'), update: bytes(1) }], 10_000)
    writes.append([{ docId: doc('a'), update: bytes(2) }], 10_000 + UPDATED_AT_GRANULARITY_MS - 1)
    expect(updatedAt('a')).toBe(10_000)
    writes.append([{ docId: doc('a'), update: bytes(3) }], 10_000 + UPDATED_AT_GRANULARITY_MS)
    expect(updatedAt('a')).toBe(10_000 + UPDATED_AT_GRANULARITY_MS)
  })

  it('replaces exactly the merged rows by a snapshot at the highest of their seqs', () => {
    const [first, second, kept] = writes.append(
      [1, 2, 3].map((n) => ({ docId: doc('a'), update: bytes(n) })),
      1,
    ) as [number, number, number]
    expect(writes.compact(doc('a'), bytes(9), [{ seq: first }, { seq: second }])).toBe(true)
    expect(rows('a').map((row) => [row.seq, [...row.data], row.is_snapshot])).toEqual([
      [second, [9], 1],
      [kept, [3], 0],
    ])
  })

  it('changes nothing when a merged row is gone or a snapshot changed (another compaction won)', () => {
    const [first, second] = writes.append(
      [1, 2].map((n) => ({ docId: doc('a'), update: bytes(n) })),
      1,
    ) as [number, number]
    expect(writes.compact(doc('a'), bytes(9), [{ seq: first }, { seq: second }])).toBe(true)
    const before = rows('a')
    expect(writes.compact(doc('a'), bytes(8), [{ seq: first }])).toBe(false)
    expect(writes.compact(doc('a'), bytes(8), [{ seq: second, snapshot: bytes(7) }])).toBe(false)
    expect(rows('a')).toEqual(before)
    expect(writes.compact(doc('a'), bytes(8), [{ seq: second, snapshot: bytes(9) }])).toBe(true)
    expect(rows('a').map((row) => [...row.data])).toEqual([[8]])
  })

  it('runs statements all or none', () => {
    const insert = { sql: 'INSERT INTO documents (doc_id, created_at, updated_at) VALUES (?, 1, 1)', params: ['x'] }
    expect(() => writes.run([insert, { sql: 'INSERT INTO no_such_table VALUES (1)', params: [] }])).toThrow(
      /no such table/,
    )
    expect(reader.prepare('SELECT COUNT(*) AS n FROM documents').get()).toEqual({ n: 0 })
    expect(writes.run([insert, { sql: 'DELETE FROM documents WHERE doc_id = ?', params: ['missing'] }])).toEqual([
      { changes: 1, lastInsertRowid: expect.any(Number) },
      { changes: 0, lastInsertRowid: expect.any(Number) },
    ])
  })

  it('takes each kind of request the writer thread is sent', () => {
    const [seq] = writes.handle({ kind: WriteKind.Append, items: [{ docId: doc('a'), update: bytes(1) }], now: 1 }) as [
      number,
    ]
    expect(writes.handle({ kind: WriteKind.Compact, docId: doc('a'), snapshot: bytes(2), merged: [{ seq }] })).toBe(
      true,
    )
    expect(writes.handle({ kind: WriteKind.Run, statements: [{ sql: 'DELETE FROM updates', params: [] }] })).toEqual([
      { changes: 1, lastInsertRowid: expect.any(Number) },
    ])
  })
})
