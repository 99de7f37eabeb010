import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SQLITE_FILE_NAME } from '../../server/storage/sqlite/sqlite-database.js'
import { openSqliteStorage, type SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js'

const doc = (id: string) => id as never

/**
 * Every SQLite write runs on the writer thread. Another process holding the write lock (a backup
 * tool, `tandem token revoke`, a second writer) must make writes wait, never the event loop: a
 * synchronous write on the main thread would sit in busy_timeout with every client of the process.
 */
describe('SQLite writes wait off the main thread', () => {
  let dataDir: string
  let storage: SqliteStorage
  let locker: Database.Database
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-writes-'))
    storage = openSqliteStorage({ dataDir })
    locker = new Database(path.join(dataDir, SQLITE_FILE_NAME))
  })
  afterEach(async () => {
    if (locker.inTransaction) locker.exec('ROLLBACK')
    locker.close()
    await storage.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('keeps the event loop turning while another connection holds the write lock, then writes', async () => {
    const { docs: store, versions, revocations } = storage
    await store.create(doc('locked'), 'before')
    locker.exec('BEGIN IMMEDIATE')
    const writes = Promise.all([
      store.setTitle(doc('locked'), 'after'),
      store.create(doc('another'), ''),
      versions.add(doc('locked'), { createdAt: 1, name: null, authors: [], state: new Uint8Array([0, 0]) }),
      revocations.add({ kind: 'token', subject: 'jti-1', revokedAt: 1, expiresAt: null }),
    ])
    let isSettled = false
    void writes.finally(() => (isSettled = true))
    // The loop turns (timers fire) while the writes wait for the lock.
    const turns = await countTimerTurns(300)
    expect(turns).toBeGreaterThan(10)
    expect(isSettled).toBe(false)
    locker.exec('COMMIT')
    const [titled, created, version, revocation] = await writes
    expect(titled).toBe(true)
    expect(created).toBe(true)
    expect(version.id).toBeGreaterThan(0)
    expect(revocation.id).toBeGreaterThan(0)
    expect((await store.info(doc('locked')))?.title).toBe('after')
    expect(await revocations.listSince(0)).toHaveLength(1)
  })

  it('quarantines and deletes in one transaction each', async () => {
    const store = storage.docs
    const seq = await store.append(doc('d'), new Uint8Array([0, 0]))
    await store.quarantine(doc('d'), seq, 'test reason')
    expect((await store.load(doc('d'))).entries).toHaveLength(0)
    expect(await store.listQuarantined(doc('d'))).toMatchObject([{ seq, reason: 'test reason' }])
    expect(await store.delete(doc('d'))).toBe(true)
    expect(await store.delete(doc('d'))).toBe(false)
  })
})

async function countTimerTurns(durationMs: number): Promise<number> {
  const endAt = Date.now() + durationMs
  let turns = 0
  while (Date.now() < endAt) {
    await new Promise((resolve) => setTimeout(resolve, 5))
    turns++
  }
  return turns
}
