import type { StorageBackend } from '../storage-backend.js'
import { SqliteCommentStore } from './sqlite-comment-store.js'
import { SqliteDatabase } from './sqlite-database.js'
import { SqliteDocStore } from './sqlite-doc-store.js'
import { SqliteFileStore } from './sqlite-file-store.js'
import { SqliteRevocationStore } from './sqlite-revocation-store.js'
import { SqliteVersionStore } from './sqlite-version-store.js'
import { SqlitePeopleStore } from './sqlite-people-store.js'
import { SqliteSessionStore } from './sqlite-session-store.js'
import { SqliteMentionStore } from './sqlite-mention-store.js'

export interface SqliteSettings {
  /** Directory holding tandem.db (created if missing). */
  dataDir: string
  /** The clock for timestamps the stores write; Date.now unless a test needs another. */
  now?: () => number
}

/**
 * Every store in one SQLite file, so one backup (`tandem backup`) holds documents, versions,
 * comment threads, uploaded files and revocations alike, and `tandem token revoke --data-dir` shares the running server's list.
 */
export class SqliteStorage implements StorageBackend {
  readonly docs: SqliteDocStore
  readonly versions: SqliteVersionStore
  readonly revocations: SqliteRevocationStore
  readonly comments: SqliteCommentStore
  readonly files: SqliteFileStore
  readonly sessions: SqliteSessionStore
  readonly people: SqlitePeopleStore
  readonly mentions: SqliteMentionStore

  constructor(
    private readonly database: SqliteDatabase,
    now: () => number,
  ) {
    this.docs = new SqliteDocStore(database, now)
    this.versions = new SqliteVersionStore(database)
    this.revocations = new SqliteRevocationStore(database)
    this.comments = new SqliteCommentStore(database)
    this.files = new SqliteFileStore(database)
    this.sessions = new SqliteSessionStore(database)
    this.people = new SqlitePeopleStore(database)
    this.mentions = new SqliteMentionStore(database)
  }

  /** An empty transaction on the writer thread: resolves once the thread is up (it starts on first use). */
  async warm(): Promise<void> {
    await this.database.write([])
  }

  /** The path of the database file. */
  get file(): string {
    return this.database.file
  }

  /** Online backup to `destination`, consistent while servers keep writing to the file. */
  async backup(destination: string, onProgress?: (copiedPages: number, totalPages: number) => void): Promise<void> {
    await this.docs.flush()
    await this.database.backup(destination, onProgress)
  }

  async close(): Promise<void> {
    await this.docs.close()
    await this.database.close()
  }
}

/** Opens (creating if needed) and migrates tandem.db in `dataDir`; throws when it cannot. */
export function openSqliteStorage(settings: SqliteSettings): SqliteStorage {
  const now = settings.now ?? Date.now
  return new SqliteStorage(SqliteDatabase.open(settings.dataDir, now), now)
}
