import type { StorageBackend } from '../storage-backend.js'
import { PostgresCommentStore } from './postgres-comment-store.js'
import { PostgresDatabase, type PostgresSettings } from './postgres-database.js'
import { PostgresDocStore } from './postgres-doc-store.js'
import { PostgresFileStore } from './postgres-file-store.js'
import { PostgresRevocationStore } from './postgres-revocation-store.js'
import { PostgresVersionStore } from './postgres-version-store.js'
import { PostgresPeopleStore } from './postgres-people-store.js'
import { PostgresSessionStore } from './postgres-session-store.js'
import { PostgresMentionStore } from './postgres-mention-store.js'

/**
 * Every store in one PostgreSQL database, shared by all instances: one pool per instance, one
 * schema migrated once (whichever instance starts first), one pg_dump for a backup.
 */
export class PostgresStorage implements StorageBackend {
  readonly docs: PostgresDocStore
  readonly versions: PostgresVersionStore
  readonly revocations: PostgresRevocationStore
  readonly comments: PostgresCommentStore
  readonly files: PostgresFileStore
  readonly sessions: PostgresSessionStore
  readonly people: PostgresPeopleStore
  readonly mentions: PostgresMentionStore

  constructor(
    private readonly database: PostgresDatabase,
    now: () => number,
  ) {
    this.docs = new PostgresDocStore(database, now)
    this.versions = new PostgresVersionStore(database)
    this.revocations = new PostgresRevocationStore(database)
    this.comments = new PostgresCommentStore(database)
    this.files = new PostgresFileStore(database)
    this.sessions = new PostgresSessionStore(database)
    this.people = new PostgresPeopleStore(database)
    this.mentions = new PostgresMentionStore(database)
  }

  async close(): Promise<void> {
    try {
      await this.docs.close()
    } finally {
      await this.database.close()
    }
  }
}

/** Connects and migrates the schema; fails (rather than starting) when the database is unusable. */
export async function openPostgresStorage(settings: PostgresSettings): Promise<PostgresStorage> {
  return new PostgresStorage(await PostgresDatabase.open(settings), settings.now ?? Date.now)
}

export type { PostgresSettings }
