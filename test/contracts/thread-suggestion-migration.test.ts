import Database from 'better-sqlite3'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openPostgresStorage } from '../../server/storage/postgres/postgres-storage.js'
import { openSqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js'
import { createTestDatabase } from '../cluster/helpers/postgres-database.js'

/** A thread as a release before migration 6 stored it, without suggestion_id. */
const OLD_THREAD = {
  thread:
    "INSERT INTO threads (doc_id, id, status, quote, anchor_start, anchor_end, created_at, updated_at) VALUES ('d', 't', 'open', 'q', NULL, NULL, 1, 1)",
  comment:
    "INSERT INTO comments (doc_id, thread_id, id, body, author_id, author_name, author_verified, created_at) VALUES ('d', 't', 'c', 'hello', 'a', 'Ann', 1, 1)",
}

describe('migration 6 (threads.suggestion_id)', () => {
  it('upgrades a SQLite file of the release before: its threads read with suggestionId null', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-migration-'))
    try {
      await (await openSqliteStorage({ dataDir })).close()
      const file = new Database(path.join(dataDir, 'tandem.db'))
      file.exec('ALTER TABLE threads DROP COLUMN suggestion_id')
      // A release at 5 had none of the later migrations' tables either (7: sign-in's, 8: mentions).
      file.exec(
        'DROP TABLE people; DROP TABLE sessions; DROP TABLE document_access; DROP TABLE document_shares; DROP TABLE mentions',
      )
      file.pragma('user_version = 5')
      file.exec(`${OLD_THREAD.thread}; ${OLD_THREAD.comment}`)
      file.close()
      const storage = await openSqliteStorage({ dataDir })
      try {
        const thread = await storage.comments.getThread('d', 't')
        expect(thread).toMatchObject({ id: 't', suggestionId: null, comments: [{ body: 'hello' }] })
      } finally {
        await storage.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('upgrades a PostgreSQL database of the release before: its threads read with suggestionId null', async () => {
    const database = await createTestDatabase()
    try {
      await (await openPostgresStorage({ connectionString: database.url })).close()
      await database.query('ALTER TABLE threads DROP COLUMN suggestion_id')
      // A release at 5 had none of the later migrations' tables either (7: sign-in's, 8: mentions).
      await database.query('DELETE FROM schema_migrations WHERE version >= 6')
      await database.query('DROP TABLE people, sessions, document_access, document_shares, mentions')
      await database.query(OLD_THREAD.thread)
      await database.query(OLD_THREAD.comment.replace("'Ann', 1, 1)", "'Ann', true, 1)"))
      const storage = await openPostgresStorage({ connectionString: database.url })
      try {
        const thread = await storage.comments.getThread('d', 't')
        expect(thread).toMatchObject({ id: 't', suggestionId: null, comments: [{ body: 'hello' }] })
      } finally {
        await storage.close()
      }
    } finally {
      await database.drop()
    }
  })
})
